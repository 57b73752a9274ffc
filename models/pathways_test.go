package models_test

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// pathwayOrg describes an organisation of the pathway fixture.
type pathwayOrg struct {
	slug, country, status string
	stages                []string
	refersTo              []string
}

// seedPathways saves, in this order (so that some referrals name
// organisations saved later, and are saved again once they exist):
//
//	slug       country status     stages                       refers to
//	nl-signal  NL      approved   signal identification        nl-shelter ro-return nl-pending
//	nl-shelter NL      approved   first-assistance shelter     nl-signal
//	nl-pending NL      pending    legal-aid-compensation       nl-signal
//	nl-gone    NL      suspended  referral                     nl-signal
//	ro-return  RO      approved   inclusion-return             -
//	de-union   DE      approved   signal                       nl-signal
//	fr-alone   FR      approved   identification               -
//
// Every organisation has a members-only contact.
func seedPathways(t *testing.T, store *models.Store) map[string]*models.Organisation {
	t.Helper()
	fixture := []pathwayOrg{
		{"nl-signal", "NL", models.OrgApproved, []string{"signal", "identification"}, []string{"nl-shelter", "ro-return", "nl-pending"}},
		{"nl-shelter", "NL", models.OrgApproved, []string{"first-assistance", "shelter-support"}, []string{"nl-signal"}},
		{"nl-pending", "NL", models.OrgPending, []string{"legal-aid-compensation"}, []string{"nl-signal"}},
		{"nl-gone", "NL", models.OrgSuspended, []string{"referral"}, []string{"nl-signal"}},
		{"ro-return", "RO", models.OrgApproved, []string{"inclusion-return"}, nil},
		{"de-union", "DE", models.OrgApproved, []string{"signal"}, []string{"nl-signal"}},
		{"fr-alone", "FR", models.OrgApproved, []string{"identification"}, nil},
	}
	out := map[string]*models.Organisation{}
	save := func(f pathwayOrg) {
		o := &models.Organisation{Slug: f.slug, Name: "Org " + f.slug, Country: f.country, Type: "ngo", Status: f.status,
			ReferralStages: f.stages, RefersTo: f.refersTo, Services: []string{"outreach", "shelter"},
			PublicEmail: f.slug + "@public.example.org", ContactName: "Contact of " + f.slug,
			ContactEmail: f.slug + "@secret.example.org", ContactPhone: "+31 6 0000 0000"}
		if err := store.SaveOrganisation(t.Context(), o); err != nil {
			t.Fatalf("SaveOrganisation(%q): %v", f.slug, err)
		}
		out[f.slug] = o
	}
	for _, f := range fixture {
		save(f)
	}
	for _, f := range fixture { // now that every target exists
		if len(f.refersTo) > 0 {
			save(f)
		}
	}
	return out
}

func orgSlugs(list []models.Organisation) []string {
	out := make([]string, len(list))
	for i, o := range list {
		out[i] = o.Slug
	}
	return out
}

