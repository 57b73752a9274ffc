package app

import (
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"proact/app/i18n"
	"proact/content"
	"proact/models"
)

// Referral pathways: /pathways (every country, its organisations per stage
// and its gaps), /pathways/{country} (the national note, the chart, the same
// content as an ordered list, the organisations' contacts), the printable
// booklets, and the moderators' national notes. Everything comes from
// models.Pathway, which has already cleared the members-only contact for
// visitors.

// Template names of the pathway pages.
const (
	tplPathways          = "pages/pathways"
	tplPathway           = "pages/pathway"
	tplPathwayBooklet    = "pages/pathway_booklet"
	tplNationalNoteEdit  = "pages/pathway_note_edit"
	tplPracticesCoverage = "pages/practices_coverage"
)

// bookletPartRows is how many rows (organisations, or the heading of those
// abroad) one chart part holds in print: one landscape A4 page.
const bookletPartRows = 7

// pathwayOrg is an organisation as the pathway pages show it.
type pathwayOrg struct {
	N           int // its number in the pathway: chart, list and booklet cards
	Slug        string
	Name        string
	Type        string
	City        string
	Country     string
	Abroad      bool
	Demo        bool
	Stages      []string
	Services    []string
	Languages   []string
	Website     string
	PublicEmail string
	PublicPhone string
	Contact     *orgContact // nil for visitors
	RefersTo    []pathwayRef
	ReferredBy  []pathwayRef
}

// pathwayRef names another organisation of the pathway.
type pathwayRef struct {
	N       int
	Slug    string
	Name    string
	Country string
	Abroad  bool
}

// contactLine is the one line of contact the chart has room for: the
// members' contact for members, the public one for everyone else.
func (o *pathwayOrg) contactLine() string {
	if c := o.Contact; c != nil {
		for _, s := range []string{c.Phone, c.Email} {
			if s != "" {
				return s
			}
		}
	}
	for _, s := range []string{o.PublicPhone, o.PublicEmail, strings.TrimPrefix(strings.TrimPrefix(o.Website, "https://"), "http://")} {
		if s != "" {
			return s
		}
	}
	return ""
}

