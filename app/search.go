package app

import (
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"proact/models"
	"proact/search"
)

// maxQuery bounds the length of a search, in characters.
const maxQuery = 300

type searchData struct {
	Query string
	Items []practiceCard
	Total uint64
	Pager pager
}

// search finds practice notes in every language. Hits come from the index as
// ids; the notes are loaded through the store, which checks permissions again.
func (h *handlers) search(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	q := c.Query("q")
	if utf8.RuneCountInString(q) > maxQuery {
		q = string([]rune(q)[:maxQuery])
	}
	d := searchData{Query: q}
	if q != "" && h.index != nil {
		page := queryInt(c, "page", 1)
		res, err := h.index.Search(ctx, v, search.Query{Text: q, Page: page, PerPage: 20})
		if err != nil {
			return err
		}
		ids := make([]uint, 0, len(res.Hits))
		for _, hit := range res.Hits {
			if hit.Kind == models.KindPractice {
				ids = append(ids, hit.ID)
			}
		}
		list, err := h.store.PracticesByIDs(ctx, v, ids)
		if err != nil {
			return err
		}
		d.Items, d.Total = cards(list), res.Total
		d.Pager = newPager(c, page, 20, int64(res.Total))
	}
	return h.render(c, fiber.StatusOK, tplSearch, h.page(c, loc.T("search.title"), d))
}
