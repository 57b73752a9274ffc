package app

import (
	"errors"
	"math"
	"strconv"
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
	// Rebuilding says the index cannot answer yet: minutes to wait and the
	// share done (0 when unknown).
	Rebuilding        bool
	RetryMinutes      int
	RebuildingPercent int
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
		var unavailable *search.UnavailableError
		if errors.As(err, &unavailable) {
			return h.searchRebuilding(c, d, unavailable)
		}
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

// searchRebuilding answers a search while the index is being rebuilt: 503
// with Retry-After, and the search page saying so in the reader's language,
// with what they typed kept in the box.
func (h *handlers) searchRebuilding(c *fiber.Ctx, d searchData, e *search.UnavailableError) error {
	loc := localizer(c)
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(e.RetryAfter.Seconds())))
	d.Rebuilding = true
	d.RetryMinutes = max(1, int(math.Ceil(e.RetryAfter.Minutes())))
	if st := e.Status; st.Total > 0 {
		d.RebuildingPercent = min(99, 100*st.Done/st.Total)
	}
	return h.render(c, fiber.StatusServiceUnavailable, tplSearch, h.page(c, loc.T("search.rebuilding.title"), d))
}
