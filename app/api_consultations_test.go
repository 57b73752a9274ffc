package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"proact/models"
)

// apiContract checks requests and responses against the OpenAPI document.
type apiContract struct {
	t      *testing.T
	router routers.Router
}

func newAPIContract(t *testing.T, ta *testApp) *apiContract {
	t.Helper()
	_, spec := ta.get(t, "/api/openapi.json")
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://portal.test/api/v1"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiContract{t: t, router: router}
}

// check validates one exchange: the request as sent, the response as received.
func (ac *apiContract) check(method, path, token, key, reqBody string, res *http.Response, body string) {
	ac.t.Helper()
	req, _ := http.NewRequest(method, "http://portal.test"+path, strings.NewReader(reqBody))
	if reqBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	route, params, err := ac.router.FindRoute(req)
	if err != nil {
		ac.t.Fatalf("%s %s: no route in the document: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && res.StatusCode < 400 {
		ac.t.Errorf("%s %s: the request does not match the document: %v", method, path, err)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader([]byte(body))), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		ac.t.Errorf("%s %s → %d: the response does not match the document: %v\n%s", method, path, res.StatusCode, err, body)
	}
}

func TestConsultationAPI(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ta, clk := consultationApp(t, models.SQLite, now)
	ta.loadDemoConsultations(t, now)
	ac := newAPIContract(t, ta)
	ctx := context.Background()
	c, _ := ta.store.ConsultationBySlug(ctx, models.Viewer{}, openSlug)
	q := c.Answerable()
	admin := ta.createUser(t, "eva@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", true)
	member := ta.createUser(t, "piotr@rlrc.example.org", models.RoleMember, "rotterdam-labour-rights-centre", false)
	tokAdmin, tokMember := ta.token(t, admin), ta.token(t, member)
	path := "/api/v1/consultations/" + openSlug + "/responses"

	get := func(p string) map[string]any {
		t.Helper()
		res, body := ta.get(t, p)
		ac.check(http.MethodGet, p, "", "", "", res, body)
		var out map[string]any
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("GET %s: %d %s", p, res.StatusCode, body)
		}
		return out
	}
	list := get("/api/v1/consultations")
	if meta := list["meta"].(map[string]any); meta["total"].(float64) != 2 {
		t.Errorf("list: %v", list)
	}
	if open := get("/api/v1/consultations?state=open"); len(open["data"].([]any)) != 1 {
		t.Errorf("state=open: %v", open)
	}
	detail := get("/api/v1/consultations/" + openSlug)
	if qs := detail["questions"].([]any); len(qs) != len(q) {
		t.Errorf("%d questions in the API, want %d", len(qs), len(q))
	}
	res, body := ta.get(t, "/api/v1/consultations/no-such-consultation")
	ac.check(http.MethodGet, "/api/v1/consultations/no-such-consultation", "", "", "", res, body)

	full := func(text string, submit bool) string {
		return fmt.Sprintf(`{"answers": {"%d": %q, "%d": [%q, %q], "%d": 4, "%d": "yes", "%d": %q}, "publication": "anonymous", "language": "fr", "submit": %v}`,
			q[0].ID, q[0].Options[2].Value, q[1].ID, q[1].Options[0].Value, q[1].Options[3].Value, q[2].ID, q[3].ID, q[4].ID, text, submit)
	}
	var first apiResponseResult
	for _, tc := range []struct {
		name, token, key, body string
		status                 int
		code                   string
	}{
		{"no token", "", "k0", full("x", false), http.StatusUnauthorized, "unauthorized"},
		{"not JSON", tokMember, "k1", `{"answers": `, http.StatusBadRequest, "bad_request"},
		{"null instead of an object", tokMember, "k1n", `null`, http.StatusBadRequest, "bad_request"},
		{"a list instead of an object", tokMember, "k1l", `[{"answers": {}}]`, http.StatusBadRequest, "bad_request"},
		{"trailing data after the object", tokMember, "k1t", full("x", false) + ` {"submit": true}`, http.StatusBadRequest, "trailing_data"},
		{"trailing garbage after the object", tokMember, "k1g", full("x", false) + `garbage`, http.StatusBadRequest, "trailing_data"},
		{"invalid UTF-8 in a string", tokMember, "k1u", strings.Replace(full("cafe", false), "cafe", "caf\xff\xfe", 1), http.StatusBadRequest, "bad_utf8"},
		{"a draft by a member", tokMember, "k2", full("Draft by Piotr", false), http.StatusCreated, ""},
		{"the same draft again", tokMember, "k2", full("Draft by Piotr", false), http.StatusOK, ""},
		{"the key with another body", tokMember, "k2", full("Something else", false), http.StatusUnprocessableEntity, "idempotency_key_reused"},
		{"a member submits", tokMember, "k3", full("Draft by Piotr", true), http.StatusForbidden, "forbidden"},
		{"every kind of wrong answer", tokAdmin, "k4", fmt.Sprintf(`{"answers": {"%d": "no-such-choice", "%d": "not-a-list", "%d": 9, "%d": "maybe", "99999": "x"}, "publication": "everywhere", "submit": true}`,
			q[0].ID, q[1].ID, q[2].ID, q[3].ID), http.StatusUnprocessableEntity, "invalid"},
		{"the admin submits", tokAdmin, "k5", full("Submitted by Eva", true), http.StatusCreated, ""},
		{"a retry of it", tokAdmin, "k5", full("Submitted by Eva", true), http.StatusOK, ""},
		{"a draft after the submission", tokMember, "k6", full("Too quick", false), http.StatusConflict, "conflict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := ta.apiPost(t, tc.token, path, tc.key, tc.body)
			ac.check(http.MethodPost, path, tc.token, tc.key, tc.body, res, body)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if tc.code != "" && !strings.Contains(body, `"code":"`+tc.code+`"`) {
				t.Errorf("code: %s, want %s", body, tc.code)
			}
			if res.StatusCode < 300 {
				var r apiResponseResult
				_ = json.Unmarshal([]byte(body), &r)
				if first.Reference == "" {
					first = r
				}
				if r.Reference != first.Reference || !strings.HasPrefix(r.Reference, "PRO-") {
					t.Errorf("reference %q, want %q", r.Reference, first.Reference)
				}
			}
			if tc.name == "every kind of wrong answer" {
				var e apiErrorDetail
				_ = json.Unmarshal([]byte(body), &e)
				for _, id := range []uint{q[0].ID, q[1].ID, q[2].ID, q[3].ID, q[4].ID} {
					if e.Error.Questions[itoa(id)] == "" {
						t.Errorf("question %d is not named: %v", id, e.Error.Questions)
					}
				}
				if e.Error.Questions["99999"] == "" || e.Error.Questions["publication"] == "" {
					t.Errorf("the unknown question and the publication are not named: %v", e.Error.Questions)
				}
			}
		})
	}
	orgA, _ := ta.store.AnyOrganisationBySlug(ctx, "rotterdam-labour-rights-centre")
	r, _ := ta.store.ResponseOf(ctx, c.ID, orgA.ID)
	subs, _ := ta.store.Submissions(ctx, r.ID)
	if len(subs) != 1 || subs[0].Answers[q[4].ID].Text != "Submitted by Eva" || subs[0].Publication != models.PublishAnonymous {
		t.Errorf("stored: %+v", subs)
	}
	// After the closing time: 403, and nothing changes.
	clk.Set(c.ClosesAt)
	body403 := full("After the deadline", true)
	res, body = ta.apiPost(t, tokAdmin, path, "k7", body403)
	ac.check(http.MethodPost, path, tokAdmin, "k7", body403, res, body)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `"code":"closed"`) {
		t.Errorf("after closing: %d %s", res.StatusCode, body)
	}
	if subs, _ := ta.store.Submissions(ctx, r.ID); len(subs) != 2 || subs[1].Kind != models.SubmissionLate {
		t.Errorf("after closing: %+v", subs)
	}
}
