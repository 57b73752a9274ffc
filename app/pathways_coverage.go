package app

import (
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"proact/app/i18n"
	"proact/models"
)

// allVersions makes a list count every language version of a note, as the
// matrix does.
const allVersions = "&versions=all"

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

// coverageSpec is one matrix: the vocabularies it crosses, its rows, and the
// query parameters of the list its cells link to.
type coverageSpec struct {
	id                 string
	rows, cols         models.Vocabulary
	rowTerms           []string
	rowParam, colParam string
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
	d := coverageData{MembersView: v.SeesMembersOnly()}
	for _, spec := range []coverageSpec{
		{"countries-topics", models.Countries(), models.Topics(), coverageCountries(loc, facets, orgCountries), "country", "topic"},
		{"sectors-indicators", models.Sectors(), models.Indicators(), coverageSectors(facets), "sector", "indicator"},
	} {
		counts, err := h.store.PracticeCoverage(ctx, v, spec.rows, spec.cols)
		if err != nil {
			return err
		}
		d.Matrices = append(d.Matrices, newCoverageMatrix(loc, spec, counts, facets))
	}
	p := h.page(c, loc.T("coverage.title"), d)
	p.Description = loc.T("coverage.lead")
	return h.render(c, fiber.StatusOK, tplPracticesCoverage, p)
}

// coverageCountries are the rows of the country matrix: the countries of the
// notes the reader may see and those where members work, by name, EU-wide
// notes first.
func coverageCountries(loc *i18n.Localizer, facets map[string][]models.TermCount, orgCountries []models.TermCount) []string {
	codes := termsOf(facets[models.Countries().Name()])
	for _, tc := range orgCountries {
		if !slices.Contains(codes, tc.Term) {
			codes = append(codes, tc.Term)
		}
	}
	opts := make([]option, 0, len(codes))
	for _, code := range codes {
		if code != "EU" {
			opts = append(opts, option{Value: code, Label: loc.Country(code)})
		}
	}
	sortOptions(loc, opts)
	var out []string
	if slices.Contains(codes, "EU") {
		out = append(out, "EU")
	}
	for _, o := range opts {
		out = append(out, o.Value)
	}
	return out
}

// coverageSectors are the rows of the sector matrix: the sectors of the notes
// the reader may see and the high-risk ones, in NACE order.
func coverageSectors(facets map[string][]models.TermCount) []string {
	sectors := termsOf(facets[models.Sectors().Name()])
	for _, s := range riskSectors {
		if !slices.Contains(sectors, s) {
			sectors = append(sectors, s)
		}
	}
	slices.SortFunc(sectors, func(a, b string) int { return models.Sectors().Index(a) - models.Sectors().Index(b) })
	return sectors
}

// newCoverageMatrix lays out one matrix: its headings with their totals and
// links, and its cells, counted or marked as gaps.
func newCoverageMatrix(loc *i18n.Localizer, spec coverageSpec, counts []models.CoverageCount, facets map[string][]models.TermCount) coverageMatrix {
	mx := coverageMatrix{ID: spec.id, Caption: loc.T("coverage." + spec.id + ".caption"), RowHeader: loc.T("coverage." + spec.id + ".rows")}
	cols := spec.cols.Terms()
	for _, t := range cols {
		mx.Cols = append(mx.Cols, coverageHead{Term: t, Label: loc.Label(spec.cols.Name(), t),
			Total: countOf(facets[spec.cols.Name()], t), Href: "/practices?" + spec.colParam + "=" + url.QueryEscape(t) + allVersions})
	}
	cell := map[[2]string]int64{}
	for _, cc := range counts {
		cell[[2]string{cc.Row, cc.Col}] = cc.Count
	}
	for _, r := range spec.rowTerms {
		rowHref := "/practices?" + spec.rowParam + "=" + url.QueryEscape(r)
		row := coverageRow{coverageHead: coverageHead{Term: r, Label: loc.Label(spec.rows.Name(), r),
			Total: countOf(facets[spec.rows.Name()], r), Href: rowHref + allVersions}}
		for _, col := range cols {
			cc := coverageCell{Count: cell[[2]string{r, col}]}
			if cc.Count > 0 {
				cc.Href = rowHref + "&" + spec.colParam + "=" + url.QueryEscape(col) + allVersions
			} else {
				row.Gaps++
			}
			row.Cells = append(row.Cells, cc)
		}
		mx.Cells += len(row.Cells)
		mx.Gaps += row.Gaps
		mx.Rows = append(mx.Rows, row)
	}
	return mx
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
