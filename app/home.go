package app

import (
	"github.com/gofiber/fiber/v2"

	"proact/models"
)

type homeData struct {
	Stats  models.Stats
	Recent []practiceCard
	// Consultations are the open consultations, soonest deadline first.
	Consultations []consultationView
}

// home shows the latest practice notes, headline figures and the search box.
func (h *handlers) home(c *fiber.Ctx) error {
	ctx, v := c.UserContext(), viewer(c)
	stats, err := h.store.PracticeStats(ctx, v)
	if err != nil {
		return err
	}
	recent, _, err := h.store.ListPractices(ctx, v, models.PracticeFilter{ListOptions: models.ListOptions{PerPage: 6}})
	if err != nil {
		return err
	}
	open, err := h.openConsultations(c)
	if err != nil {
		return err
	}
	loc := localizer(c)
	p := h.page(c, loc.T("home.title"), homeData{Stats: stats, Recent: cards(recent), Consultations: open})
	p.Description = loc.T("home.lead")
	return h.render(c, fiber.StatusOK, tplHome, p)
}
