package app

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // decoders: an image must decode to be accepted
	_ "image/jpeg" // (the type by its first bytes is not enough)
	_ "image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"proact/content"
	"proact/models"
)

// Attachments: images and PDFs that belong to a note, checked by their
// content (not their name or the browser's word), stored outside the web
// root under names the portal chooses, served with their type, a
// Content-Disposition, nosniff and a sandboxing CSP, never as HTML.

// attachmentTypes are the accepted types and the extension their stored
// names get.
var attachmentTypes = map[string]string{
	"image/png":       ".png",
	"image/jpeg":      ".jpg",
	"image/gif":       ".gif",
	"application/pdf": ".pdf",
}

// maxImagePixels bounds an image's size, so that a small file cannot
// unfold into gigabytes in a reader's browser.
const maxImagePixels = 50_000_000

// maxDecodedBytes bounds the memory an uploaded image takes to decode: a
// 380 KB PNG of 7,000 × 7,000 pixels at 16 bits per channel decodes to
// 392 MB. 160 MB is a 40-megapixel photo (JPEG) or a 20-megapixel PNG.
const maxDecodedBytes = 160 << 20

// decodeSlots lets two uploads decode an image at a time, so that what the
// server holds for them stays within 2 × maxDecodedBytes.
var decodeSlots = make(chan struct{}, 2)

// decodedBytes is about what decoding an image of cfg takes in memory.
func decodedBytes(cfg image.Config) int64 {
	per := int64(4)
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model:
		per = 8
	case color.Gray16Model:
		per = 2
	case color.GrayModel, color.AlphaModel:
		per = 1
	case color.YCbCrModel, color.NYCbCrAModel:
		per = 3 // 4:4:4 at most, 4:2:0 takes half
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		per = 1
	}
	return int64(cfg.Width) * int64(cfg.Height) * per
}

// attachmentCSP is the policy of a served file: it may show itself and
// nothing else, and runs sandboxed, whatever it holds.
const attachmentCSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

// attachmentView is one file in the editor.
type attachmentView struct {
	ID       uint
	Name     string
	Filename string
	Path     string
	Image    bool
	Size     string
	Markdown string // what to paste into the text
}

func attachmentViews(slug string, files []models.PracticeAttachment) []attachmentView {
	out := make([]attachmentView, 0, len(files))
	for i := range files {
		a := &files[i]
		path := content.AttachmentPath(slug, a.Name)
		md := "[" + markdownText(a.Filename) + "](" + path + ")"
		if a.IsImage() {
			md = "!" + md
		}
		out = append(out, attachmentView{ID: a.ID, Name: a.Name, Filename: a.Filename, Path: path, Image: a.IsImage(),
			Size: humanBytes(a.Size), Markdown: md})
	}
	return out
}

// markdownText makes a file name safe as the text of a Markdown link.
func markdownText(s string) string {
	return strings.NewReplacer("[", "(", "]", ")", "\n", " ", "\\", "/").Replace(s)
}

// attachmentsDir is where attachments are stored: in the data folder, which
// is not served.
func (h *handlers) attachmentsDir() string { return filepath.Join(h.cfg.DataDir, "attachments") }

// sniffAttachment returns the type of data by its content, or "" when it is
// not an image or a PDF the portal accepts.
func sniffAttachment(data []byte) string {
	typ := http.DetectContentType(data)
	if _, ok := attachmentTypes[typ]; !ok {
		return ""
	}
	if strings.HasPrefix(typ, "image/") {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || "image/"+format != typ ||
			cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels ||
			decodedBytes(cfg) > maxDecodedBytes {
			return ""
		}
		// DecodeConfig reads the header only: decode the whole image, so a
		// truncated or corrupt file is refused too.
		decodeSlots <- struct{}{}
		_, _, err = image.Decode(bytes.NewReader(data))
		<-decodeSlots
		if err != nil {
			return ""
		}
	}
	if typ == "application/pdf" && !bytes.Contains(data[max(0, len(data)-2048):], []byte("%%EOF")) {
		return ""
	}
	return typ
}

// cleanFilename keeps what can be shown of an uploaded file's name.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || strings.ContainsRune(`"<>:/\|?*`, r) {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." {
		name = "file"
	}
	if len(name) > 120 {
		name = name[:120]
	}
	return strings.ToValidUTF8(name, "")
}

