package app

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/rand"
	"encoding/binary"
	"hash/crc32"
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// The rendered-page cache: the public pages that revalidate (revalidate.go)
// and /search keep their final bytes, and the same bytes gzip-compressed, in
// this instance's memory, under the content version (the outbox position:
// any write on any instance moves it, and the whole cache is dropped), the
// language, the full URL, the build and the audience; /search also under
// its index's position. A hit is the version read, a map lookup and a write.
//
// What may differ between two people of one audience is never in the kept
// bytes:
//   - a visitor is one audience; a response that sets a cookie, shows a
//     one-time message, has another status than 200 or is not HTML is never
//     kept, nor one a handler marks personal (personalPage);
//   - signed-in members are an audience per role and organisation (and its
//     state): their lists, menus and members-only notes are the same for
//     every member of one organisation. Their own organisation's drafts and a
//     moderator's view of a note or an organisation are personal pages. The
//     CSRF token of the logout form (and of any form) is rendered as a slot,
//     a random marker of this process, and each person's own token is put in
//     its place when the page is sent: into the compressed bytes as well,
//     whose parts between the slots are deflated once (pageEntry.write).
//     A page that would hold the member's e-mail address or name, or their
//     real token, is not kept.
//   - a member whose organisation is suspended sees a banner with the
//     moderators' reason: not cached.

// csrfSlot stands for the reader's CSRF token in a member's kept page: made
// of letters and digits, which templates write as they are, and random, so
// that no content can contain it.
var csrfSlot = "csrfslot" + rand.Text()

// localCSRFSlot, when set, makes h.page render csrfSlot as the CSRF token;
// localPersonal marks a page that must not be kept.
const (
	localCSRFSlot = "proact.csrf_slot"
	localPersonal = "proact.personal"
)

// personalPage marks the response as one that depends on who reads it beyond
// their audience (their own organisation's unpublished work, a moderator's
// view): it is not kept in the page cache.
func personalPage(c *fiber.Ctx) { c.Locals(localPersonal, true) }

// pageCache is a bounded LRU of rendered pages, all of one content version.
type pageCache struct {
	max int64 // bytes; 0 disables the cache

	mu      sync.Mutex
	version uint64
	size    int64
	lru     *list.List // of *pageEntry, most recently used first
	entries map[string]*list.Element
	// rendering holds, per key being rendered, a channel closed when that
	// request is done (kept or not).
	rendering map[string]chan struct{}

	hits, misses, stores atomic.Uint64
}

func newPageCache(maxBytes int64) *pageCache {
	return &pageCache{max: maxBytes, lru: list.New(), entries: map[string]*list.Element{}, rendering: map[string]chan struct{}{}}
}

// await is called on a miss. When no other request is rendering key, it
// returns done, which the caller calls once its response is kept or not.
// Otherwise it waits for that request (or ctx's end) and returns the page
// it kept, or nil: the caller renders it itself, and done is nil.
func (pc *pageCache) await(ctx context.Context, version uint64, key string) (e *pageEntry, done func()) {
	if pc == nil || pc.max <= 0 {
		return nil, nil
	}
	pc.mu.Lock()
	ch, busy := pc.rendering[key]
	if !busy {
		ch = make(chan struct{})
		pc.rendering[key] = ch
		pc.mu.Unlock()
		return nil, func() {
			pc.mu.Lock()
			delete(pc.rendering, key)
			pc.mu.Unlock()
			close(ch)
		}
	}
	pc.mu.Unlock()
	select {
	case <-ch:
		return pc.get(version, key), nil
	case <-ctx.Done():
		return nil, nil
	}
}

// pageEntry is one kept page: the parts of the HTML between the slots of
// the CSRF token (one part when there is none) and, compressed, the whole
// gzip stream (no slot) or each part deflated on its own (slots).
type pageEntry struct {
	key         string
	contentType string
	parts       [][]byte
	gzip        []byte
	deflated    [][]byte
	size        int64
	// With slots: each part's CRC-32 and x^(8·len) mod the CRC polynomial
	// (crc32Shift), so that the stream's CRC is combined per request from
	// them and the token's (crc32Combine) rather than computed over the
	// whole page; partsLen is the parts' total length.
	crcs, shifts []uint32
	partsLen     int
}

