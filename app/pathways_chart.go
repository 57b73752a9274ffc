package app

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"proact/app/i18n"
	"proact/models"
)

// The pathway chart: a server-drawn SVG. Columns are the referral stages in
// pathway order; each organisation is a row, with its numbered name box on
// the left and a box in every stage column it covers (naming the services it
// offers there). "Refers people to" arrows run in a channel between the name
// boxes and the stages, each in a lane of its own, so that no arrow crosses a
// box and arrows never overlap: short arrows in the inner lanes, long ones
// outside, and ports ordered so that an arrow's horizontal part crosses no
// other arrow at its own box. That stays readable with 2 organisations or 40;
// for print the rows are cut into parts that fit a landscape page, arrows
// leaving a part ending at its edge with the number of the organisation they
// lead to.

// Geometry, in SVG user units (CSS pixels at 100 %).
const (
	chartPad     = 8
	labelW       = 220
	stageW       = 118
	headerH      = 72
	rowH         = 72
	rowGap       = 8
	sectionH     = 30
	laneW        = 7
	channelInset = 10
	nameSize     = 12.5
	smallSize    = 10.5
	lineH        = 14
	stubLabelH   = 24 // room below the rows for the turned numbers of stubs
)

// arrowColours are dark enough for 4.5:1 on white (more than the 3:1 that
// graphics need), and far enough apart to follow one arrow among many.
var arrowColours = []string{"#1d4e89", "#b45309", "#047857", "#7e22ce", "#be123c", "#374151", "#0e7490"}

// stageServices are the services that show what an organisation does at a
// stage; an organisation covering a stage with none of them gets a tick.
var stageServices = map[string][]string{
	"signal":                 {"outreach", "helpline"},
	"identification":         {"identification"},
	"first-assistance":       {"case-management", "health-care", "psychological-support", "interpretation"},
	"referral":               {"case-management"},
	"shelter-support":        {"shelter", "health-care", "psychological-support"},
	"legal-aid-compensation": {"legal-advice", "legal-representation", "compensation-claims"},
	"inclusion-return":       {"employment-support", "return-support", "training"},
}

// pathwayChart is everything the SVG template draws, in final coordinates and
// words: the template only prints it (escaped).
type pathwayChart struct {
	ID            string // prefix of the ids inside, unique on the page
	Width, Height int
	Title, Desc   string
	Columns       []chartColumn
	Rows          []chartRow
	Sections      []chartSection
	Arrows        []chartArrow
	Colours       []chartColour
	ChannelX      int
	ChannelW      int
	// Leaving lists, for print, the arrows that continue on another part.
	Leaving []string
	// Part and Parts number the parts of a chart cut for print.
	Part, Parts int
}

type chartColour struct {
	Index int
	Hex   string
}

type chartColumn struct {
	Stage          string
	X, W           int
	HeadY, HeadH   int
	MidX           int
	NumberY        int
	CountY         int
	Number         int
	Lines          []textLine
	Count          string
	Gap            bool
	GapY, GapH     int // the hatched background of a gap
	SeparatorX     int
	SeparatorY1    int
	SeparatorY2    int
	ShowSeparation bool
}

// textLine is one line of text; Class says how it is drawn (name, sub, cell).
type textLine struct {
	X, Y  int
	Text  string
	Class string
}

type chartRow struct {
	N          int
	Slug       string
	Abroad     bool
	Y, H       int
	LabelX     int
	LabelW     int
	Lines      []textLine // name, then the type and place, then the contact
	NameLines  int
	Tooltip    string
	Cells      []chartCell
	BadgeX     int
	BadgeY     int
	BandY      int
	BandH      int
	BandW      int
	ShowBand   bool
	ProfileURL string
}

type chartCell struct {
	X, Y, W, H int
	Lines      []textLine
	Tick       bool
	TickX      int
	TickY      int
}

type chartSection struct {
	Y     int
	Label string
	LineW int
}

type chartArrow struct {
	Path   string
	Colour int
	Hex    string
	Dot    bool // a dot marks where it starts
	Title  string
	// Stub arrows leave the part: they end at its edge with a number.
	Stub      bool
	StubLabel string
	StubX     int
	StubY     int
	// StubRotate turns the label along the lane: -90 above, 90 below.
	StubRotate int
}

