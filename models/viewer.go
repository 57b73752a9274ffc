package models

import "strconv"

// Viewer is who is looking: every read that depends on permissions takes one,
// so that what a person may see is decided here, in one place. The zero value
// is an anonymous visitor.
type Viewer struct {
	UserID         uint
	Role           string
	OrganisationID uint
	OrgAdmin       bool
	// OrgActive is false when the viewer's organisation is suspended (or
	// not yet approved): its members then read but write nothing.
	OrgActive bool
}

// SignedIn reports whether the viewer has an account.
func (v Viewer) SignedIn() bool { return v.UserID != 0 }

// SeesMembersOnly reports whether members-only content is visible to the viewer.
func (v Viewer) SeesMembersOnly() bool { return v.SignedIn() }

// Moderates reports whether the viewer is a moderator or administrator.
func (v Viewer) Moderates() bool { return v.Role == RoleModerator || v.Role == RoleAdmin }

// CanWrite reports whether the viewer may write anything on behalf of their
// organisation (notes, profile, colleagues, consultation responses).
func (v Viewer) CanWrite() bool {
	return v.SignedIn() && (v.OrganisationID == 0 || v.OrgActive)
}

// AdministersOrg reports whether the viewer may manage organisation orgID:
// its own organisation admins while it is active, and moderators.
func (v Viewer) AdministersOrg(orgID uint) bool {
	if v.Moderates() {
		return true
	}
	return v.OrgAdmin && v.OrganisationID == orgID && v.OrgActive
}

// AppendKey appends every field of the viewer to b, each ended by a NUL:
// what a cache or an entity tag keyed by the viewer tells viewers apart by.
// A field added to Viewer must be added here (TestViewerAppendKey).
func (v Viewer) AppendKey(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(v.UserID), 10)
	b = append(b, 0)
	b = append(b, v.Role...)
	b = append(b, 0)
	b = strconv.AppendUint(b, uint64(v.OrganisationID), 10)
	b = append(b, 0)
	b = strconv.AppendBool(b, v.OrgAdmin)
	b = append(b, 0)
	b = strconv.AppendBool(b, v.OrgActive)
	return append(b, 0)
}
