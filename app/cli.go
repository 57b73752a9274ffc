package app

import (
	"context"
	"fmt"
	"io/fs"

	"proact/models"
	"proact/views"
)

// InviteUser queues the invitation of an account that has no password yet,
// in the account's language, for the command line (`proact user add` with
// mail configured). orgName is the organisation it joins, or "" for the
// network itself.
func InviteUser(ctx context.Context, d Deps, u *models.User, orgName string) error {
	locales, err := fs.Sub(views.FS, "locales")
	if err != nil {
		return err
	}
	tr, err := NewTranslator(locales)
	if err != nil {
		return err
	}
	loc := tr.For(u.Language)
	if orgName == "" {
		orgName = loc.T("site.name")
	}
	// The greeting names the person; without a name, by their address.
	addressee := *u
	if addressee.Name == "" {
		addressee.Name = u.Email
	}
	h := &handlers{cfg: d.Config, store: d.Store, tr: tr, log: d.Log}
	if err := h.invite(ctx, &addressee, orgName, loc.T("admin.cli.inviter")); err != nil {
		return fmt.Errorf("app: unable to invite %s: %w", u.Email, err)
	}
	return nil
}