// chartEndpoint is one end of an arrow at a row.
type chartEndpoint struct {
	arrow int
	lane  int
	up    bool // the other end is above
}

// chartLink is an arrow between two rows of the chart (to = -1 or len(rows)
// for an arrow leaving the part upwards or downwards).
type chartLink struct {
	from, to int
	lane     int
	colour   int
	title    string
	stub     string
}

// buildChart lays out the rows of orgs (in their order), with the arrows of
// their referrals between them. Arrows to or from organisations outside orgs
// but in all are drawn as stubs leaving or entering the part at its edge.
// firstAbroad is the index of the first organisation of another country
// (len(orgs) when there is none).
func buildChart(loc *i18n.Localizer, id, title string, orgs []*pathwayOrg, firstAbroad int, all map[string]*pathwayOrg, gapStages map[string]bool, counts map[string]int) *pathwayChart {
	l := &chartLayout{loc: loc, ch: &pathwayChart{ID: id, Title: title}, orgs: orgs, all: all, index: map[string]int{}}
	for i, hex := range arrowColours {
		l.ch.Colours = append(l.ch.Colours, chartColour{Index: i, Hex: hex})
	}
	for i, o := range orgs {
		l.index[o.Slug] = i
	}
	l.collectLinks()
	lanes := assignLanes(l.links)
	l.ch.ChannelX, l.ch.ChannelW = chartPad+labelW, channelInset
	if lanes > 0 {
		l.ch.ChannelW = channelInset*2 + lanes*laneW
	}
	l.stagesX = l.ch.ChannelX + l.ch.ChannelW
	l.ch.Width = l.stagesX + models.ReferralStages().Len()*stageW + chartPad
	l.placeRows(firstAbroad)
	l.drawColumns(gapStages, counts)
	for i, o := range orgs {
		l.ch.Rows = append(l.ch.Rows, chartRowOf(loc, o, l.rowY[i], l.stagesX, l.ch.Width, i%2 == 1))
	}
	l.drawArrows()
	return l.ch
}

// chartLayout is a chart while it is laid out.
type chartLayout struct {
	loc     *i18n.Localizer
	ch      *pathwayChart
	orgs    []*pathwayOrg
	all     map[string]*pathwayOrg
	index   map[string]int // slug → row
	links   []chartLink
	rowY    []int
	top     int // the top of the first row: stubs from above end here
	bottom  int // below the last row: stubs from below end here
	stagesX int
}

// collectLinks makes a link of every referral of the rows: between two
// rows, or between a row and the part's top (an organisation numbered
// lower, on an earlier part) or bottom (a later one).
func (l *chartLayout) collectLinks() {
	n := len(l.orgs)
	edge := func(other, self *pathwayOrg) int {
		if other.N < self.N {
			return -1
		}
		return n
	}
	for i, o := range l.orgs {
		for _, r := range o.RefersTo {
			target := l.all[r.Slug]
			if target == nil {
				continue
			}
			link := chartLink{from: i, colour: (o.N - 1) % len(arrowColours),
				title: l.loc.T("pathways.chart.arrow", "From", o.Name, "To", target.Name)}
			if to, inside := l.index[r.Slug]; inside {
				link.to = to
			} else {
				link.to, link.stub = edge(target, o), strconv.Itoa(target.N)
				l.ch.Leaving = append(l.ch.Leaving, l.loc.T("pathways.chart.leaving",
					"From", fmt.Sprintf("%d. %s", o.N, o.Name), "To", fmt.Sprintf("%d. %s", target.N, target.Name)))
			}
			l.links = append(l.links, link)
		}
		for _, r := range o.ReferredBy {
			source := l.all[r.Slug]
			if _, inside := l.index[r.Slug]; inside || source == nil {
				continue // drawn from its source's row
			}
			l.links = append(l.links, chartLink{from: edge(source, o), to: i, colour: (source.N - 1) % len(arrowColours),
				stub: strconv.Itoa(source.N), title: l.loc.T("pathways.chart.arrow", "From", source.Name, "To", o.Name)})
		}
	}
}

