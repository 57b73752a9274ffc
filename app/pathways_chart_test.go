package app

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"proact/models"
)

// addPathway saves n approved organisations in country, each covering a few
// stages and referring people to the next ones (and, every fifth, back to the
// first), so that the chart has long and short arrows in both directions.
func addPathway(t *testing.T, ta *testApp, country string, n int) {
	t.Helper()
	slug := func(i int) string { return fmt.Sprintf("%s-org-%02d", strings.ToLower(country), i) }
	services := [][]string{{"outreach"}, {"identification", "helpline"}, {"case-management", "interpretation"},
		{"shelter", "health-care"}, {"legal-advice", "compensation-claims"}, {"return-support"}, {"training"}}
	for pass := 0; pass < 2; pass++ { // the second pass saves the referrals, now that every target exists
		for i := range n {
			k := i % len(models.ReferralStages().Terms())
			o := &models.Organisation{Slug: slug(i), Name: fmt.Sprintf("Organisation number %d with a rather long name of its own", i+1),
				Country: country, City: "Town", Type: "ngo", Status: models.OrgApproved,
				ReferralStages: []string{models.ReferralStages().Terms()[k], models.ReferralStages().Terms()[(k+2)%7]},
				Services:       services[k], ContactPhone: fmt.Sprintf("+352 %03d", i)}
			if pass == 1 {
				for _, d := range []int{1, 3} {
					if i+d < n {
						o.RefersTo = append(o.RefersTo, slug(i+d))
					}
				}
				if i%5 == 4 {
					o.RefersTo = append(o.RefersTo, slug(0))
				}
			}
			if err := ta.store.SaveOrganisation(t.Context(), o); err != nil {
				t.Fatal(err)
			}
		}
	}
}

var pathCommands = regexp.MustCompile(`([MHV])(-?\d+)(?: (-?\d+))?`)

// verticalOf reads an arrow's path (M x y, then H and V steps) and returns
// the x of its one vertical step and the two ends of it.
func verticalOf(t *testing.T, d string) (x, y1, y2 int) {
	t.Helper()
	verticals := 0
	cx, cy := 0, 0
	for _, m := range pathCommands.FindAllStringSubmatch(d, -1) {
		a, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "M":
			cx, cy = a, 0
			cy, _ = strconv.Atoi(m[3])
		case "H":
			cx = a
		case "V":
			verticals++
			x, y1, y2 = cx, cy, a
			cy = a
		}
	}
	if verticals != 1 {
		t.Fatalf("arrow path %q has %d vertical steps, want 1", d, verticals)
	}
	return x, y1, y2
}

// checkChart checks the geometry of a drawn chart: boxes inside the drawing
// and apart from each other, stage boxes in their columns, and every arrow in
// the channel, in a lane no other arrow shares where they overlap.
func checkChart(t *testing.T, what string, root *svgNode, wantBoxes, wantArrows int) {
	t.Helper()
	width, _ := strconv.Atoi(root.attr("width"))
	height, _ := strconv.Atoi(root.attr("height"))
	num := func(n *svgNode, a string) int { v, _ := strconv.Atoi(n.attr(a)); return v }
	type span struct{ lo, hi int }
	var boxes []span
	var channelLo, channelHi = width, 0
	lanes := map[int][]span{}
	arrows := 0
	root.walk(func(n *svgNode) {
		switch {
		case n.XMLName.Local == "a" && n.attr("class") == "pw-org":
			for _, c := range n.Children {
				if c.XMLName.Local == "rect" {
					x, y, w, h := num(&c, "x"), num(&c, "y"), num(&c, "width"), num(&c, "height")
					if x < 0 || y < 0 || x+w > width || y+h > height {
						t.Errorf("%s: a box at %d,%d %dx%d leaves the %dx%d drawing", what, x, y, w, h, width, height)
					}
					boxes = append(boxes, span{y, y + h})
					channelLo = min(channelLo, x+w)
				}
			}
		case n.XMLName.Local == "path" && strings.HasPrefix(n.attr("marker-end"), "url(#"):
			arrows++
			lane, y1, y2 := verticalOf(t, n.attr("d"))
			channelHi = max(channelHi, lane)
			s := span{min(y1, y2), max(y1, y2)}
			for _, other := range lanes[lane] {
				if s.lo < other.hi && other.lo < s.hi {
					t.Errorf("%s: two arrows overlap in the lane at x=%d (%v and %v)", what, lane, s, other)
				}
			}
			lanes[lane] = append(lanes[lane], s)
		}
	})
	if len(boxes) != wantBoxes {
		t.Errorf("%s: %d organisation boxes, want %d", what, len(boxes), wantBoxes)
	}
	for i := 1; i < len(boxes); i++ {
		if boxes[i].lo < boxes[i-1].hi {
			t.Errorf("%s: boxes %d and %d overlap (%v, %v)", what, i-1, i, boxes[i-1], boxes[i])
		}
	}
	if arrows != wantArrows {
		t.Errorf("%s: %d arrows, want %d", what, arrows, wantArrows)
	}
	// The channel lies between the name boxes and the first stage column.
	firstStage := width
	root.walk(func(n *svgNode) {
		if strings.HasPrefix(n.attr("class"), "pw-head") {
			for _, c := range n.Children {
				if c.XMLName.Local == "rect" {
					firstStage = min(firstStage, num(&c, "x"))
				}
			}
		}
	})
	if arrows > 0 && (channelHi >= firstStage || channelHi <= channelLo) {
		t.Errorf("%s: arrows run at x ≤ %d, outside the channel between %d and %d", what, channelHi, channelLo, firstStage)
	}
}

