package app

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"proact/app/i18n"
	"proact/models"
)

// What lists and their filters show: the options of a select, a filter, the
// pager. The partials in views/partials draw them.

// option is one choice of a select or a group of checkboxes.
type option struct {
	Value    string
	Label    string
	Count    int64
	Selected bool
	// Zero says Count is a known 0 (shown), not unknown (not shown).
	Zero bool
}

// filterSelect is one filter of a list: a select named after its query
// parameter.
type filterSelect struct {
	Name    string // query parameter
	Label   string
	All     string // the label of a first, empty choice ("all"), or ""
	Options []option
}

// vocabOptions lists a vocabulary's terms with translated labels, sorted by
// label in the reader's language unless the order means something (the
// stages of a referral pathway).
func vocabOptions(loc *i18n.Localizer, v models.Vocabulary, selected []string, sortByLabel bool) []option {
	terms := v.Terms()
	out := make([]option, len(terms))
	for i, t := range terms {
		out[i] = option{Value: t, Label: loc.Label(v.Name(), t), Selected: slices.Contains(selected, t)}
	}
	if sortByLabel {
		sortOptions(loc, out)
	}
	return out
}

// sortOptions sorts options by label as a reader of the language expects.
func sortOptions(loc *i18n.Localizer, opts []option) {
	col := collate.New(language.Make(loc.Lang), collate.Loose)
	slices.SortStableFunc(opts, func(a, b option) int { return col.CompareString(a.Label, b.Label) })
}

// uiLanguageOptions are the interface languages, each named in itself.
func uiLanguageOptions(selected string) []option {
	var out []option
	for _, l := range i18n.Languages() {
		out = append(out, option{Value: l, Label: i18n.SelfName(l), Selected: l == selected})
	}
	return out
}

// translatedSelect builds a select of translated values; withAll adds "all" first.
func translatedSelect(loc *i18n.Localizer, name, labelKey, prefix string, values []string, selected string, withAll bool) filterSelect {
	fs := filterSelect{Name: name}
	if labelKey != "" {
		fs.Label = loc.T(labelKey)
	}
	if withAll {
		fs.Options = append(fs.Options, option{Value: "", Label: loc.T("admin.filter.all"), Selected: selected == ""})
	}
	for _, v := range values {
		fs.Options = append(fs.Options, option{Value: v, Label: loc.TOr(prefix+v, v), Selected: v == selected})
	}
	return fs
}

// oneOf returns v when it is one of the allowed values, else "".
func oneOf(v string, values []string) string {
	if slices.Contains(values, v) {
		return v
	}
	return ""
}

// listOptions reads the page and the sort of a list from the query string;
// perPage is the page size the page shows (0: the list's default). The
// store clamps all three to what the list allows.
func listOptions(c *fiber.Ctx, perPage int) models.ListOptions {
	return models.ListOptions{Page: queryInt(c, "page", 1), PerPage: perPage, Sort: c.Query("sort")}
}

// apiListOptions is listOptions with the page size chosen by the client
// (per_page), as the API allows.
func apiListOptions(c *fiber.Ctx) models.ListOptions {
	return listOptions(c, queryInt(c, "per_page", 0))
}

// queryInt reads a positive integer from the query string, or def.
func queryInt(c *fiber.Ctx, key string, def int) int {
	n, err := strconv.Atoi(c.Query(key))
	if err != nil || n < 1 {
		return def
	}
	return n
}

func queryEscape(s string) string { return url.QueryEscape(s) }

// withoutParam is the current list's URL without one parameter (and with
// the page reset): the address that removes a filter.
func withoutParam(c *fiber.Ctx, key string) string {
	var q []string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if s := string(k); s != key && s != "page" && len(v) > 0 {
			q = append(q, queryEscape(s)+"="+queryEscape(string(v)))
		}
	})
	if len(q) == 0 {
		return c.Path()
	}
	return c.Path() + "?" + strings.Join(q, "&")
}

// pager is the page navigation of a list.
type pager struct {
	Page, Pages int
	Prev, Next  string
	Links       []pageLink
}

type pageLink struct {
	Number  int
	Href    string
	Current bool
	Gap     bool
}

// newPager builds links that keep the current query and change only the page.
func newPager(c *fiber.Ctx, page, perPage int, total int64) pager {
	pages := int((total + int64(perPage) - 1) / int64(perPage))
	p := pager{Page: page, Pages: pages}
	if pages <= 1 {
		return p
	}
	args := c.Context().QueryArgs()
	href := func(n int) string {
		q := make([]string, 0, 6)
		args.VisitAll(func(k, v []byte) {
			if string(k) != "page" {
				q = append(q, queryEscape(string(k))+"="+queryEscape(string(v)))
			}
		})
		q = append(q, "page="+strconv.Itoa(n))
		return c.Path() + "?" + strings.Join(q, "&")
	}
	if page > 1 {
		p.Prev = href(page - 1)
	}
	if page < pages {
		p.Next = href(page + 1)
	}
	for n := 1; n <= pages; n++ {
		near := n == 1 || n == pages || (n >= page-2 && n <= page+2)
		switch {
		case near:
			p.Links = append(p.Links, pageLink{Number: n, Href: href(n), Current: n == page})
		case len(p.Links) > 0 && !p.Links[len(p.Links)-1].Gap:
			p.Links = append(p.Links, pageLink{Gap: true})
		}
	}
	return p
}
