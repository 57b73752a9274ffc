package search

import (
	"context"
	"testing"
	"time"

	"proact/content"
	"proact/models"
	"proact/models/modelstest"
)

// testConcepts is a small glossary of our own for the tests (the real one,
// content/glossary.yaml, is another engineer's and has its own tests).
var testConcepts = []Concept{
	{ID: "debt-bondage", Category: "indicator", Terms: map[string][]string{
		"en": {"debt bondage", "bonded labour"}, "fr": {"servitude pour dettes"}, "ro": {"robie prin îndatorare"},
		"de": {"Schuldknechtschaft"}, "nl": {"schuldslavernij"}, "pl": {"niewola za długi"},
	}},
	{ID: "recruitment-fees", Category: "remedy", Terms: map[string][]string{
		"en": {"recruitment fees"}, "fr": {"frais de recrutement"}, "ro": {"taxe de recrutare"},
		"de": {"Vermittlungsgebühren"}, "pl": {"opłaty rekrutacyjne"},
	}},
}

// Canary words planted where visitors must never find them.
const (
	canaryMembers = "zqxmembercanary"  // a members-only note
	canaryDraft   = "zqxdraftcanary"   // a draft note
	canaryPending = "zqxpendingcanary" // an organisation not yet approved
	canaryContact = "zqxcontactcanary" // an organisation's members-only contact
)

type fixture struct {
	store *models.Store
	ix    *Index
	orgID uint
}

func published(slug, lang, title, body, visibility string, countries []string) *models.Practice {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return &models.Practice{Slug: slug, Language: lang, Title: title, Summary: title, Visibility: visibility,
		Status: models.StatusPublished, BodyMD: body, BodyHTML: "<p>" + body + "</p>", PublishedAt: &at,
		Countries: countries, Topics: []string{"recruitment"}, Sectors: []string{"A"}}
}

// buildFixture makes a database with the demo content, notes written for
// these tests and the canaries, and its index: once, for the subtests of
// TestSearch.
func buildFixture(t *testing.T) (*fixture, error) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	if _, err := content.Import(ctx, store, content.NewRenderer(), content.Demo(), true); err != nil {
		return nil, err
	}
	notes := []*models.Practice{
		published("t-debt-en", "en", "Debt bondage on dairy farms", "Workers on dairy farms owed their employer for transport and housing: debt bondage.", "public", []string{"IE"}),
		published("t-debt-fr", "fr", "La servitude pour dettes dans les vignobles", "Des vendangeurs arrivent avec une dette envers le recruteur : c'est une servitude pour dettes.", "public", []string{"FR"}),
		published("t-debt-ro", "ro", "Robie prin îndatorare în construcții", "Muncitorii din construcții plătesc datorii fictive: robie prin îndatorare.", "public", []string{"RO"}),
		published("t-saison-fr", "fr", "Accueil du travailleur saisonnier", "Un guichet unique pour chaque travailleur saisonnier étranger.", "public", []string{"FR"}),
		published("t-pl", "pl", "Pomoc dla pracowników sezonowych", "Pracownicy sezonowi w rolnictwie otrzymują pomoc prawną.", "public", []string{"PL"}),
		published("t-el", "el", "Εργάτες γης στη Μανωλάδα", "Οι εργάτες γης ζουν σε παραπήγματα.", "public", []string{"GR"}),
		published("t-xss", "en", `Alert <script>alert(1)</script> "quoted" & more`, `Payload <img src=x onerror=alert(1)> in the body with zqxpayload`, "public", []string{"NL"}),
	}
	members := published("t-members", "en", "Internal case review "+canaryMembers, "Only for members: "+canaryMembers+" in the body.", models.VisibilityMembers, []string{"MT"})
	members.Sectors = []string{"U"}
	draft := published("t-draft", "en", "Draft "+canaryDraft, "Not yet published "+canaryDraft, "public", []string{"LU"})
	draft.Status = models.StatusDraft
	for _, p := range append(notes, members, draft) {
		if err := store.SavePractice(ctx, p); err != nil {
			return nil, err
		}
	}
	pending := &models.Organisation{Slug: "t-pending", Name: "Pending " + canaryPending, Country: "LU", Type: "ngo",
		Status: models.OrgPending, DescriptionHTML: "<p>" + canaryPending + "</p>"}
	approved := &models.Organisation{Slug: "t-contact", Name: "Open Door Helpdesk", Country: "CY", Type: "shelter",
		Status: models.OrgApproved, DescriptionHTML: "<p>A helpdesk for domestic workers.</p>",
		ContactName: canaryContact, ContactEmail: canaryContact + "@example.org"}
	for _, o := range []*models.Organisation{pending, approved} {
		if err := store.SaveOrganisation(ctx, o); err != nil {
			return nil, err
		}
	}
	ix, err := Start(ctx, Config{Dir: t.TempDir(), Store: store, Log: quietLog(), Concepts: testConcepts})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = ix.Close() })
	if err := ix.WaitReady(ctx); err != nil {
		return nil, err
	}
	return &fixture{store: store, ix: ix, orgID: approved.ID}, nil
}

var (
	visitor = models.Viewer{}
	member  = models.Viewer{UserID: 1, Role: models.RoleMember, OrgActive: true}
)

func (f *fixture) search(t *testing.T, v models.Viewer, q Query) *Result {
	t.Helper()
	res, err := f.ix.Search(context.Background(), v, q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func slugs(res *Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Slug)
	}
	return out
}
