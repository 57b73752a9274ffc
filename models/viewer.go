package models

// Viewer is who is looking: every read that depends on permissions takes one,
// so that what a person may see is decided here, in one place. The zero value
// is an anonymous visitor.
type Viewer struct {
	UserID         uint
	Role           string
	OrganisationID uint
}

// SignedIn reports whether the viewer has an account.
func (v Viewer) SignedIn() bool { return v.UserID != 0 }

// SeesMembersOnly reports whether members-only content is visible to the viewer.
func (v Viewer) SeesMembersOnly() bool { return v.SignedIn() }

// Moderates reports whether the viewer is a moderator or administrator.
func (v Viewer) Moderates() bool { return v.Role == RoleModerator || v.Role == RoleAdmin }