func (pc *pageCache) get(version uint64, key string) *pageEntry {
	if pc == nil || pc.max <= 0 {
		return nil
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.version == version {
		if el, ok := pc.entries[key]; ok {
			pc.lru.MoveToFront(el)
			pc.hits.Add(1)
			return el.Value.(*pageEntry)
		}
	}
	pc.misses.Add(1)
	return nil
}

func (pc *pageCache) put(version uint64, e *pageEntry) {
	if pc == nil || pc.max <= 0 || e.size > pc.max/4 {
		return
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.version != version {
		// The content moved (or this request read a version another has
		// already passed, which is rare and short): start again.
		pc.version, pc.size = version, 0
		pc.lru.Init()
		clear(pc.entries)
	}
	if el, ok := pc.entries[e.key]; ok {
		pc.size -= el.Value.(*pageEntry).size
		pc.lru.Remove(el)
	}
	pc.entries[e.key] = pc.lru.PushFront(e)
	pc.size += e.size
	pc.stores.Add(1)
	for pc.size > pc.max {
		last := pc.lru.Back()
		old := last.Value.(*pageEntry)
		pc.lru.Remove(last)
		delete(pc.entries, old.key)
		pc.size -= old.size
	}
}

// len reports how many pages are kept (tests).
func (pc *pageCache) len() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return len(pc.entries)
}

// bytes reports the size of the kept pages (tests).
func (pc *pageCache) bytes() int64 {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.size
}

// newPageEntry prepares body (HTML with csrfSlot where the reader's token
// goes) for keeping.
func newPageEntry(key, contentType string, body []byte) (*pageEntry, error) {
	e := &pageEntry{key: key, contentType: contentType}
	for part := range bytes.SplitSeq(body, []byte(csrfSlot)) {
		e.parts = append(e.parts, bytes.Clone(part))
	}
	var buf bytes.Buffer
	if len(e.parts) == 1 {
		zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		if err != nil {
			return nil, err
		}
		if _, err := zw.Write(body); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		e.gzip = buf.Bytes()
	} else {
		// Each part is a deflate stream of its own, ended by a sync flush
		// (byte-aligned, not final) but the last, which is final: the token
		// goes between them as a stored block, and the decoder reads one
		// stream (no back-reference crosses a part: each compressor starts
		// empty).
		fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
		if err != nil {
			return nil, err
		}
		for i, part := range e.parts {
			buf.Reset()
			fw.Reset(&buf)
			if _, err := fw.Write(part); err != nil {
				return nil, err
			}
			if i < len(e.parts)-1 {
				err = fw.Flush()
			} else {
				err = fw.Close()
			}
			if err != nil {
				return nil, err
			}
			e.deflated = append(e.deflated, bytes.Clone(buf.Bytes()))
			e.crcs = append(e.crcs, crc32.ChecksumIEEE(part))
			e.shifts = append(e.shifts, crc32Shift(len(part)))
			e.partsLen += len(part)
		}
	}
	e.size = int64(len(key) + len(body) + len(e.gzip))
	for _, d := range e.deflated {
		e.size += int64(len(d))
	}
	return e, nil
}

// gzipHeader is the header of the spliced gzip streams: no name, no time,
// unknown OS (RFC 1952).
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// slotFill is a reader's CSRF token as it goes into a kept page's slots:
// as it is, and as a stored deflate block with its CRC-32 and shift for the
// compressed stream. A kept identity holds its own, made once
// (identityEntry.page); other readers' are made per request.
type slotFill struct {
	token      string
	stored     []byte
	crc, shift uint32
}

func newSlotFill(token string) *slotFill {
	stored := storedBlock(token)
	return &slotFill{token: token, stored: stored, crc: crc32.ChecksumIEEE(stored[5:]), shift: crc32Shift(len(token))}
}

// write sends the kept page, with fill's token in each slot (nil for a
// visitor's page, which has none), compressed when the client takes gzip.
func (e *pageEntry) write(c *fiber.Ctx, fill *slotFill) {
	c.Set(fiber.HeaderContentType, e.contentType)
	c.Vary(fiber.HeaderAcceptEncoding)
	resp := c.Response()
	gz := c.Request().Header.HasAcceptEncoding("gzip")
	if gz {
		c.Set(fiber.HeaderContentEncoding, "gzip")
	}
	if len(e.parts) > 1 && fill == nil {
		fill = newSlotFill("") // cannot happen: a page with slots is a member's
	}
	switch {
	case len(e.parts) == 1 && gz:
		resp.SetBodyRaw(e.gzip) // kept bytes are never changed
	case len(e.parts) == 1:
		resp.SetBodyRaw(e.parts[0])
	case !gz:
		resp.ResetBody()
		for i, part := range e.parts {
			if i > 0 {
				resp.AppendBodyString(fill.token)
			}
			resp.AppendBody(part)
		}
	default:
		resp.ResetBody()
		resp.AppendBody(gzipHeader)
		crc := e.crcs[0]
		resp.AppendBody(e.deflated[0])
		for i := 1; i < len(e.parts); i++ {
			resp.AppendBody(fill.stored)
			resp.AppendBody(e.deflated[i])
			crc = crc32Combine(crc32Combine(crc, fill.crc, fill.shift), e.crcs[i], e.shifts[i])
		}
		var trailer [8]byte
		binary.LittleEndian.PutUint32(trailer[:4], crc)
		binary.LittleEndian.PutUint32(trailer[4:], uint32(e.partsLen+(len(e.parts)-1)*len(fill.token)))
		resp.AppendBody(trailer[:])
	}
}

// The CRC-32 of two strings A and B from theirs (zlib's crc32_combine): the
// CRC of A shifted past len(B) zero bytes, which is a multiplication by
// x^(8·len(B)) modulo the polynomial (reflected, as the CRC), then B's.
// crc32Poly is IEEE's, reflected; crc32Powers[k] is x^(2^k) mod it.
const crc32Poly = 0xedb88320

var crc32Powers = func() (t [64]uint32) {
	t[0] = 1 << 30 // x^1
	for k := 1; k < len(t); k++ {
		t[k] = crc32Mul(t[k-1], t[k-1])
	}
	return t
}()

// crc32Mul is a·b modulo crc32Poly (reflected: x^0 is the top bit).
func crc32Mul(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				break
			}
		}
		if b&1 != 0 {
			b = b>>1 ^ crc32Poly
		} else {
			b >>= 1
		}
	}
	return p
}

