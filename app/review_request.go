package app

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/models"
)

// A suspended organisation's members ask the moderators to review the
// suspension: the message goes to every moderator and administrator by
// mail, and into the audit log, in one transaction.

// reviewRequestInterval is how long an organisation waits between two
// requests for review.
const reviewRequestInterval = time.Hour

// errReviewTooSoon: the organisation asked for a review within the interval.
var errReviewTooSoon = errors.New("a review was asked for within the hour")

type reviewRequestData struct {
	OrgName, Reason string
	Message, Error  string // what was typed, and a message about it
}

// suspendedOrg is the signed-in member's organisation, when it is suspended.
func (h *handlers) suspendedOrg(c *fiber.Ctx) (*models.Organisation, error) {
	me := currentUser(c)
	if me.OrganisationID == nil {
		return nil, models.ErrNotFound
	}
	org, err := h.store.OrganisationByID(c.UserContext(), *me.OrganisationID)
	if err != nil {
		return nil, err
	}
	if org.Status != models.OrgSuspended {
		return nil, models.ErrNotFound
	}
	return org, nil
}

func (h *handlers) renderReviewRequest(c *fiber.Ctx, status int, org *models.Organisation, d reviewRequestData) error {
	d.OrgName, d.Reason = org.Name, org.SuspendedReason
	return h.render(c, status, tplReviewRequest, h.page(c, localizer(c).T("staff.review.title_page", "Name", org.Name), d))
}

// showReviewRequest is the form asking for a review.
func (h *handlers) showReviewRequest(c *fiber.Ctx) error {
	org, err := h.suspendedOrg(c)
	if err != nil {
		return err
	}
	return h.renderReviewRequest(c, fiber.StatusOK, org, reviewRequestData{})
}

// requestReview notifies the moderators.
func (h *handlers) requestReview(c *fiber.Ctx) error {
	org, err := h.suspendedOrg(c)
	if err != nil {
		return err
	}
	msg := form.Truncate(c.FormValue("message"), maxReason+1)
	var ps form.Problems
	if ps.Multiline("message", msg, maxReason, true); !ps.OK() {
		loc := localizer(c)
		return h.renderReviewRequest(c, fiber.StatusUnprocessableEntity, org,
			reviewRequestData{Message: msg, Error: loc.T(ps.Key("message"), "Field", loc.T("staff.review.message"))})
	}
	ctx, me := c.UserContext(), currentUser(c)
	staffList, err := h.store.UsersWithRole(ctx, models.RoleModerator, models.RoleAdmin)
	if err != nil {
		return err
	}
	err = h.store.WithTx(ctx, func(tx *models.Store) error {
		// One request an hour per organisation: each one mails every
		// moderator and administrator.
		n, err := tx.RecentAudit(ctx, models.AuditReviewRequested, "organisation", org.ID, reviewRequestInterval)
		if err != nil {
			return err
		}
		if n > 0 {
			return errReviewTooSoon
		}
		for i := range staffList {
			if s := &staffList[i]; s.Status == models.UserActive {
				if err := h.mail.Queue(ctx, tx, h.mail.ReviewRequested(s, org.Name, org.Slug, me.Email, msg)); err != nil {
					return err
				}
			}
		}
		e := h.auditEntry(c)
		e.Action, e.TargetKind, e.TargetID, e.Detail = models.AuditReviewRequested, "organisation", &org.ID, form.Truncate(msg, 500)
		return tx.Audit(ctx, e)
	})
	if errors.Is(err, errReviewTooSoon) {
		return h.renderReviewRequest(c, fiber.StatusTooManyRequests, org,
			reviewRequestData{Message: msg, Error: localizer(c).T("staff.review.too_soon")})
	}
	if err != nil {
		return err
	}
	h.flash(c, h.mailQueuedKey("staff.flash.review_requested"))
	return c.Redirect("/account", fiber.StatusSeeOther)
}
