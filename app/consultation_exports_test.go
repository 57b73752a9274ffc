package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

func TestCSVCellsCannotBeFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://evil\")": "'=HYPERLINK(\"http://evil\")",
		"+31 6 1234":                  "'+31 6 1234",
		"-2+3":                        "'-2+3",
		"@SUM(A1)":                    "'@SUM(A1)",
		"\tcmd":                       "'\tcmd",
		"\rcmd":                       "'\rcmd",
		"Plain text":                  "Plain text",
		"":                            "",
		"a=b":                         "a=b",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResponsesExports(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ta, _ := consultationApp(t, models.SQLite, now)
	ta.loadDemoConsultations(t, now)
	ctx := context.Background()
	c, _ := ta.store.ConsultationBySlug(ctx, models.Viewer{}, openSlug)
	q := c.Answerable()
	texts := map[string]string{
		"rotterdam-labour-rights-centre": "=HYPERLINK(\"http://evil.example\",\"click\")",
		"brussels-mobile-workers-union":  "+Ελληνικά, Română ș ț, Polski żółć, Deutsch ß",
		"iasi-migration-work-centre":     "-1+2 and @SUM(A1)\ton a second field",
	}
	for slug, text := range texts {
		u := ta.createUser(t, "admin@"+slug+".example.org", models.RoleMember, slug, true)
		body := fmt.Sprintf(`{"answers": {"%d": %q, "%d": [%q], "%d": 2, "%d": "no", "%d": %q, "%d": %q}, "publication": "named", "language": "en", "submit": true}`,
			q[0].ID, q[0].Options[0].Value, q[1].ID, q[1].Options[1].Value, q[2].ID, q[3].ID, q[4].ID, text, q[6].ID, "@"+slug)
		if res, out := ta.apiPost(t, ta.token(t, u), "/api/v1/consultations/"+openSlug+"/responses", "", body); res.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d %s", slug, res.StatusCode, out)
		}
	}
	mod := ta.createUser(t, "moderator@proact.example.org", models.RoleModerator, "", false)
	cl := ta.client()
	cl.login(t, mod)

	res, raw := cl.get(t, "/admin/consultations/"+openSlug+"/responses.csv")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv; charset=utf-8") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	if !strings.HasPrefix(raw, "\uFEFF") {
		t.Fatal("the CSV has no byte-order mark: spreadsheets would misread the accents")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if len(rows) != 1+len(texts) || len(rows[0]) != 11+len(q) {
		t.Fatalf("%d rows of %d columns, want %d of %d", len(rows), len(rows[0]), 1+len(texts), 11+len(q))
	}
	long := 11 + 4 // the column of q[4]
	found := map[string]bool{}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("a cell a spreadsheet would run: %q", cell)
			}
		}
		found[strings.TrimPrefix(row[long], "'")] = true
		if !strings.HasPrefix(row[long], "'") {
			t.Errorf("the formula-like answer is not neutralised: %q", row[long])
		}
	}
	for _, text := range texts {
		if !found[text] {
			t.Errorf("the CSV lost the answer %q (exactly, after its apostrophe)", text)
		}
	}

	res, raw = cl.get(t, "/admin/consultations/"+openSlug+"/responses.json")
	var doc responsesExport
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(raw), &doc) != nil || len(doc.Responses) != len(texts) || len(doc.Questions) != len(q) {
		t.Fatalf("JSON export: %d %d responses", res.StatusCode, len(doc.Responses))
	}
	for _, r := range doc.Responses {
		if r.Answers[itoa(q[4].ID)] != texts[r.Organisation.Slug] || r.Reference == "" || r.Submission != 1 {
			t.Errorf("JSON export of %s: %+v", r.Organisation.Slug, r)
		}
	}
	// Exports are in the audit log.
	entries, _, _ := ta.store.ListAudit(ctx, models.AuditFilter{Action: models.AuditConsultationExported})
	if len(entries) != 2 {
		t.Errorf("%d exports in the audit log, want 2", len(entries))
	}
	// The printable report has every written answer with its organisation.
	_, report := cl.get(t, "/admin/consultations/"+openSlug+"/report")
	mustContain(t, "report", report, "Ελληνικά, Română ș ț", "<svg", "Rotterdam Labour Rights Centre (demo)")
}

// TestPublishedFiguresCountOnlyPublishedResponses: the results page's
// figures (the total, each question's "answered by", each bar) count the
// published responses only. Counting every response let a visitor subtract
// the published ones and learn what the unpublished ones said.
func TestPublishedFiguresCountOnlyPublishedResponses(t *testing.T) {
	t.Parallel()
	for _, d := range modelstest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t, d, nil)
			ctx := t.Context()
			ta.loadDemoConsultations(t, time.Now())
			m, err := ta.store.ConsultationBySlug(ctx, models.Viewer{}, closedSlug)
			if err != nil {
				t.Fatal(err)
			}
			counted, err := ta.store.SubmittedResponses(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			published, err := ta.store.PublishedResponses(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(published) == 0 || len(counted) <= len(published) {
				t.Fatalf("the demo needs published and unpublished responses: %d counted, %d published", len(counted), len(published))
			}
			res, body := ta.get(t, "/consultations/"+closedSlug+"/results")
			if res.StatusCode != 200 {
				t.Fatalf("results: %d", res.StatusCode)
			}
			all, pub := strconv.Itoa(len(counted)), strconv.Itoa(len(published))
			mustContain(t, "results", body, "The figures count the "+pub+" published responses.")
			mustNotContain(t, "results", body, all+" organisation(s) responded", "of "+all+" responses")
			// Every bar of every question sums to what the published responses chose.
			answers := make([]models.Answers, len(published))
			for i, p := range published {
				answers[i] = p.Answers
			}
			for _, st := range models.Tally(m.Questions, answers) {
				if st.Responses != len(published) {
					t.Fatalf("tally over %d", st.Responses)
				}
				mustContain(t, "results", body, fmt.Sprintf("Answered by %d of %d responses", st.Answered, len(published)))
			}
		})
	}
}