// uploadAttachment stores an image or a PDF for a note.
func (h *handlers) uploadAttachment(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	p, err := h.editableNote(c)
	if err != nil {
		return err
	}
	back := "/practices/" + p.Slug + "/edit#attachments"
	fh, err := c.FormFile("file")
	if err != nil {
		h.flash(c, "practices.files.none")
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	if fh.Size > h.cfg.AttachmentMaxBytes {
		h.flash(c, "practices.files.too_large")
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	data, err := readUpload(fh, h.cfg.AttachmentMaxBytes)
	if err != nil {
		return err
	}
	typ := sniffAttachment(data)
	if typ == "" || int64(len(data)) > h.cfg.AttachmentMaxBytes {
		h.flash(c, "practices.files.bad_type")
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	name := strings.ToLower(rand.Text()) + attachmentTypes[typ]
	if err := os.MkdirAll(h.attachmentsDir(), 0o750); err != nil {
		return fmt.Errorf("app: unable to create the attachments folder: %w", err)
	}
	path := filepath.Join(h.attachmentsDir(), name)
	// Written under a temporary name and renamed: no half-written file is
	// ever served.
	if err := os.WriteFile(path+".tmp", data, 0o640); err != nil {
		return fmt.Errorf("app: unable to store an attachment: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("app: unable to store an attachment: %w", err)
	}
	sum := sha256.Sum256(data)
	a := &models.PracticeAttachment{Name: name, Filename: cleanFilename(fh.Filename), ContentType: typ,
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	if err := h.store.AddAttachment(ctx, v, p.ID, a, h.auditEntry(c)); err != nil {
		_ = os.Remove(path) // the row was not written: neither is the file kept
		if errors.Is(err, models.ErrTooManyAttachments) {
			h.flash(c, "practices.files.too_many")
			return c.Redirect(back, fiber.StatusSeeOther)
		}
		return err
	}
	h.flash(c, "practices.files.added")
	return c.Redirect(back, fiber.StatusSeeOther)
}

func readUpload(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("app: unable to read an upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("app: unable to read an upload: %w", err)
	}
	return data, nil
}

// serveAttachment serves a note's file to those who may read it: readers of
// a published note get only the files its published text shows; its
// organisation and moderators get every file.
func (h *handlers) serveAttachment(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	p, err := h.store.NoteBySlug(ctx, v, c.Params("slug"))
	if err != nil {
		return err
	}
	name := c.Params("id")
	a, err := h.store.AttachmentByName(ctx, p.ID, name)
	if err != nil {
		return err
	}
	public := p.Status == models.StatusPublished && strings.Contains(p.BodyMD, content.AttachmentPath(p.Slug, a.Name))
	if !public && !v.SeesUnpublished(p) {
		return models.ErrNotFound
	}
	data, err := os.ReadFile(filepath.Join(h.attachmentsDir(), filepath.Base(a.Name)))
	if errors.Is(err, os.ErrNotExist) {
		return models.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("app: unable to read attachment %s: %w", a.Name, err)
	}
	disposition := "attachment"
	if a.IsImage() {
		disposition = "inline"
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": a.Filename}))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, attachmentCSP)
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	if public && p.Visibility == models.VisibilityPublic {
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	}
	c.Set(fiber.HeaderLastModified, a.CreatedAt.UTC().Format(http.TimeFormat))
	return c.Send(data)
}

// deleteAttachment removes a file the note's text no longer shows.
func (h *handlers) deleteAttachment(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	p, err := h.editableNote(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 32)
	if err != nil {
		return models.ErrNotFound
	}
	back := "/practices/" + p.Slug + "/edit#attachments"
	a, err := h.store.DeleteAttachment(ctx, v, p.ID, uint(id), h.auditEntry(c))
	if errors.Is(err, models.ErrInUse) {
		h.flash(c, "practices.files.in_use")
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	h.removeFiles(c, []models.PracticeAttachment{*a})
	h.flash(c, "practices.files.deleted")
	return c.Redirect(back, fiber.StatusSeeOther)
}

// removeFiles deletes stored files whose rows are gone. A file that cannot
// be removed is logged: it is unreachable without its row.
func (h *handlers) removeFiles(c *fiber.Ctx, files []models.PracticeAttachment) {
	for _, a := range files {
		if err := os.Remove(filepath.Join(h.attachmentsDir(), filepath.Base(a.Name))); err != nil && !errors.Is(err, os.ErrNotExist) {
			h.log.Error("removing an attachment", "err", err, "name", a.Name, "id", requestID(c))
		}
	}
}
