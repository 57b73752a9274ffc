package models_test

import (
	"slices"
	"testing"

	"proact/models"
	"proact/models/modelstest"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Iași": "iasi", "IAȘI": "iasi", "Łódź": "lodz", "Straße": "strasse", "Ærøskøbing": "aeroskobing",
		"Cluj-Napoca": "cluj-napoca", "Zürich": "zurich", "Ελλάδα": "ελλαδα", "100%_x": "100%_x",
	} {
		if got := models.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDirectoryIgnoresAccents: "Iasi" finds "Iași" and "LODZ" "Łódź", after
// a save, a profile edit and for rows written before the column existed.
func TestDirectoryIgnoresAccents(t *testing.T) {
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		for _, o := range []*models.Organisation{
			{Slug: "iasi", Name: "Centrul de Sprijin", City: "Iași", Country: "RO", Type: "ngo", Status: models.OrgApproved},
			{Slug: "lodz", Name: "Fundacja Łódź", City: "Łódź", Country: "PL", Type: "ngo", Status: models.OrgApproved},
			{Slug: "koln", Name: "Beratungsstelle", City: "Köln", Country: "DE", Type: "ngo", Status: models.OrgApproved},
		} {
			if err := store.SaveOrganisation(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		find := func(q string) []string {
			t.Helper()
			list, _, err := store.ListOrganisations(ctx, models.OrganisationFilter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range list {
				out = append(out, o.Slug)
			}
			return out
		}
		for q, want := range map[string][]string{
			"Iasi": {"iasi"}, "IAȘI": {"iasi"}, "iași": {"iasi"}, "lodz": {"lodz"}, "FUNDACJA LODZ": {"lodz"},
			"koln": {"koln"}, "KÖLN": {"koln"}, "sprijin": {"iasi"}, "%": nil, "_": nil,
		} {
			if got := find(q); !slices.Equal(got, want) {
				t.Errorf("%q finds %v, want %v", q, got, want)
			}
		}
		// A profile edit keeps the folded text in step.
		koln, err := store.OrganisationBySlug(ctx, "koln")
		if err != nil {
			t.Fatal(err)
		}
		koln.City = "Düsseldorf"
		if err := store.UpdateOrganisationProfile(ctx, koln); err != nil {
			t.Fatal(err)
		}
		if got := find("dusseldorf"); !slices.Equal(got, []string{"koln"}) {
			t.Errorf("after the edit: %v", got)
		}
		if got := find("koln"); got != nil {
			t.Errorf("the old city still found: %v", got)
		}
		// Rows from before the column are folded when migrating.
		db := store.DB()
		if err := db.Exec("UPDATE organisations SET search_text = ''").Error; err != nil {
			t.Fatal(err)
		}
		if err := models.FillSearchText(ctx, db); err != nil {
			t.Fatal(err)
		}
		if got := find("iasi"); !slices.Equal(got, []string{"iasi"}) {
			t.Errorf("after filling: %v", got)
		}
	})
}