// placeRows gives every row its y, with the heading of the organisations
// abroad before the first of them.
func (l *chartLayout) placeRows(firstAbroad int) {
	l.top = chartPad + headerH
	y := l.top + rowGap
	l.rowY = make([]int, len(l.orgs))
	for i := range l.orgs {
		if i == firstAbroad {
			l.ch.Sections = append(l.ch.Sections, chartSection{Y: y + 18, Label: l.loc.T("pathways.chart.abroad"), LineW: l.ch.Width - 2*chartPad})
			y += sectionH
		}
		l.rowY[i] = y
		y += rowH + rowGap
	}
	l.bottom = y - rowGap/2
	l.ch.Height = y + chartPad
}

// drawColumns draws the stage headings, with their counts, and the hatched
// background of the stages nobody covers.
func (l *chartLayout) drawColumns(gapStages map[string]bool, counts map[string]int) {
	for k, st := range models.ReferralStages().Terms() {
		x := l.stagesX + k*stageW
		col := chartColumn{Stage: st, X: x + 2, W: stageW - 4, HeadY: chartPad, HeadH: headerH, MidX: x + stageW/2,
			NumberY: chartPad + 15, CountY: chartPad + headerH - 8, Number: k + 1, Gap: gapStages[st],
			GapY: l.top, GapH: l.bottom - l.top, SeparatorX: x, SeparatorY1: l.top, SeparatorY2: l.bottom, ShowSeparation: k > 0}
		lines := wrapText(l.loc.Label(models.ReferralStages().Name(), st), float64(stageW-10), 11*1.05, 3) // semi-bold
		for j, text := range lines {
			col.Lines = append(col.Lines, textLine{X: x + stageW/2, Y: chartPad + 29 + j*12, Text: text, Class: "head"})
		}
		col.Count = l.loc.T("pathways.chart.count", "Count", counts[st])
		if gapStages[st] {
			col.Count = l.loc.T("pathways.chart.gap")
		}
		l.ch.Columns = append(l.ch.Columns, col)
	}
}

// drawArrows routes every link: from a port on the right edge of its name
// box into its lane, along the lane, and back to the other box's edge (or to
// the part's edge, where a turned number names the organisation it leads
// to or comes from).
func (l *chartLayout) drawArrows() {
	n := len(l.orgs)
	inRow := func(r int) bool { return r >= 0 && r < n }
	ends := make([][]chartEndpoint, n)
	for a, link := range l.links {
		if inRow(link.from) {
			ends[link.from] = append(ends[link.from], chartEndpoint{arrow: a, lane: link.lane, up: link.to < link.from})
		}
		if inRow(link.to) {
			ends[link.to] = append(ends[link.to], chartEndpoint{arrow: a, lane: link.lane, up: link.from < link.to})
		}
	}
	portY := map[[2]int]int{} // (arrow, row) → y
	for r, list := range ends {
		orderPorts(list)
		step := 0
		if len(list) > 1 {
			step = min(10, (rowH-16)/(len(list)-1))
		}
		first := l.rowY[r] + rowH/2 - step*(len(list)-1)/2
		for k, e := range list {
			portY[[2]int{e.arrow, r}] = first + k*step
		}
	}
	yOf := func(a, r int) int {
		switch {
		case r < 0:
			return l.top
		case r >= n:
			return l.bottom
		}
		return portY[[2]int{a, r}]
	}
	edgeX := l.ch.ChannelX
	for a, link := range l.links {
		x := edgeX + channelInset + link.lane*laneW
		y1, y2 := yOf(a, link.from), yOf(a, link.to)
		arrow := chartArrow{Colour: link.colour, Hex: arrowColours[link.colour], Title: link.title, Dot: inRow(link.from)}
		switch {
		case inRow(link.from) && inRow(link.to):
			arrow.Path = fmt.Sprintf("M%d %dH%dV%dH%d", edgeX, y1, x, y2, edgeX+2)
		case inRow(link.from): // leaving the part
			arrow.Path = fmt.Sprintf("M%d %dH%dV%d", edgeX, y1, x, y2)
			arrow.Stub, arrow.StubX, arrow.StubY = true, x, y2
		default: // coming in from another part
			arrow.Path = fmt.Sprintf("M%d %dV%dH%d", x, y1, y2, edgeX+2)
			arrow.Stub, arrow.StubX, arrow.StubY = true, x, y1
		}
		if arrow.Stub {
			// The number sits just outside the rows, along the lane (turned a
			// quarter, so that neighbouring lanes' numbers do not collide).
			arrow.StubLabel = link.stub
			if arrow.StubY == l.top { // above the first row, reading upwards
				arrow.StubRotate, arrow.StubY = -90, l.top-3
			} else { // below the last row, reading downwards
				arrow.StubRotate, arrow.StubY = 90, l.bottom+3
				l.ch.Height = max(l.ch.Height, arrow.StubY+stubLabelH)
			}
		}
		l.ch.Arrows = append(l.ch.Arrows, arrow)
	}
}