func TestPathwayChartStaysReadableFrom2To40Organisations(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	addPathway(t, ta, "LU", 40)
	addPathway(t, ta, "MT", 2)
	for _, tc := range []struct {
		country string
		orgs    int
	}{{"LU", 40}, {"MT", 2}, {"IT", 2}, {"NL", 6}} {
		p, err := ta.store.Pathway(t.Context(), models.Viewer{}, tc.country)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Organisations) != tc.orgs {
			t.Fatalf("%s: %d organisations, want %d", tc.country, len(p.Organisations), tc.orgs)
		}
		_, body := ta.get(t, "/pathways/"+tc.country)
		root, _ := chartOf(t, body)
		boxes := len(p.Organisations) + len(p.Abroad)
		checkChart(t, tc.country, root, boxes, len(p.Referrals))

		// In print the rows are cut into parts of one page each; together
		// they hold every box, and every arrow at least once.
		_, booklet := ta.get(t, "/pathways/"+tc.country+"/booklet")
		parts := svgAll.FindAllString(booklet, -1)
		if want := (boxes + 1 + bookletPartRows - 1) / bookletPartRows; len(parts) < max(1, want-1) || len(parts) > want+1 {
			t.Errorf("%s: %d printed parts for %d boxes", tc.country, len(parts), boxes)
		}
		total := 0
		for i, raw := range parts {
			root, _ := chartOf(t, raw)
			n := strings.Count(raw, `class="pw-org"`)
			if n > bookletPartRows {
				t.Errorf("%s part %d: %d rows, more than a page holds", tc.country, i+1, n)
			}
			checkChart(t, fmt.Sprintf("%s part %d", tc.country, i+1), root, n, strings.Count(raw, "marker-end="))
			total += n
		}
		if total != boxes {
			t.Errorf("%s: the printed parts hold %d boxes, want %d", tc.country, total, boxes)
		}
		if len(parts) > 1 && !strings.Contains(booklet, "Arrows that continue on another part:") {
			t.Errorf("%s: arrows between parts are not listed", tc.country)
		}
	}
}

var svgAll = regexp.MustCompile(`(?s)<svg xmlns="http://www.w3.org/2000/svg" class="pw-chart".*?</svg>`)

func TestWrapText(t *testing.T) {
	for _, tc := range []struct {
		in       string
		width    float64
		maxLines int
		want     []string
	}{
		{"Rotterdam Labour Rights Centre (demo)", 180, 3, []string{"Rotterdam Labour Rights", "Centre (demo)"}},
		{"Short", 180, 2, []string{"Short"}},
		{"Inspectoratul Teritorial de Muncă Iași, Compartimentul Antitrafic (demo)", 180, 2, nil},
		{"Donaudampfschifffahrtsgesellschaftskapitänswitwe", 100, 3, nil},
		{"", 100, 2, nil},
	} {
		got := wrapText(tc.in, tc.width, 12, tc.maxLines)
		if tc.want != nil && strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrapText(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if len(got) > tc.maxLines {
			t.Errorf("wrapText(%q) gave %d lines, more than %d", tc.in, len(got), tc.maxLines)
		}
		for _, l := range got {
			if textWidth(l, 12) > tc.width+0.01 {
				t.Errorf("wrapText(%q): line %q is wider than %v", tc.in, l, tc.width)
			}
		}
		joined := strings.ReplaceAll(strings.Join(got, "\n"), "-\n", "")
		if tc.in != "" && !strings.HasSuffix(joined, "…") && strings.Join(strings.Fields(joined), " ") != tc.in {
			t.Errorf("wrapText(%q) lost text: %q", tc.in, got)
		}
	}
}