func TestPathway(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		seedPathways(t, store)
		for _, vc := range []struct {
			name     string
			v        models.Viewer
			contacts bool
		}{{"anonymous", anonymous, false}, {"member", member, true}, {"admin", admin, true}} {
			t.Run(vc.name, func(t *testing.T) {
				p, err := store.Pathway(t.Context(), vc.v, "NL")
				if err != nil {
					t.Fatalf("Pathway(NL): %v", err)
				}
				// Only approved organisations: not the pending or the suspended one.
				if got, want := orgSlugs(p.Organisations), []string{"nl-shelter", "nl-signal"}; !slices.Equal(got, want) {
					t.Errorf("organisations %v, want %v", got, want)
				}
				// Abroad: the one referred to and the one referring in, by country.
				if got, want := orgSlugs(p.Abroad), []string{"de-union", "ro-return"}; !slices.Equal(got, want) {
					t.Errorf("abroad %v, want %v", got, want)
				}
				want := []models.Referral{{"de-union", "nl-signal"}, {"nl-shelter", "nl-signal"}, {"nl-signal", "nl-shelter"}, {"nl-signal", "ro-return"}}
				if !slices.Equal(p.Referrals, want) {
					t.Errorf("referrals %v, want %v", p.Referrals, want)
				}
				for _, o := range append(slices.Clone(p.Organisations), p.Abroad...) {
					if slices.Contains(o.RefersTo, "nl-pending") {
						t.Errorf("%s refers to the pending organisation: %v", o.Slug, o.RefersTo)
					}
					has := o.ContactName != "" || o.ContactEmail != "" || o.ContactPhone != ""
					if has != vc.contacts {
						t.Errorf("%s: members-only contact %q %q %q, want shown = %v", o.Slug, o.ContactName, o.ContactEmail, o.ContactPhone, vc.contacts)
					}
					if o.PublicEmail == "" {
						t.Errorf("%s: the public e-mail address is missing", o.Slug)
					}
				}
				covers := p.Covers()
				wantCovers := map[string]int{"signal": 1, "identification": 1, "first-assistance": 1, "referral": 0,
					"shelter-support": 1, "legal-aid-compensation": 0, "inclusion-return": 0}
				if !maps.Equal(covers, wantCovers) {
					t.Errorf("covers %v, want %v", covers, wantCovers)
				}
				if got, want := p.Gaps(), []string{"referral", "legal-aid-compensation", "inclusion-return"}; !slices.Equal(got, want) {
					t.Errorf("gaps %v, want %v", got, want)
				}
			})
		}
		t.Run("a country without members", func(t *testing.T) {
			p, err := store.Pathway(t.Context(), anonymous, "PL")
			if err != nil || len(p.Organisations)+len(p.Abroad)+len(p.Referrals) != 0 || len(p.Gaps()) != 7 {
				t.Errorf("Pathway(PL) = %+v, %v; want an empty pathway, every stage a gap", p, err)
			}
		})
		t.Run("not a country", func(t *testing.T) {
			for _, code := range []string{"ZZ", "nl", "", "NL' OR '1'='1"} {
				if _, err := store.Pathway(t.Context(), anonymous, code); !errors.Is(err, models.ErrNotFound) {
					t.Errorf("Pathway(%q): %v, want ErrNotFound", code, err)
				}
			}
		})
	})
}

func TestNetworkPathwaysMatchEachCountry(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		seedPathways(t, store)
		all, err := store.NetworkPathways(t.Context(), anonymous)
		if err != nil {
			t.Fatal(err)
		}
		var countries []string
		for _, p := range all {
			countries = append(countries, p.Country)
			one, err := store.Pathway(t.Context(), anonymous, p.Country)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(orgSlugs(p.Organisations), orgSlugs(one.Organisations)) ||
				!slices.Equal(orgSlugs(p.Abroad), orgSlugs(one.Abroad)) || !slices.Equal(p.Referrals, one.Referrals) {
				t.Errorf("%s: network %+v, country %+v", p.Country, p, one)
			}
			for _, o := range p.Organisations {
				if o.ContactEmail != "" {
					t.Errorf("%s: the members-only contact reached a visitor", o.Slug)
				}
			}
		}
		if want := []string{"DE", "FR", "NL", "RO"}; !slices.Equal(countries, want) {
			t.Errorf("countries %v, want %v", countries, want)
		}
	})
}