// assignLanes gives every link the innermost lane where it overlaps no other
// link, shortest links first, and returns the number of lanes used. Links
// touching the same row never share a lane, so no two arrows meet.
func assignLanes(links []chartLink) int {
	order := make([]int, len(links))
	for i := range order {
		order[i] = i
	}
	span := func(l chartLink) (int, int) { return min(l.from, l.to), max(l.from, l.to) }
	slices.SortStableFunc(order, func(a, b int) int {
		la, ha := span(links[a])
		lb, hb := span(links[b])
		if d := (ha - la) - (hb - lb); d != 0 {
			return d
		}
		return la - lb
	})
	var used [][][2]int
	for _, i := range order {
		lo, hi := span(links[i])
		lane := 0
		for ; lane < len(used); lane++ {
			free := true
			for _, iv := range used[lane] {
				if lo <= iv[1] && iv[0] <= hi {
					free = false
					break
				}
			}
			if free {
				break
			}
		}
		if lane == len(used) {
			used = append(used, nil)
		}
		used[lane] = append(used[lane], [2]int{lo, hi})
		links[i].lane = lane
	}
	return len(used)
}

// orderPorts sorts the arrow ends at one box from top to bottom: arrows
// going up first, inner lanes highest, then arrows going down, outer lanes
// highest. Then no arrow's horizontal part crosses another's vertical part
// next to the box.
func orderPorts(list []chartEndpoint) {
	slices.SortStableFunc(list, func(a, b chartEndpoint) int {
		if a.up != b.up {
			if a.up {
				return -1
			}
			return 1
		}
		if a.up {
			return a.lane - b.lane
		}
		return b.lane - a.lane
	})
}

// chartRowOf lays out one organisation's name box and stage boxes.
func chartRowOf(loc *i18n.Localizer, o *pathwayOrg, y, stagesX, width int, band bool) chartRow {
	r := chartRow{N: o.N, Slug: o.Slug, Abroad: o.Abroad, Y: y, H: rowH, LabelX: chartPad, LabelW: labelW,
		BadgeX: chartPad + 14, BadgeY: y + 16, BandY: y - rowGap/2, BandH: rowH + rowGap, BandW: width - 2*chartPad, ShowBand: band,
		ProfileURL: "/organisations/" + o.Slug}
	textX := chartPad + 30
	name := wrapText(o.Name, float64(labelW-40), nameSize*1.1, 3) // bold
	r.NameLines = len(name)
	for j, l := range name {
		r.Lines = append(r.Lines, textLine{X: textX, Y: y + 16 + j*lineH, Text: l, Class: "name"})
	}
	lineY := y + 16 + len(name)*lineH
	sub := loc.Label(models.OrganisationTypes().Name(), o.Type)
	if o.Abroad {
		sub += " · " + loc.Country(o.Country)
	} else if o.City != "" {
		sub += " · " + o.City
	}
	r.Lines = append(r.Lines, textLine{X: textX, Y: lineY, Text: clip(sub, float64(labelW-36), smallSize), Class: "sub"})
	if c := o.contactLine(); c != "" && lineY+13 <= y+rowH-4 {
		r.Lines = append(r.Lines, textLine{X: textX, Y: lineY + 13, Text: clip(c, float64(labelW-36), smallSize), Class: "contact"})
	}
	r.Tooltip = o.tooltip(loc)
	for k, st := range models.ReferralStages().Terms() {
		if !slices.Contains(o.Stages, st) {
			continue
		}
		cell := chartCell{X: stagesX + k*stageW + 4, Y: y, W: stageW - 8, H: rowH}
		var labels []string
		for _, s := range stageServices[st] {
			if slices.Contains(o.Services, s) {
				labels = append(labels, loc.Label(models.Services().Name(), s))
			}
		}
		if len(labels) == 0 {
			cell.Tick, cell.TickX, cell.TickY = true, cell.X+cell.W/2, y+rowH/2+6
		}
		lines := wrapList(labels, float64(cell.W-10), smallSize, 5)
		top := y + rowH/2 - (len(lines)*13)/2 + 9
		for j, l := range lines {
			cell.Lines = append(cell.Lines, textLine{X: cell.X + 5, Y: top + j*13, Text: l, Class: "cell"})
		}
		r.Cells = append(r.Cells, cell)
	}
	return r
}

