package app

import (
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// The coverage of practice: where the network's published notes are, and
// where they are missing. Two matrices, countries × topics and sectors ×
// forced-labour indicators, count the notes the reader may read in each cell;
// an empty cell is a gap, and every number links to the list of those notes.

// riskSectors are shown in the sector matrix even without any note: the
// sectors where labour exploitation is most often found, so that their gaps
// show.
var riskSectors = []string{"A", "C", "F", "G", "H", "I", "N", "Q", "T"}

type coverageMatrix struct {
	ID        string
	Caption   string
	RowHeader string
	Cols      []coverageHead
	Rows      []coverageRow
	Cells     int
	Gaps      int
}

type coverageHead struct {
	Term  string
	Label string
	Total int64
	Href  string
}

type coverageRow struct {
	coverageHead
	Cells []coverageCell
	Gaps  int
}

type coverageCell struct {
	Count int64
	Href  string
}

type coverageData struct {
	Matrices    []coverageMatrix
	MembersView bool
}

// practiceCoverage shows the two coverage matrices.
func (h *handlers) practiceCoverage(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	facets, err := h.store.PracticeFacets(ctx, v, models.Countries().Name(), models.Topics().Name(), models.Sectors().Name(), models.Indicators().Name())
	if err != nil {
		return err
	}
	orgCountries, err := h.store.OrganisationCountries(ctx)
	if err != nil {
		return err
	}
	countries := termsOf(facets[models.Countries().Name()])
	for _, tc := range orgCountries {
		if !slices.Contains(countries, tc.Term) {
			countries = append(countries, tc.Term)
		}
	}
	countryOpts := make([]option, 0, len(countries))
	for _, code := range countries {
		if code != "EU" {
			countryOpts = append(countryOpts, option{Value: code, Label: loc.Country(code)})
		}
	}
	sortOptions(loc, countryOpts)
	countries = countries[:0]
	if slices.ContainsFunc(facets[models.Countries().Name()], func(tc models.TermCount) bool { return tc.Term == "EU" }) {
		countries = append(countries, "EU") // EU-wide notes first
	}
	for _, o := range countryOpts {
		countries = append(countries, o.Value)
	}
	sectors := termsOf(facets[models.Sectors().Name()])
	for _, s := range riskSectors {
		if !slices.Contains(sectors, s) {
			sectors = append(sectors, s)
		}
	}
	slices.SortFunc(sectors, func(a, b string) int {
		return models.Sectors().Index(a) - models.Sectors().Index(b)
	})
	d := coverageData{MembersView: v.SeesMembersOnly()}
	for _, m := range []struct {
		id         string
		rows, cols models.Vocabulary
		rowTerms   []string
		rowParam   string
		colParam   string
	}{
		{"countries-topics", models.Countries(), models.Topics(), countries, "country", "topic"},
		{"sectors-indicators", models.Sectors(), models.Indicators(), sectors, "sector", "indicator"},
	} {
		counts, err := h.store.PracticeCoverage(ctx, v, m.rows, m.cols)
		if err != nil {
			return err
		}
		mx := coverageMatrix{ID: m.id, Caption: loc.T("coverage." + m.id + ".caption"), RowHeader: loc.T("coverage." + m.id + ".rows")}
		for _, t := range m.cols.Terms() {
			mx.Cols = append(mx.Cols, coverageHead{Term: t, Label: loc.Label(m.cols.Name(), t),
				Total: countOf(facets[m.cols.Name()], t), Href: "/practices?" + m.colParam + "=" + url.QueryEscape(t)})
		}
		cell := map[[2]string]int64{}
		for _, cc := range counts {
			cell[[2]string{cc.Row, cc.Col}] = cc.Count
		}
		for _, r := range m.rowTerms {
			row := coverageRow{coverageHead: coverageHead{Term: r, Label: loc.Label(m.rows.Name(), r),
				Total: countOf(facets[m.rows.Name()], r), Href: "/practices?" + m.rowParam + "=" + url.QueryEscape(r)}}
			for _, col := range m.cols.Terms() {
				n := cell[[2]string{r, col}]
				cc := coverageCell{Count: n}
				if n > 0 {
					cc.Href = "/practices?" + m.rowParam + "=" + url.QueryEscape(r) + "&" + m.colParam + "=" + url.QueryEscape(col)
				} else {
					row.Gaps++
				}
				row.Cells = append(row.Cells, cc)
			}
			mx.Cells += len(row.Cells)
			mx.Gaps += row.Gaps
			mx.Rows = append(mx.Rows, row)
		}
		d.Matrices = append(d.Matrices, mx)
	}
	p := h.page(c, loc.T("coverage.title"), d)
	p.Description = loc.T("coverage.lead")
	return h.render(c, fiber.StatusOK, tplPracticesCoverage, p)
}

func termsOf(list []models.TermCount) []string {
	out := make([]string, len(list))
	for i, tc := range list {
		out[i] = tc.Term
	}
	return out
}

func countOf(list []models.TermCount, term string) int64 {
	for _, tc := range list {
		if tc.Term == term {
			return tc.Count
		}
	}
	return 0
}