func TestPathwayOverview(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		seedPathways(t, store)
		author := &models.User{Email: "moderator@example.org", Name: "Mo", Role: models.RoleModerator, Status: models.UserActive}
		if err := store.CreateUser(t.Context(), author); err != nil {
			t.Fatal(err)
		}
		// A national note puts a country without members on the overview.
		n := &models.NationalNote{Country: "PL", Language: "pl", BodyMD: "x", BodyHTML: "<p>x</p>"}
		if err := store.SaveNationalNote(t.Context(), n, author, models.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		got, err := store.PathwayOverview(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		byCountry := map[string]models.CountryCoverage{}
		var codes []string
		for _, cc := range got {
			byCountry[cc.Country] = cc
			codes = append(codes, cc.Country)
		}
		if want := []string{"DE", "FR", "NL", "PL", "RO"}; !slices.Equal(codes, want) {
			t.Fatalf("countries %v, want %v", codes, want)
		}
		nl := byCountry["NL"]
		if nl.Organisations != 2 || nl.Referrals != 3 || nl.Stages["signal"] != 1 || nl.Stages["legal-aid-compensation"] != 0 || nl.Stages["referral"] != 0 {
			t.Errorf("NL: %+v", nl)
		}
		if got, want := nl.Gaps(), []string{"referral", "legal-aid-compensation", "inclusion-return"}; !slices.Equal(got, want) {
			t.Errorf("NL gaps %v, want %v", got, want)
		}
		if de := byCountry["DE"]; de.Referrals != 1 || de.Organisations != 1 {
			t.Errorf("DE: %+v", de)
		}
		if pl := byCountry["PL"]; pl.Organisations != 0 || len(pl.Gaps()) != 7 || !slices.Equal(pl.Notes, []string{"pl"}) {
			t.Errorf("PL: %+v", pl)
		}
	})
}

