package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// consultationPayloads are the attack payloads of the consultation tests: a
// spread sample of the whole corpus by default (every file, every kind), all
// of them with PROACT_FULL_ATTACKS=1.
func consultationPayloads(t *testing.T) []string {
	all := modelstest.AttackPayloads(t)
	if modelstest.FullAttacks() {
		return all
	}
	var out []string
	for i := 0; i < len(all); i += 17 {
		out = append(out, all[i])
	}
	return out
}

// dangerous reports whether a payload would do harm if it came out unescaped.
func dangerous(p string) bool { return strings.ContainsAny(p, "<>\"'") }

// TestAttackPayloadsInConsultations puts every payload in every answer (and
// in a moderator's questions), then reads them where they are shown: the
// moderators' view of every response, the printable report, the results
// page and the CSV. Never a 500, never unescaped, stored as typed.
func TestAttackPayloadsInConsultations(t *testing.T) {
	t.Parallel()
	payloads := consultationPayloads(t)
	now := time.Now()
	ta, _ := consultationApp(t, models.SQLite, now)
	ta.loadDemoConsultations(t, now)
	ctx := context.Background()
	c, _ := ta.store.ConsultationBySlug(ctx, models.Viewer{}, openSlug)
	q := c.Answerable()
	moderator := ta.createUser(t, "moderator@proact.example.org", models.RoleModerator, "", false)
	mod := ta.client()
	mod.login(t, moderator)
	pages := map[string]string{
		"every response": "/admin/consultations/" + openSlug + "/responses",
		"moderator view": "/admin/consultations/" + openSlug,
		"report":         "/admin/consultations/" + openSlug + "/report",
		"results":        "/consultations/" + openSlug + "/results", // the moderators' preview: every named response
	}
	baselines := map[string]string{}
	for name, path := range pages {
		_, baselines[name] = mod.get(t, path)
	}

	// Answers through the API: three text answers per response, one
	// organisation each; choices and the publication get payloads too, and
	// are refused with the question named.
	stored := map[string]bool{} // payloads that were accepted
	for i := 0; i*3 < len(payloads); i++ {
		slug := fmt.Sprintf("attack-org-%d", i)
		org := &models.Organisation{Slug: slug, Name: fmt.Sprintf("Attack test %d", i), Country: "NL", Type: "ngo", Status: models.OrgApproved}
		if err := ta.store.SaveOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		u := ta.createUser(t, fmt.Sprintf("admin%d@attack.example.org", i), models.RoleMember, slug, true)
		tok := ta.token(t, u)
		texts := []string{payloads[i*3], payloads[min(i*3+1, len(payloads)-1)], payloads[min(i*3+2, len(payloads)-1)]}
		answers := map[string]any{itoa(q[0].ID): q[0].Options[0].Value, itoa(q[1].ID): []string{q[1].Options[0].Value},
			itoa(q[2].ID): 3, itoa(q[3].ID): "yes", itoa(q[4].ID): texts[0], itoa(q[5].ID): texts[1], itoa(q[6].ID): texts[2]}
		body, _ := json.Marshal(map[string]any{"answers": answers, "publication": "named", "language": "en", "submit": true})
		res, out := ta.apiPost(t, tok, "/api/v1/consultations/"+openSlug+"/responses", fmt.Sprintf("attack-%d", i), string(body))
		switch res.StatusCode {
		case http.StatusCreated:
			for _, p := range texts {
				stored[p] = true
			}
		case http.StatusUnprocessableEntity, http.StatusBadRequest:
			// Control characters, or a short answer that is too long: named, not stored.
			if !strings.Contains(out, `"code"`) {
				t.Errorf("payloads %.40q: %d without a JSON error: %s", texts, res.StatusCode, out)
			}
		default:
			t.Errorf("payloads %.40q: status %d %s", texts, res.StatusCode, out)
		}
		// A payload as a choice, a number, the publication and the language.
		bad, _ := json.Marshal(map[string]any{"answers": map[string]any{itoa(q[0].ID): texts[0], itoa(q[1].ID): []string{texts[1]}, itoa(q[2].ID): texts[2]},
			"publication": texts[0], "language": texts[1], "submit": false})
		if res, out := ta.apiPost(t, tok, "/api/v1/consultations/"+openSlug+"/responses", "", string(bad)); res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusConflict {
			t.Errorf("payload %.40q as a choice: %d %s", texts[0], res.StatusCode, out)
		}
	}
	if len(stored) < len(payloads)/2 {
		t.Fatalf("only %d of %d payloads were accepted as answers", len(stored), len(payloads))
	}
	// What was accepted is stored exactly as typed.
	counted, err := ta.store.SubmittedResponses(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range counted {
		for _, id := range []uint{q[4].ID, q[5].ID, q[6].ID} {
			if text := r.Answers[id].Text; text != "" && !stored[text] {
				t.Errorf("stored %.60q, which was never sent", text)
			}
		}
	}

	// Through the web form too, with the payload in every field of a page.
	member := ta.createUser(t, "member@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	web := ta.client()
	web.login(t, member)
	for _, p := range payloads[:min(len(payloads), 25)] {
		for page := 1; page <= len(pagesOf(c)); page++ {
			f := url.Values{"page": {fmt.Sprint(page)}, "go": {"save"}, "version": {"0"}, "publication": {p}, "language": {p}}
			for _, qq := range pagesOf(c)[page-1].Questions {
				f.Set(answerField(qq.ID), p)
			}
			res, body := busy(web).post(t, "/consultations/"+openSlug+"/response", "/consultations/"+openSlug+"/response", f)
			if res.StatusCode >= 500 {
				t.Fatalf("payload %.60q through the form: %d", p, res.StatusCode)
			}
			if dangerous(p) && strings.Contains(body, p) {
				t.Errorf("payload %.60q is echoed unescaped by the form", p)
			}
		}
	}

	// Where the answers are shown.
	for name, path := range pages {
		res, body := mod.get(t, path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", name, res.StatusCode)
		}
		for p := range stored {
			if dangerous(p) && strings.Contains(body, p) && !strings.Contains(baselines[name], p) {
				t.Errorf("%s shows payload %.60q unescaped", name, p)
			}
		}
	}
	_, all := mod.get(t, pages["every response"])
	shown := 0
	for p := range stored {
		if strings.Contains(all, htmlEscape(p)) {
			shown++
		}
	}
	if shown < len(stored)*9/10 {
		t.Errorf("only %d of %d stored payloads are shown (escaped) to moderators", shown, len(stored))
	}
	_, raw := mod.get(t, "/admin/consultations/"+openSlug+"/responses.csv")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV with payloads does not parse: %v", err)
	}
	inCSV := map[string]bool{}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell %.60q would run as a formula", cell)
			}
			inCSV[cell] = true
		}
	}
	for p := range stored {
		if !inCSV[p] && !inCSV["'"+p] {
			t.Errorf("payload %.60q is not in the CSV as typed", p)
		}
	}
}

