package app

import (
	"bytes"
	"container/list"
	"encoding/gob"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// The identity cache: who a session is, kept in this instance's memory so
// that a signed-in member's cached page costs about what a visitor's does.
// Without it every request read the session (and decoded it), the user and
// their organisation: four round trips where a visitor's page takes one.
//
// A member's request learns (models.Store.RequestState) the content version
// that the page cache needs anyway, the accounts epoch and the stored value
// of its session: on SQLite in one statement (the value itself kept in
// memory under a sessions epoch that every session write moves); on
// PostgreSQL from this instance's memory while its listener hears of every
// change, else in one statement (models/live.go, which says what
// consistency that gives: an instance's own writes at once, another's once
// notified). A kept identity is used only when
//   - the session's stored value is, byte for byte, the one it was made
//     from: a session that was ended (sign-out, an expiry, an account's
//     sessions ended), written (a one-time message, a touch) or expired
//     (the query applies the idle timeout exactly as the session storage
//     does) is read again in full, by the path of before;
//   - the accounts epoch has not moved: triggers move it in the same
//     transaction as every write to a user or an organisation (migration
//     00016), on any instance, so a role, a disabled account, a password or
//     two-factor change, a suspended organisation are seen by the next
//     request that reads the epoch: on SQLite and on the instance that
//     wrote, at once; on another PostgreSQL instance, once its listener has
//     heard of it (milliseconds; within 5 s if a notification is lost), as
//     models/live.go says;
//   - the absolute timeout has not passed and the session need not be
//     touched yet (touchInterval): both from the stored value's own times.
//
// The user and organisation are read after the epoch (each statement later
// sees at least what an earlier one saw), so what is kept is never older
// than the epoch it is kept under. A session with a one-time message waiting
// is never kept: its next page reads and clears it.
type identityCache struct {
	max int // sessions; 0 disables the cache

	mu      sync.Mutex
	epoch   int64 // every entry is of this accounts epoch
	lru     *list.List
	entries map[string]*list.Element
	// orgs holds one row per organisation for all its members' entries
	// (a description can be long): of one epoch, every read is the same.
	orgs map[uint]*models.Organisation

	hits, misses atomic.Uint64
}

// identityEntry is one session's identity, as of its stored value raw.
type identityEntry struct {
	id            string
	raw           []byte
	started, seen int64
	user          models.User
	org           *models.Organisation
	// page is what the session's cached pages need, worked out once here
	// rather than on every request.
	page keptPage
}

// keptPage is a kept identity's share of serving a cached page: its
// audience, the CSRF token of its session (fill: as it goes into a page's
// slots) and its part of the entity tag. Each is the function of the session id
// and the kept user and organisation that the request path would compute
// (memberAudience, csrfFor, memberTag).
type keptPage struct {
	audience  string
	cacheable bool
	fill      *slotFill
	tag       [32]byte
}

// localIdentity holds the *identityEntry that answered the request, when one
// did (keptIdentity).
const localIdentity = "proact.identity"

// keptIdentity is the kept identity that answered this request, or nil.
func keptIdentity(c *fiber.Ctx) *identityEntry {
	e, _ := c.Locals(localIdentity).(*identityEntry)
	return e
}

func newIdentityCache(max int) *identityCache {
	return &identityCache{max: max, lru: list.New(), entries: map[string]*list.Element{}, orgs: map[uint]*models.Organisation{}}
}

// get returns the identity kept for session id at epoch whose stored value
// is raw, or nil.
func (ic *identityCache) get(epoch int64, id string, raw []byte) *identityEntry {
	if ic == nil || ic.max <= 0 {
		return nil
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.epoch == epoch {
		if el, ok := ic.entries[id]; ok {
			e := el.Value.(*identityEntry)
			if bytes.Equal(e.raw, raw) {
				ic.lru.MoveToFront(el)
				return e // a hit once it answers (hit)
			}
		}
	}
	ic.misses.Add(1)
	return nil
}

// hit and miss count what became of an entry that get found: it answered
// the request, or it was refused (current) and the request path did.
func (ic *identityCache) hit()  { ic.hits.Add(1) }
func (ic *identityCache) miss() { ic.misses.Add(1) }

// put keeps e under epoch. The epoch only grows: an entry of an older one
// (a request that began before a write) is dropped, one of a newer one
// empties the cache first (nothing kept is of any use any more).
func (ic *identityCache) put(epoch int64, e *identityEntry) {
	if ic == nil || ic.max <= 0 {
		return
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if epoch < ic.epoch {
		return
	}
	if epoch > ic.epoch {
		ic.epoch = epoch
		ic.lru.Init()
		clear(ic.entries)
		clear(ic.orgs)
	}
	if e.org != nil {
		if o, ok := ic.orgs[e.org.ID]; ok {
			e.org = o
		} else {
			ic.orgs[e.org.ID] = e.org
		}
	}
	if el, ok := ic.entries[e.id]; ok {
		ic.lru.Remove(el)
	}
	ic.entries[e.id] = ic.lru.PushFront(e)
	for len(ic.entries) > ic.max {
		last := ic.lru.Back()
		ic.lru.Remove(last)
		delete(ic.entries, last.Value.(*identityEntry).id)
	}
}

// len reports how many sessions are kept (tests).
func (ic *identityCache) len() int {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return len(ic.entries)
}

// current says whether the kept identity may answer now: the absolute
// timeout has not passed and the session is not due to be touched (the
// path of before does both, writing the session).
func (h *handlers) current(e *identityEntry) bool {
	now := h.cfg.Now()
	return now.Sub(time.Unix(e.started, 0)) <= absoluteTimeout && now.Sub(time.Unix(e.seen, 0)) <= touchInterval
}

// cachedIdentity sets the request's user, organisation and viewer from the
// identity kept for its session, if any may answer.
func (h *handlers) cachedIdentity(c *fiber.Ctx, st models.RequestState, id string) bool {
	if st.Session == nil {
		return false
	}
	e := h.identities.get(st.Accounts, id, st.Session)
	if e == nil {
		return false
	}
	if !h.current(e) {
		h.identities.miss()
		return false
	}
	h.identities.hit()
	// Copies: a handler may change its request's user (a new password).
	u := e.user
	if u.OrganisationID != nil {
		oid := *u.OrganisationID
		u.OrganisationID = &oid
	}
	if u.LastLoginAt != nil {
		at := *u.LastLoginAt
		u.LastLoginAt = &at
	}
	var org *models.Organisation
	if e.org != nil {
		o := *e.org
		org = &o
	}
	c.Locals(localFlash, false)
	c.Locals(localUser, &u)
	c.Locals(localOrg, org)
	c.Locals(localViewer, viewerOf(&u, org))
	c.Locals(localIdentity, e)
	return true
}

// rememberIdentity keeps the identity that the path of before found for
// the session whose stored value was st.Session, when that value says the
// same: its own user and epoch, no one-time message, and times that let it
// answer now. Anything else is not kept: the next request reads again.
func (h *handlers) rememberIdentity(st models.RequestState, id string, u *models.User, org *models.Organisation) {
	if st.Session == nil || h.identities == nil || h.identities.max <= 0 {
		return
	}
	var data map[string]any
	if err := gob.NewDecoder(bytes.NewReader(st.Session)).Decode(&data); err != nil {
		return
	}
	uid, _ := data[sessUserID].(uint)
	flash, _ := data[sessFlash].(string)
	started, okStarted := data[sessStarted].(int64)
	seen, okSeen := data[sessSeen].(int64)
	if uid == 0 || uid != u.ID || data[sessEpoch] != any(u.SessionEpoch) || flash != "" || !okStarted || !okSeen ||
		u.Status != models.UserActive {
		return
	}
	if org != nil && (u.OrganisationID == nil || org.ID != *u.OrganisationID) {
		return
	}
	e := &identityEntry{id: id, raw: bytes.Clone(st.Session), started: started, seen: seen, user: *u}
	if u.OrganisationID != nil {
		oid := *u.OrganisationID
		e.user.OrganisationID = &oid
	}
	if u.LastLoginAt != nil {
		at := *u.LastLoginAt
		e.user.LastLoginAt = &at
	}
	if org != nil {
		o := *org
		e.org = &o
	}
	if !h.current(e) {
		return
	}
	v := viewerOf(&e.user, e.org)
	e.page.audience, e.page.cacheable = memberAudience(v, e.org)
	e.page.fill = newSlotFill(h.csrfFor(id, ""))
	e.page.tag = memberTag(id, &e.user, v)
	h.identities.put(st.Accounts, e)
}