// crc32Shift is x^(8·n) modulo crc32Poly: n bytes.
func crc32Shift(n int) uint32 {
	p := uint32(1) << 31 // x^0
	for k := 3; n != 0; n, k = n>>1, k+1 {
		if n&1 != 0 {
			p = crc32Mul(crc32Powers[k&63], p)
		}
	}
	return p
}

// crc32Combine is the CRC-32 of A followed by B, from A's, B's and
// crc32Shift(len(B)).
func crc32Combine(crcA, crcB, shiftB uint32) uint32 { return crc32Mul(shiftB, crcA) ^ crcB }

// storedBlock is s as a non-final stored deflate block, for a stream that is
// byte-aligned where it goes (after a sync flush). s is a CSRF token: far
// shorter than a stored block's 65,535 bytes.
func storedBlock(s string) []byte {
	n := uint16(len(s))
	b := make([]byte, 0, 5+len(s))
	b = append(b, 0, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
	return append(b, s...)
}

// cacheAudience is the audience part of a page's key, or false when the
// request's pages are not kept (someone with a session cookie but no
// member, a pending one-time message, a suspended organisation). A kept
// identity has it worked out already (identityEntry.page).
func (h *handlers) cacheAudience(c *fiber.Ctx, u *models.User) (string, bool) {
	if u == nil {
		if c.Cookies(sessionCookie) != "" {
			return "", false
		}
		return "visitor", true
	}
	if e := keptIdentity(c); e != nil {
		return e.page.audience, e.page.cacheable
	}
	if h.pendingFlash(c) {
		return "", false
	}
	org, _ := c.Locals(localOrg).(*models.Organisation)
	return memberAudience(viewer(c), org)
}

// memberAudience is the audience of a member seen as v, of organisation org:
// one per role and organisation (and its state); false when their pages are
// not kept (an organisation that is not active shows its reason).
func memberAudience(v models.Viewer, org *models.Organisation) (string, bool) {
	if !v.CanWrite() {
		return "", false
	}
	slug := ""
	if org != nil {
		slug = org.Slug
	}
	var b strings.Builder
	b.WriteString("member\x00")
	b.WriteString(v.Role)
	b.WriteByte(0)
	b.WriteString(strconv.FormatUint(uint64(v.OrganisationID), 10))
	b.WriteByte(0)
	b.WriteString(slug)
	if v.OrgAdmin {
		b.WriteString("\x00admin")
	}
	if v.OrgActive {
		b.WriteString("\x00active")
	}
	return b.String(), true
}

// keepable says whether the response just rendered may be kept, and
// returns what to keep.
func (h *handlers) keepable(c *fiber.Ctx, u *models.User, key string) (*pageEntry, bool) {
	resp := c.Response()
	ct := string(resp.Header.ContentType())
	if resp.StatusCode() != fiber.StatusOK || !strings.HasPrefix(ct, fiber.MIMETextHTML) ||
		len(resp.Header.ContentEncoding()) > 0 || c.GetRespHeader(fiber.HeaderSetCookie) != "" ||
		c.GetRespHeader(fiber.HeaderContentDisposition) != "" {
		return nil, false
	}
	if personal, _ := c.Locals(localPersonal).(bool); personal {
		return nil, false
	}
	body := resp.Body()
	if u != nil {
		// Defence in depth: nothing of this member's own may be in a page
		// kept for their organisation.
		token := h.csrfToken(c)
		owns := append(writtenForms(u.Email), writtenForms(u.Name)...)
		for _, own := range append(owns, token) {
			if len(own) >= 4 && bytes.Contains(body, []byte(own)) {
				return nil, false
			}
		}
	} else if bytes.Contains(body, []byte(csrfSlot)) {
		return nil, false
	}
	e, err := newPageEntry(key, ct, body)
	if err != nil {
		h.log.Warn("page cache", "err", err)
		return nil, false
	}
	return e, true
}

// writtenForms are the ways a template may have written s into a page: as
// it is, escaped as HTML text by html/template (which also writes "+" as
// "&#43;"), in a URL, in a script string.
func writtenForms(s string) []string {
	escaped := html.EscapeString(s)
	return []string{s, escaped, strings.ReplaceAll(escaped, "+", "&#43;"),
		url.QueryEscape(s), url.PathEscape(s), template.JSEscapeString(s)}
}