func TestNationalNotes(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		mo := &models.User{Email: "mo@example.org", Name: "Mo Derator", Role: models.RoleModerator, Status: models.UserActive}
		ad := &models.User{Email: "ad@example.org", Role: models.RoleAdmin, Status: models.UserActive}
		for _, u := range []*models.User{mo, ad} {
			if err := store.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		audit := func(u *models.User) models.AuditEntry {
			return models.AuditEntry{ActorID: &u.ID, ActorEmail: u.Email, IP: "192.0.2.1"}
		}
		seq := lastOutboxID(t, store)
		first := &models.NationalNote{Country: "RO", Language: "ro", IdentifiedBy: "Poliția", BodyMD: "**Unu**", BodyHTML: "<p><strong>Unu</strong></p>"}
		if err := store.SaveNationalNote(ctx, first, mo, audit(mo)); err != nil {
			t.Fatalf("creating: %v", err)
		}
		if first.Version != 1 || first.ID == 0 || first.UpdatedByName != "Mo Derator" {
			t.Errorf("created %+v", first)
		}
		seq = wantOneOutboxEntry(t, store, seq, models.KindNationalNote, first.ID)

		// The same country and language again, as new: a conflict, nothing written.
		again := &models.NationalNote{Country: "RO", Language: "ro", BodyMD: "other", BodyHTML: "<p>other</p>"}
		if err := store.SaveNationalNote(ctx, again, ad, audit(ad)); !errors.Is(err, models.ErrConflict) {
			t.Errorf("creating twice: %v, want ErrConflict", err)
		}
		// The next version, by the administrator (no name: no byline name, never the e-mail address).
		second := &models.NationalNote{Country: "RO", Language: "ro", BodyMD: "Doi", BodyHTML: "<p>Doi</p>", Version: 1}
		if err := store.SaveNationalNote(ctx, second, ad, audit(ad)); err != nil {
			t.Fatalf("updating: %v", err)
		}
		if second.Version != 2 || second.ID != first.ID || second.UpdatedByName != "" {
			t.Errorf("updated %+v", second)
		}
		seq = wantOneOutboxEntry(t, store, seq, models.KindNationalNote, first.ID)
		// A save that started from version 1 meets version 2: refused, nothing written.
		stale := &models.NationalNote{Country: "RO", Language: "ro", BodyMD: "Trei", BodyHTML: "<p>Trei</p>", Version: 1}
		if err := store.SaveNationalNote(ctx, stale, mo, audit(mo)); !errors.Is(err, models.ErrConflict) {
			t.Errorf("stale save: %v, want ErrConflict", err)
		}
		if got := lastOutboxID(t, store); got != seq {
			t.Errorf("a refused save wrote the outbox (%d, want %d)", got, seq)
		}
		current, err := store.NationalNote(ctx, "RO", "ro")
		if err != nil || current.BodyMD != "Doi" || current.Version != 2 || current.IdentifiedBy != "" {
			t.Errorf("current %+v, %v", current, err)
		}
		revs, err := store.NationalNoteRevisions(ctx, first.ID, 10)
		if err != nil || len(revs) != 2 || revs[0].Version != 2 || revs[0].AuthorName != "" ||
			revs[1].Version != 1 || revs[1].AuthorName != "Mo Derator" || revs[1].BodyMD != "**Unu**" {
			t.Errorf("revisions %+v, %v", revs, err)
		}
		entries, _, err := store.ListAudit(ctx, models.AuditFilter{Action: models.AuditNationalNoteSaved})
		if err != nil || len(entries) != 2 || entries[0].Detail != "RO/ro v2" || entries[0].IP != "192.0.2.1" || entries[0].ActorEmail != ad.Email {
			t.Errorf("audit %+v, %v", entries, err)
		}

		// A second language, then the list of the country.
		en := &models.NationalNote{Country: "RO", Language: "en", BodyMD: "Two", BodyHTML: "<p>Two</p>"}
		if err := store.SaveNationalNote(ctx, en, mo, audit(mo)); err != nil {
			t.Fatal(err)
		}
		list, err := store.NationalNotes(ctx, "RO")
		if err != nil || len(list) != 2 || list[0].Language != "en" || list[1].Language != "ro" {
			t.Errorf("NationalNotes(RO) = %+v, %v", list, err)
		}

		// Deleting: only the version one has seen.
		seq = lastOutboxID(t, store)
		if err := store.DeleteNationalNote(ctx, "RO", "ro", 1, audit(mo)); !errors.Is(err, models.ErrConflict) {
			t.Errorf("deleting a stale version: %v, want ErrConflict", err)
		}
		if err := store.DeleteNationalNote(ctx, "RO", "ro", 2, audit(mo)); err != nil {
			t.Fatalf("deleting: %v", err)
		}
		entriesAfter, err := store.OutboxAfter(ctx, seq, 10)
		if err != nil || len(entriesAfter) != 1 || entriesAfter[0].Op != models.OpDelete || entriesAfter[0].EntityID != first.ID {
			t.Errorf("outbox after deleting: %+v, %v", entriesAfter, err)
		}
		if _, err := store.NationalNote(ctx, "RO", "ro"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("after deleting: %v, want ErrNotFound", err)
		}
		if err := store.DeleteNationalNote(ctx, "RO", "ro", 2, audit(mo)); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("deleting twice: %v, want ErrNotFound", err)
		}
		// Updating a note deleted meanwhile.
		if err := store.SaveNationalNote(ctx, stale, mo, audit(mo)); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("updating a deleted note: %v, want ErrNotFound", err)
		}
		// An account deleted later leaves the note and its author's name.
		if err := store.DB().Delete(&models.User{}, mo.ID).Error; err != nil {
			t.Fatal(err)
		}
		kept, err := store.NationalNote(ctx, "RO", "en")
		if err != nil || kept.UpdatedBy != nil || kept.UpdatedByName != "Mo Derator" {
			t.Errorf("after the author's account went: %+v, %v", kept, err)
		}
	})
}

func TestImportNationalNote(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for i, body := range []string{"one", "two"} {
			n := &models.NationalNote{Country: "IT", Language: "it", BodyMD: body, BodyHTML: "<p>" + body + "</p>", UpdatedByName: "Secretariat", UpdatedAt: day}
			if err := store.ImportNationalNote(ctx, n); err != nil {
				t.Fatal(err)
			}
			if n.Version != i+1 {
				t.Errorf("import %d: version %d", i+1, n.Version)
			}
		}
		all, err := store.AllNationalNotes(ctx)
		if err != nil || len(all) != 1 || all[0].BodyMD != "two" || !all[0].UpdatedAt.Equal(day) || all[0].UpdatedByName != "Secretariat" {
			t.Errorf("AllNationalNotes = %+v, %v", all, err)
		}
	})
}

