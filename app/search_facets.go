package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"proact/app/i18n"
	"proact/search"
)

// facetShown is how many values of a facet the panel lists at first; the
// rest are behind "more".
const facetShown = 8

// facetGroup is one facet of the panel: checkboxes named after the query
// parameter, with counts.
type facetGroup struct {
	Name   string // the query parameter
	Legend string
	Shown  []option
	More   []option
}

// facetGroups labels the facets in the reader's language.
func facetGroups(loc *i18n.Localizer, c *fiber.Ctx, facets []search.Facet) []facetGroup {
	var out []facetGroup
	for _, f := range facets {
		if len(f.Values) == 0 {
			continue
		}
		g := facetGroup{Name: f.Name, Legend: loc.T("search.facet." + f.Name)}
		for i, v := range f.Values {
			o := option{Value: v.Value, Label: facetLabel(loc, f.Name, v.Value), Count: int64(v.Count), Selected: v.Selected}
			if i < facetShown || v.Selected {
				g.Shown = append(g.Shown, o)
			} else {
				g.More = append(g.More, o)
			}
		}
		out = append(out, g)
	}
	return out
}

func facetLabel(loc *i18n.Localizer, facet, value string) string {
	switch facet {
	case "kind":
		return loc.T("search.kinds." + value)
	case "lang":
		return loc.LanguageName(value)
	case "country":
		return loc.Country(value)
	case "topic":
		return loc.Label("topic", value)
	case "sector":
		return loc.Label("sector", value)
	case "org_type":
		return loc.Label("orgtype", value)
	}
	return value
}

func searchSorts(loc *i18n.Localizer, q search.Query) []option {
	return []option{
		{Value: search.SortRelevance, Label: loc.T("search.sort.relevance"), Selected: q.Sort == search.SortRelevance},
		{Value: search.SortDate, Label: loc.T("search.sort.date"), Selected: q.Sort == search.SortDate},
	}
}

func groupOptions(loc *i18n.Localizer, q search.Query) []option {
	return []option{
		{Value: "on", Label: loc.T("search.group.on"), Selected: !q.NoGroup},
		{Value: "off", Label: loc.T("search.group.off"), Selected: q.NoGroup},
	}
}

func expandOptions(loc *i18n.Localizer, q search.Query) []option {
	return []option{
		{Value: "on", Label: loc.T("search.expand.on"), Selected: !q.NoExpand},
		{Value: "off", Label: loc.T("search.expand.off"), Selected: q.NoExpand},
	}
}

// withParam is the current search's URL with one parameter set (and the
// page reset).
func withParam(c *fiber.Ctx, key, value string) string {
	var q []string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if s := string(k); s != key && s != "page" {
			q = append(q, queryEscape(s)+"="+queryEscape(string(v)))
		}
	})
	q = append(q, queryEscape(key)+"="+queryEscape(value))
	return c.Path() + "?" + strings.Join(q, "&")
}
