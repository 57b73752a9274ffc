package app

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/feeds"

	"proact/models"
)

// Feeds and discovery: an Atom feed of the published public notes, with the
// list's filters, and the sitemap. Both are what an anonymous visitor sees,
// whoever asks: a feed reader is shared, and members-only notes do not exist
// for visitors.

// feedSize is how many notes a feed holds: the newest.
const feedSize = 50

// practicesFeed is /feeds/practices.atom?country=RO&topic=...&language=...
func (h *handlers) practicesFeed(c *fiber.Ctx) error {
	ctx, loc := c.UserContext(), localizer(c)
	f := models.PracticeFilter{Country: c.Query("country"), Language: c.Query("language"), Topic: c.Query("topic"),
		ListOptions: models.ListOptions{PerPage: feedSize}}.Normalise()
	items, _, err := h.store.ListPractices(ctx, models.Viewer{}, f)
	if err != nil {
		return err
	}
	site := h.cfg.SiteURL()
	title := loc.T("practices.feed.title")
	var parts []string
	if f.Country != "" {
		parts = append(parts, loc.Country(f.Country))
	}
	if f.Topic != "" {
		parts = append(parts, loc.Label(models.Topics().Name(), f.Topic))
	}
	if f.Language != "" {
		parts = append(parts, loc.LanguageName(f.Language))
	}
	for _, p := range parts {
		title += " · " + p
	}
	feed := &feeds.Feed{
		Title: title, Link: &feeds.Link{Href: site + "/practices" + feedQuery(f)},
		Description: loc.T("practices.lead"), Id: site + "/feeds/practices.atom" + feedQuery(f),
		Author: &feeds.Author{Name: loc.T("site.name")},
	}
	for i := range items {
		p := &items[i]
		link := site + "/practices/" + p.Slug
		item := &feeds.Item{Title: p.Title, Link: &feeds.Link{Href: link}, Id: link, Description: p.Summary}
		if p.PublishedAt != nil {
			item.Created = *p.PublishedAt
		}
		item.Updated = item.Created
		if p.RevisedAt != nil {
			item.Updated = *p.RevisedAt
		}
		if p.Organisation != nil {
			item.Author = &feeds.Author{Name: p.Organisation.Name}
		}
		if item.Updated.After(feed.Updated) {
			feed.Updated = item.Updated
		}
		feed.Add(item)
	}
	if feed.Updated.IsZero() {
		feed.Updated = time.Unix(0, 0).UTC()
	}
	var buf bytes.Buffer
	if err := feed.WriteAtom(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=600")
	return c.Send(buf.Bytes())
}

// feedQuery is the query string of the filters a feed or list keeps.
func feedQuery(f models.PracticeFilter) string {
	q := url.Values{}
	for k, v := range map[string]string{"country": f.Country, "topic": f.Topic, "language": f.Language} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// sitemapLimit is the most addresses one sitemap may list (sitemaps.org).
const sitemapLimit = 50_000

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"urlset"`
	XMLNS   string       `xml:"xmlns,attr"`
	XHTML   string       `xml:"xmlns:xhtml,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc        string           `xml:"loc"`
	LastMod    string           `xml:"lastmod,omitempty"`
	Alternates []sitemapAltLink `xml:"xhtml:link"`
}

type sitemapAltLink struct {
	Rel      string `xml:"rel,attr"`
	HrefLang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

// sitemap lists the public pages, every published public note (with its
// translations as hreflang alternates) and the directory, read in keyset
// pages so it stays cheap however many notes there are.
func (h *handlers) sitemap(c *fiber.Ctx) error {
	ctx := c.UserContext()
	site := h.cfg.SiteURL()
	set := sitemapURLSet{XMLNS: "http://www.sitemaps.org/schemas/sitemap/0.9", XHTML: "http://www.w3.org/1999/xhtml"}
	for _, p := range []string{"/", "/practices", "/organisations", "/privacy"} {
		set.URLs = append(set.URLs, sitemapURL{Loc: site + p})
	}
	var notes []models.SitemapEntry
	for after := uint(0); len(notes) < sitemapLimit; {
		batch, err := h.store.PublicPracticesAfter(ctx, after, 1000)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		notes = append(notes, batch...)
		after = batch[len(batch)-1].ID
	}
	groups := map[string][]models.SitemapEntry{}
	for _, n := range notes {
		root := n.TranslationOf
		if root == "" {
			root = n.Slug
		}
		groups[root] = append(groups[root], n)
	}
	for _, n := range notes {
		u := sitemapURL{Loc: site + "/practices/" + n.Slug}
		mod := n.UpdatedAt
		if n.RevisedAt != nil {
			mod = *n.RevisedAt
		}
		u.LastMod = mod.UTC().Format(time.DateOnly)
		root := n.TranslationOf
		if root == "" {
			root = n.Slug
		}
		if g := groups[root]; len(g) > 1 {
			for _, t := range g {
				u.Alternates = append(u.Alternates, sitemapAltLink{Rel: "alternate", HrefLang: t.Language, Href: site + "/practices/" + t.Slug})
			}
		}
		set.URLs = append(set.URLs, u)
	}
	orgs, err := h.store.ApprovedOrganisationNames(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if len(set.URLs) >= sitemapLimit {
			break
		}
		set.URLs = append(set.URLs, sitemapURL{Loc: site + "/organisations/" + o.Slug})
	}
	if len(set.URLs) > sitemapLimit {
		set.URLs = set.URLs[:sitemapLimit]
	}
	out, err := xml.Marshal(set)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(append([]byte(xml.Header), out...))
}