// textWidth estimates the width of s in a sans-serif font of the given size.
// It is measured on DejaVu Sans, wider than most system fonts, so that labels
// wrapped by it fit wherever they are shown.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r == ' ':
			w += 0.32
		case strings.ContainsRune("iljI.,;:'!|", r):
			w += 0.3
		case strings.ContainsRune("ftr()[]·-", r):
			w += 0.42
		case strings.ContainsRune("mwMW", r):
			w += 0.95
		case unicode.IsUpper(r):
			w += 0.74
		case unicode.IsDigit(r):
			w += 0.64
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			w += 1.0
		default:
			w += 0.62
		}
	}
	return w * size
}

// wrapText breaks s into at most maxLines lines of width at most width, words
// kept whole where they fit; the last line ends with … when text is left over.
func wrapText(s string, width, size float64, maxLines int) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		for textWidth(word, size) > width { // a word longer than a line: hyphenated
			cut := fitPrefix(word, width-textWidth("-", size), size)
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			lines = append(lines, word[:cut]+"-")
			word = word[cut:]
		}
		switch {
		case cur == "":
			cur = word
		case textWidth(cur+" "+word, size) <= width:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		rest := strings.Join(lines[maxLines-1:], " ")
		lines = append(lines[:maxLines-1], clip(rest, width, size))
	}
	return lines
}

// wrapList wraps a list of labels, one label per line where it fits.
func wrapList(labels []string, width, size float64, maxLines int) []string {
	var lines []string
	for i, l := range labels {
		if i < len(labels)-1 {
			l += ","
		}
		lines = append(lines, wrapText(l, width, size, 2)...)
	}
	if len(lines) > maxLines {
		lines = append(lines[:maxLines-1], clip(strings.Join(lines[maxLines-1:], " "), width, size))
	}
	return lines
}

// clip shortens s with … to fit width.
func clip(s string, width, size float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	cut := fitPrefix(s, width-textWidth("…", size), size)
	return strings.TrimRight(s[:cut], " ,") + "…"
}

// fitPrefix is the length in bytes of the longest prefix of s (whole runes)
// that fits width, at least one rune.
func fitPrefix(s string, width, size float64) int {
	end := 0
	for i, r := range s {
		next := i + len(string(r))
		if textWidth(s[:next], size) > width && end > 0 {
			return end
		}
		end = next
	}
	return end
}

// chartContext pairs a chart with the page, for the chart partial:
// {{template "partials/pathway_chart" ($.WithChart .Chart)}}.
type chartContext struct {
	Page  *Page
	Chart *pathwayChart
}

// WithChart pairs a pathway chart with the page, for its partial.
func (p *Page) WithChart(ch *pathwayChart) chartContext { return chartContext{Page: p, Chart: ch} }

// orgCardContext pairs an organisation of a pathway with the page, for the
// card partial; SiteURL makes the printed profile address absolute.
type orgCardContext struct {
	Page    *Page
	Org     *pathwayOrg
	SiteURL string
}

// WithOrg pairs a pathway organisation with the page, for its card.
func (p *Page) WithOrg(o *pathwayOrg, siteURL string) orgCardContext {
	return orgCardContext{Page: p, Org: o, SiteURL: siteURL}
}
