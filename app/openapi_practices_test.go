package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"proact/models"
)

// The contract test reads note files as text (kin-openapi decodes JSON and
// forms only). Registered before any test runs: the registry is global.
func init() {
	openapi3filter.RegisterBodyDecoder("text/markdown", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		data, err := io.ReadAll(body)
		return string(data), err
	})
}

// TestAPICreatePracticeMatchesTheOpenAPIDocument: POST /api/v1/practices,
// its successes and its errors, checked against the served document.
func TestAPICreatePracticeMatchesTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, trustAll)
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
	member := ta.createUser(t, "api-contract@rlrc.example.org", models.RoleMember, demoOrg, false)
	if _, err := ta.store.CreateAPIToken(t.Context(), member.ID, "contract", "contract-token-0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	suspended := ta.createUser(t, "api-suspended@iasi.example.org", models.RoleMember, "iasi-migration-work-centre", false)
	if _, err := ta.store.CreateAPIToken(t.Context(), suspended.ID, "contract", "suspended-token-0123456789abcd"); err != nil {
		t.Fatal(err)
	}
	org, _ := ta.store.AnyOrganisationBySlug(t.Context(), "iasi-migration-work-centre")
	if err := ta.store.SetOrganisationStatus(t.Context(), org.ID, models.OrgSuspended, "test"); err != nil {
		t.Fatal(err)
	}
	good := "---\ntitle: Contract note\nlanguage: en\ncountries: [NL]\nvisibility: public\n---\nWrite to someone@example.org.\n"
	for i, tc := range []struct {
		name, token, ctype, body string
		status                   int
	}{
		{"created", "contract-token-0123456789abcdef", "text/markdown", good, 201},
		{"no token", "", "text/markdown", good, 401},
		{"bad token", "not-a-token", "text/markdown", good, 401},
		{"suspended organisation", "suspended-token-0123456789abcd", "text/markdown", good, 403},
		{"invalid", "contract-token-0123456789abcdef", "text/markdown", "---\ntitle: \"\"\n---\n", 422},
		{"no front matter", "contract-token-0123456789abcdef", "text/markdown", "Just text", 422},
		{"unknown field", "contract-token-0123456789abcdef", "text/markdown", "---\ntitle: x\nauthor: me\n---\n", 422},
		{"not markdown", "contract-token-0123456789abcdef", "text/plain", good, 415},
		{"invalid UTF-8", "contract-token-0123456789abcdef", "text/markdown", strings.Replace(good, "Contract note", "Contract \xff\xfe note", 1), 400},
		{"invalid UTF-8 in the text", "contract-token-0123456789abcdef", "text/markdown", strings.Replace(good, "Write to", "Write \xc3\x28 to", 1), 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/practices", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			req.Header.Set("X-Forwarded-For", "10.99.0."+string(rune('1'+i)))
			res, body := ta.do(t, req)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			vreq, _ := http.NewRequest(http.MethodPost, "http://portal.test/api/v1/practices", strings.NewReader(tc.body))
			vreq.Header = req.Header.Clone()
			route, params, err := router.FindRoute(vreq)
			if err != nil {
				t.Fatalf("no route in the document: %v", err)
			}
			in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if tc.status != 415 {
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Fatalf("request does not match the document: %v", err)
				}
			}
			out := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
				Body:    io.NopCloser(bytes.NewReader([]byte(body))),
				Options: &openapi3filter.Options{IncludeResponseStatus: true},
			}
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Fatalf("response does not match the document: %v\n%s", err, body)
			}
		})
	}
}