// TestAttackPayloadsInTheBuilder puts payloads in everything a moderator
// types: the consultation's details and its questions, then opens the pages
// that show them.
func TestAttackPayloadsInTheBuilder(t *testing.T) {
	t.Parallel()
	payloads := consultationPayloads(t)
	now := time.Now()
	ta, _ := consultationApp(t, models.SQLite, now)
	moderator := ta.createUser(t, "moderator@proact.example.org", models.RoleModerator, "", false)
	mod := ta.client()
	mod.login(t, moderator)
	for i, p := range payloads[:min(len(payloads), 30)] {
		res, body := busy(mod).post(t, "/admin/consultations/new", "/admin/consultations/new", url.Values{
			"title": {p}, "description": {p}, "initiative_url": {p}, "languages": {"en", p},
			"opens_at": {"2026-01-01T12:00"}, "closes_at": {p},
		})
		if res.StatusCode >= 500 || (dangerous(p) && strings.Contains(body, p)) {
			t.Fatalf("payload %.60q in the details: %d, echoed %v", p, res.StatusCode, strings.Contains(body, p))
		}
		res, body = busy(mod).post(t, "/admin/consultations/new", "/admin/consultations/new", url.Values{
			"title": {p}, "description": {p}, "languages": {"en"},
			"opens_at": {"2026-01-01T12:00"}, "closes_at": {"2026-12-31T12:00"},
		})
		if res.StatusCode == http.StatusUnprocessableEntity {
			continue // a title with control characters: refused with a message
		}
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("payload %.60q as a title: %d\n%s", p, res.StatusCode, body)
		}
		builder := res.Header.Get("Location")
		for _, typ := range []string{"single_choice", "scale", "section"} {
			res, body := busy(mod).post(t, builder, builder, url.Values{"type": {typ}, "title": {p}, "help": {p},
				"options": {p + "\nSecond " + p}, "scale_low": {p}, "scale_high": {p}, "min_choices": {p}, "max_length": {p}})
			if res.StatusCode >= 500 || (dangerous(p) && strings.Contains(body, p)) {
				t.Fatalf("payload %.60q in a %s question: %d", p, typ, res.StatusCode)
			}
		}
		slug := strings.TrimSuffix(strings.TrimPrefix(builder, "/admin/consultations/"), "/questions")
		busy(mod).post(t, "/admin/consultations/"+slug, "/admin/consultations/"+slug+"/publish", nil)
		for _, path := range []string{builder, "/admin/consultations/" + slug, "/admin/consultations/" + slug + "/preview",
			"/consultations/" + slug, "/consultations", "/api/v1/consultations/" + slug} {
			res, body := busy(mod).get(t, path)
			if res.StatusCode != http.StatusOK {
				t.Errorf("payload %d: %s: %d", i, path, res.StatusCode)
			}
			if dangerous(p) && strings.Contains(body, p) && !strings.HasPrefix(path, "/api/") {
				t.Errorf("payload %.60q is unescaped on %s", p, path)
			}
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}