// tooltip is the accessible name of an organisation's box in the chart.
func (o *pathwayOrg) tooltip(loc *i18n.Localizer) string {
	parts := []string{o.Name, loc.Label(models.OrganisationTypes().Name(), o.Type)}
	if o.City != "" {
		parts = append(parts, o.City)
	}
	if o.Abroad {
		parts = append(parts, loc.Country(o.Country))
	}
	for _, s := range []string{o.PublicPhone, o.PublicEmail} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if c := o.Contact; c != nil {
		for _, s := range []string{c.Name, c.Phone, c.Email} {
			if s != "" {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, " · ")
}

// pathwayStage is one step of the ordered list: who covers it, doing what.
type pathwayStage struct {
	Stage   string
	Number  int
	Entries []stageEntry
}

type stageEntry struct {
	Org      *pathwayOrg
	Services []string
}

// pathwayData is what the pathway page and the booklet show of one country.
type pathwayData struct {
	Country     string
	Orgs        []*pathwayOrg
	Abroad      []*pathwayOrg
	Chart       *pathwayChart   // the whole chart, for the screen
	Parts       []*pathwayChart // the chart cut into pages, for print
	Stages      []pathwayStage
	Gaps        []string
	Referrals   int
	Note        *nationalNoteView
	OtherNotes  []noteLanguage
	Practices   []practiceCard
	MembersView bool
}

// nationalNoteView is a national note as a page shows it.
type nationalNoteView struct {
	Language     string
	IdentifiedBy string
	Body         template.HTML
	Version      int
	Author       string
	Updated      time.Time
}

// noteLanguage links to the national note in another language.
type noteLanguage struct {
	Language string
	Href     string
}

// newPathwayData numbers the organisations (those of the country first, in
// the order the pathway runs: by their earliest stage, then by name; then
// those abroad), and builds the list, the chart and its printed parts.
func newPathwayData(loc *i18n.Localizer, p *models.Pathway, v models.Viewer, chartID string) *pathwayData {
	d := &pathwayData{Country: p.Country, Gaps: p.Gaps(), Referrals: len(p.Referrals), MembersView: v.SeesMembersOnly()}
	home := slices.Clone(p.Organisations)
	slices.SortStableFunc(home, func(a, b models.Organisation) int { return firstStage(a) - firstStage(b) })
	bySlug := map[string]*pathwayOrg{}
	add := func(o *models.Organisation, abroad bool) *pathwayOrg {
		po := &pathwayOrg{
			N: len(bySlug) + 1, Slug: o.Slug, Name: o.Name, Type: o.Type, City: o.City, Country: o.Country,
			Abroad: abroad, Demo: o.Demo, Stages: pathwayOrder(o.ReferralStages), Services: o.Services,
			Languages: o.Languages, Website: o.Website, PublicEmail: o.PublicEmail, PublicPhone: o.PublicPhone,
		}
		if v.SeesMembersOnly() && (o.ContactName != "" || o.ContactEmail != "" || o.ContactPhone != "") {
			po.Contact = &orgContact{Name: o.ContactName, Email: o.ContactEmail, Phone: o.ContactPhone}
		}
		bySlug[o.Slug] = po
		return po
	}
	for i := range home {
		d.Orgs = append(d.Orgs, add(&home[i], false))
	}
	for i := range p.Abroad {
		d.Abroad = append(d.Abroad, add(&p.Abroad[i], true))
	}
	for _, r := range p.Referrals {
		from, to := bySlug[r.From], bySlug[r.To]
		if from == nil || to == nil {
			continue
		}
		from.RefersTo = append(from.RefersTo, refOf(to))
		to.ReferredBy = append(to.ReferredBy, refOf(from))
	}
	for _, o := range bySlug {
		byNumber := func(a, b pathwayRef) int { return a.N - b.N }
		slices.SortFunc(o.RefersTo, byNumber)
		slices.SortFunc(o.ReferredBy, byNumber)
	}
	covers := p.Covers()
	for k, st := range models.ReferralStages().Terms() {
		ps := pathwayStage{Stage: st, Number: k + 1}
		for _, o := range d.Orgs {
			if slices.Contains(o.Stages, st) {
				ps.Entries = append(ps.Entries, stageEntry{Org: o, Services: servicesAt(o, st)})
			}
		}
		d.Stages = append(d.Stages, ps)
	}
	gaps := map[string]bool{}
	for _, g := range d.Gaps {
		gaps[g] = true
	}
	rows := append(slices.Clone(d.Orgs), d.Abroad...)
	title := loc.T("pathways.chart.title", "Country", loc.Country(p.Country))
	d.Chart = buildChart(loc, chartID, title, rows, len(d.Orgs), bySlug, gaps, covers)
	d.Chart.Desc = chartDesc(loc, d)
	d.Parts = chartParts(loc, chartID, title, d, rows, bySlug, gaps, covers)
	return d
}

func refOf(o *pathwayOrg) pathwayRef {
	return pathwayRef{N: o.N, Slug: o.Slug, Name: o.Name, Country: o.Country, Abroad: o.Abroad}
}

// firstStage is the position of an organisation's earliest referral stage.
func firstStage(o models.Organisation) int {
	first := models.ReferralStages().Len()
	for _, st := range o.ReferralStages {
		if i := models.ReferralStages().Index(st); i >= 0 && i < first {
			first = i
		}
	}
	return first
}

// servicesAt lists the organisation's services that belong to a stage.
func servicesAt(o *pathwayOrg, stage string) []string {
	var out []string
	for _, s := range stageServices[stage] {
		if slices.Contains(o.Services, s) {
			out = append(out, s)
		}
	}
	return out
}

// chartDesc says in words what the chart shows, for its <desc>.
func chartDesc(loc *i18n.Localizer, d *pathwayData) string {
	s := loc.T("pathways.chart.desc", "Count", len(d.Orgs), "Referrals", d.Referrals, "Abroad", len(d.Abroad))
	if len(d.Gaps) > 0 {
		names := make([]string, len(d.Gaps))
		for i, g := range d.Gaps {
			names[i] = loc.Label(models.ReferralStages().Name(), g)
		}
		s += " " + loc.T("pathways.chart.desc_gaps", "Stages", strings.Join(names, ", "))
	}
	return s
}

// chartParts cuts the rows into parts of at most bookletPartRows rows (the
// heading of the organisations abroad counts as one), each drawn as a chart
// of its own for one printed page.
func chartParts(loc *i18n.Localizer, id, title string, d *pathwayData, rows []*pathwayOrg, all map[string]*pathwayOrg, gaps map[string]bool, covers map[string]int) []*pathwayChart {
	var parts []*pathwayChart
	start, used := 0, 0
	flush := func(end int) {
		if end <= start {
			return
		}
		firstAbroad := max(0, len(d.Orgs)-start)
		part := buildChart(loc, id+"-part"+strconv.Itoa(len(parts)+1), title, rows[start:end], min(firstAbroad, end-start), all, gaps, covers)
		part.Desc = d.Chart.Desc
		parts = append(parts, part)
		start, used = end, 0
	}
	for i := range rows {
		need := 1
		if i == len(d.Orgs) && i > 0 {
			need = 2 // the heading of the organisations abroad
		}
		if used+need > bookletPartRows {
			flush(i)
			need = 1
			if i == len(d.Orgs) {
				need = 2
			}
		}
		used += need
	}
	flush(len(rows))
	if len(parts) == 0 { // no organisation at all: the empty columns show the gaps
		parts = append(parts, d.Chart)
	}
	for i, part := range parts {
		part.Part, part.Parts = i+1, len(parts)
	}
	return parts
}

// pathwayCountry reads :country, a country code of the vocabulary. A code in
// lower case is sent to its canonical address.
func pathwayCountry(c *fiber.Ctx) (string, bool, error) {
	raw := c.Params("country")
	code := strings.ToUpper(raw)
	if !models.Countries().Has(code) {
		return "", false, models.ErrNotFound
	}
	return code, code != raw, nil
}

// canonicalPathway redirects /pathways/nl/... to /pathways/NL/...
func canonicalPathway(c *fiber.Ctx, code string) error {
	raw := c.Params("country")
	target := strings.Replace(c.Path(), "/pathways/"+raw, "/pathways/"+code, 1)
	if q := string(c.Request().URI().QueryString()); q != "" {
		target += "?" + q
	}
	return c.Redirect(target, fiber.StatusMovedPermanently)
}

// overviewRow is one country of /pathways.
type overviewRow struct {
	Country       string
	Name          string
	Organisations int64
	Referrals     int64
	Stages        []overviewCell
	Gaps          int
	Notes         []string
}

type overviewCell struct {
	Stage string
	Count int64
}

// stageHead is a column heading: the stage and its number in the pathway.
type stageHead struct {
	Stage  string
	Number int
}

type pathwaysData struct {
	Rows      []overviewRow
	Stages    []stageHead
	Countries []option // the country chooser
	WithGaps  int
	Complete  int
}

// listPathways is every country with its organisations per stage, gaps
// marked. ?country=XX (the chooser, without JavaScript) opens one.
func (h *handlers) listPathways(c *fiber.Ctx) error {
	loc := localizer(c)
	if code := strings.ToUpper(c.Query("country")); code != "" && models.Countries().Has(code) {
		return c.Redirect("/pathways/"+code, fiber.StatusSeeOther)
	}
	overview, err := h.store.PathwayOverview(c.UserContext())
	if err != nil {
		return err
	}
	d := pathwaysData{Countries: vocabOptions(loc, models.Countries(), nil, true)}
	for i, st := range models.ReferralStages().Terms() {
		d.Stages = append(d.Stages, stageHead{Stage: st, Number: i + 1})
	}
	for _, cc := range overview {
		row := overviewRow{Country: cc.Country, Name: loc.Country(cc.Country), Organisations: cc.Organisations,
			Referrals: cc.Referrals, Gaps: len(cc.Gaps()), Notes: cc.Notes}
		for _, st := range models.ReferralStages().Terms() {
			row.Stages = append(row.Stages, overviewCell{Stage: st, Count: cc.Stages[st]})
		}
		if row.Gaps > 0 {
			d.WithGaps++
		} else {
			d.Complete++
		}
		d.Rows = append(d.Rows, row)
	}
	sortRows(loc, d.Rows)
	p := h.page(c, loc.T("pathways.title"), d)
	p.Description = loc.T("pathways.lead")
	return h.render(c, fiber.StatusOK, tplPathways, p)
}

// sortRows sorts the overview by country name in the reader's language.
func sortRows(loc *i18n.Localizer, rows []overviewRow) {
	opts := make([]option, len(rows))
	for i, r := range rows {
		opts[i] = option{Value: r.Country, Label: r.Name}
	}
	sortOptions(loc, opts)
	pos := map[string]int{}
	for i, o := range opts {
		pos[o.Value] = i
	}
	slices.SortFunc(rows, func(a, b overviewRow) int { return pos[a.Country] - pos[b.Country] })
}

// pathwayPage is the data of /pathways/{country}.
type pathwayPage struct {
	*pathwayData
	CountryName string
	CanEdit     bool
	PracticesN  int64
}

// loadPathway builds a country's pathway data for the viewer, with its
// national note in the language asked for (?note=), the reader's, English or
// any, and, when withNotes, its practice notes.
func (h *handlers) loadPathway(c *fiber.Ctx, code, chartID string, withNotes bool) (*pathwayData, int64, error) {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	p, err := h.store.Pathway(ctx, v, code)
	if err != nil {
		return nil, 0, err
	}
	d := newPathwayData(loc, p, v, chartID)
	notes, err := h.store.NationalNotes(ctx, code)
	if err != nil {
		return nil, 0, err
	}
	if n := pickNote(notes, c.Query("note"), loc.Lang); n != nil {
		d.Note = noteView(n)
		for _, o := range notes {
			if o.Language != n.Language {
				d.OtherNotes = append(d.OtherNotes, noteLanguage{Language: o.Language, Href: c.Path() + "?note=" + url.QueryEscape(o.Language)})
			}
		}
	}
	perPage := 5
	if withNotes {
		perPage = 100
	}
	practices, total, err := h.store.ListPractices(ctx, v, models.PracticeFilter{Country: code, ListOptions: models.ListOptions{PerPage: perPage}})
	if err != nil {
		return nil, 0, err
	}
	if withNotes {
		d.Practices = cards(practices)
	}
	return d, total, nil
}

// pickNote chooses the national note to show: the language asked for, the
// reader's, English, or the first there is.
func pickNote(notes []models.NationalNote, asked, uiLang string) *models.NationalNote {
	for _, want := range []string{asked, uiLang, "en"} {
		for i := range notes {
			if want != "" && notes[i].Language == want {
				return &notes[i]
			}
		}
	}
	if len(notes) > 0 {
		return &notes[0]
	}
	return nil
}

func noteView(n *models.NationalNote) *nationalNoteView {
	return &nationalNoteView{Language: n.Language, IdentifiedBy: n.IdentifiedBy,
		// BodyHTML was sanitized by content.Renderer when the note was saved.
		Body:    template.HTML(content.ScrollTables(n.BodyHTML)), //nolint:gosec // sanitized HTML
		Version: n.Version, Author: models.PublicName(n.UpdatedByName), Updated: n.UpdatedAt}
}

// showPathway is a country's referral pathway.
func (h *handlers) showPathway(c *fiber.Ctx) error {
	code, redirect, err := pathwayCountry(c)
	if err != nil {
		return err
	}
	if redirect {
		return canonicalPathway(c, code)
	}
	d, practices, err := h.loadPathway(c, code, "pathway", false)
	if err != nil {
		return err
	}
	loc := localizer(c)
	name := loc.Country(code)
	page := pathwayPage{pathwayData: d, CountryName: name, CanEdit: viewer(c).Moderates(), PracticesN: practices}
	p := h.page(c, loc.T("pathways.country.title", "Country", name), page)
	p.Description = loc.T("pathways.country.lead", "Country", name)
	return h.render(c, fiber.StatusOK, tplPathway, p)
}

// bookletData is a printable booklet: one country, or the whole network.
type bookletData struct {
	Network        bool
	Title          string
	Countries      []bookletCountry
	Generated      time.Time
	SiteURL        string
	MembersEdition bool
	Organisations  int
	Referrals      int
	PracticeNotes  int
}

type bookletCountry struct {
	*pathwayData
	CountryName string
	LiveURL     string
}

// pathwayBooklet is one country's booklet.
func (h *handlers) pathwayBooklet(c *fiber.Ctx) error {
	code, redirect, err := pathwayCountry(c)
	if err != nil {
		return err
	}
	if redirect {
		return canonicalPathway(c, code)
	}
	d, _, err := h.loadPathway(c, code, "booklet", true)
	if err != nil {
		return err
	}
	loc := localizer(c)
	name := loc.Country(code)
	b := h.newBooklet(c, loc.T("pathways.booklet.title", "Country", name))
	b.add(bookletCountry{pathwayData: d, CountryName: name, LiveURL: b.SiteURL + "/pathways/" + code})
	return h.render(c, fiber.StatusOK, tplPathwayBooklet, h.page(c, b.Title, b))
}

// networkBooklet is the booklet of every country with member organisations.
func (h *handlers) networkBooklet(c *fiber.Ctx) error {
	ctx, v, loc := c.UserContext(), viewer(c), localizer(c)
	all, err := h.store.NetworkPathways(ctx, v)
	if err != nil {
		return err
	}
	b := h.newBooklet(c, loc.T("pathways.booklet.network_title"))
	b.Network = true
	for i := range all {
		code := all[i].Country
		d := newPathwayData(loc, &all[i], v, "booklet-"+strings.ToLower(code))
		notes, err := h.store.NationalNotes(ctx, code)
		if err != nil {
			return err
		}
		if n := pickNote(notes, "", loc.Lang); n != nil {
			d.Note = noteView(n)
		}
		practices, _, err := h.store.ListPractices(ctx, v, models.PracticeFilter{Country: code, ListOptions: models.ListOptions{PerPage: 100}})
		if err != nil {
			return err
		}
		d.Practices = cards(practices)
		b.add(bookletCountry{pathwayData: d, CountryName: loc.Country(code), LiveURL: b.SiteURL + "/pathways/" + code})
	}
	col := collate.New(language.Make(loc.Lang), collate.Loose)
	slices.SortStableFunc(b.Countries, func(x, y bookletCountry) int { return col.CompareString(x.CountryName, y.CountryName) })
	return h.render(c, fiber.StatusOK, tplPathwayBooklet, h.page(c, b.Title, b))
}

func (h *handlers) newBooklet(c *fiber.Ctx, title string) *bookletData {
	return &bookletData{Title: title, Generated: h.cfg.Now().UTC(), SiteURL: h.cfg.SiteURL(), MembersEdition: viewer(c).SeesMembersOnly()}
}

func (b *bookletData) add(bc bookletCountry) {
	b.Countries = append(b.Countries, bc)
	b.Organisations += len(bc.Orgs)
	b.Referrals += bc.Referrals
	b.PracticeNotes += len(bc.Practices)
}