func TestPracticeCoverage(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		seedCorpus(t, store)
		// gamma (public, DE, sectors C) and delta (members, AT, sector A) carry indicators.
		for slug, indicators := range map[string][]string{"gamma": {"deception", "debt-bondage"}, "delta": {"deception"}} {
			p, err := store.PracticeByID(t.Context(), idOf(t, store, slug))
			if err != nil {
				t.Fatal(err)
			}
			p.Indicators = indicators
			if err := store.SavePractice(t.Context(), p); err != nil {
				t.Fatal(err)
			}
		}
		cell := func(list []models.CoverageCount) map[[2]string]int64 {
			out := map[[2]string]int64{}
			for _, c := range list {
				out[[2]string{c.Row, c.Col}] = c.Count
			}
			return out
		}
		cases := []struct {
			name       string
			rows, cols models.Vocabulary
			v          models.Viewer
			want       map[[2]string]int64
		}{
			{"countries × topics, visitor", models.Countries(), models.Topics(), anonymous, map[[2]string]int64{
				{"FR", "outreach"}: 1, {"FR", "referral"}: 1, {"EU", "outreach"}: 1, {"DE", "outreach"}: 1, {"DE", "referral"}: 1}},
			{"countries × topics, member", models.Countries(), models.Topics(), member, map[[2]string]int64{
				{"FR", "outreach"}: 1, {"FR", "referral"}: 1, {"EU", "outreach"}: 1, {"DE", "outreach"}: 1, {"DE", "referral"}: 1,
				{"AT", "outreach"}: 1}},
			{"sectors × indicators, visitor", models.Sectors(), models.Indicators(), anonymous, map[[2]string]int64{
				{"C", "deception"}: 1, {"C", "debt-bondage"}: 1}},
			{"sectors × indicators, member", models.Sectors(), models.Indicators(), member, map[[2]string]int64{
				{"C", "deception"}: 1, {"C", "debt-bondage"}: 1, {"A", "deception"}: 1}},
		}
		for _, c := range cases {
			got, err := store.PracticeCoverage(t.Context(), c.v, c.rows, c.cols)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if g := cell(got); !maps.Equal(g, c.want) {
				t.Errorf("%s: %v, want %v", c.name, g, c.want)
			}
		}
		for _, bad := range [][2]models.Vocabulary{{models.Topics(), models.Topics()}, {models.Languages(), models.Topics()},
			{models.Vocabulary{}, models.Topics()}} {
			if _, err := store.PracticeCoverage(t.Context(), member, bad[0], bad[1]); err == nil {
				t.Errorf("PracticeCoverage(%s × %s) was accepted", bad[0].Name(), bad[1].Name())
			}
		}
		// The list a cell links to: sector C and the indicator debt bondage.
		list, _, err := store.ListPractices(t.Context(), anonymous, models.PracticeFilter{Sector: "C", Indicator: "debt-bondage"})
		if err != nil || !slices.Equal(practiceSlugs(list), []string{"gamma"}) {
			t.Errorf("ListPractices(C, debt-bondage) = %v, %v", practiceSlugs(list), err)
		}
		list, _, err = store.ListPractices(t.Context(), anonymous, models.PracticeFilter{Indicator: "not-an-indicator"})
		if err != nil || len(list) != 3 {
			t.Errorf("an unknown indicator should not filter: %v, %v", practiceSlugs(list), err)
		}
	})
}

// idOf returns the id of the practice with slug.
func idOf(t *testing.T, store *models.Store, slug string) uint {
	t.Helper()
	all, err := store.AllPractices(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if p.Slug == slug {
			return p.ID
		}
	}
	t.Fatalf("no practice %q", slug)
	return 0
}
