package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"proact/models"
)

// apiRouter loads the served OpenAPI document and routes requests in it.
func apiRouter(t *testing.T, ta *testApp) routers.Router {
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
	return router
}

// checkAgainstDocument validates a real request and its response.
func checkAgainstDocument(t *testing.T, router routers.Router, path string, res *http.Response, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://portal.test"+path, nil)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s: no route in the document: %v", path, err)
	}
	// The token is checked by the portal; the document declares no security scheme.
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Fatalf("%s: request does not match the document: %v", path, err)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body:    io.NopCloser(bytes.NewReader([]byte(body))),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("%s: response does not match the document: %v", path, err)
	}
}

// TestAPIOrganisationsMatchTheDocument checks real responses of the
// organisations API against the OpenAPI document, anonymously and with a
// member's token: contact details only with the token.
func TestAPIOrganisationsMatchTheDocument(t *testing.T) {
	t.Parallel()
	modelstestForEach(t, func(t *testing.T, ta *testApp) {
		setContact(t, ta.store, rotterdam)
		member := ta.createUser(t, "api@iasi.example.org", models.RoleMember, iasi, false)
		if _, err := ta.store.CreateAPIToken(t.Context(), member.ID, "test", "member-secret-token-0123456789"); err != nil {
			t.Fatal(err)
		}
		router := apiRouter(t, ta)
		for _, tc := range []struct {
			path   string
			status int
			total  int
		}{
			{"/api/v1/organisations", 200, 25},
			{"/api/v1/organisations?country=IT&per_page=1&page=2", 200, 2},
			{"/api/v1/organisations?type=trade-union&service=advocacy&stage=signal&language=en", 200, 4},
			{"/api/v1/organisations?q=%25&country=zz&page=999", 200, 0},
			{"/api/v1/organisations/" + rotterdam, 200, -1},
			{"/api/v1/organisations/no-such-organisation", 404, -1},
		} {
			for _, token := range []string{"", "member-secret-token-0123456789"} {
				req := httptest.NewRequest(http.MethodGet, tc.path, nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, body := ta.do(t, req)
				if res.StatusCode != tc.status {
					t.Fatalf("%s (token %t): status %d, want %d: %s", tc.path, token != "", res.StatusCode, tc.status, body)
				}
				checkAgainstDocument(t, router, tc.path, res, body)
				if tc.status != 200 {
					continue
				}
				hasContact := strings.Contains(body, `"contact":`)
				if hasContact != (token != "" && tc.total != 0) {
					t.Errorf("%s (token %t): contact present %t", tc.path, token != "", hasContact)
				}
				if token == "" {
					mustNotContain(t, tc.path, body, "m.visser@rlrc.example.org", "Marieke")
				}
				if tc.total >= 0 {
					var list apiOrganisationList
					if err := json.Unmarshal([]byte(body), &list); err != nil {
						t.Fatal(err)
					}
					if list.Meta.Total != int64(tc.total) {
						t.Errorf("%s: total %d, want %d", tc.path, list.Meta.Total, tc.total)
					}
				}
			}
		}
		// A member's token sees the contact of the organisation itself.
		req := httptest.NewRequest(http.MethodGet, "/api/v1/organisations/"+rotterdam, nil)
		req.Header.Set("Authorization", "Bearer member-secret-token-0123456789")
		_, body := ta.do(t, req)
		var o apiOrganisation
		if err := json.Unmarshal([]byte(body), &o); err != nil {
			t.Fatal(err)
		}
		if o.Contact == nil || o.Contact.Email != "m.visser@rlrc.example.org" || !strings.Contains(o.DescriptionHTML, "<strong>") {
			t.Errorf("organisation for a member: %+v", o)
		}
		// A wrong token is refused, not treated as anonymous.
		req = httptest.NewRequest(http.MethodGet, "/api/v1/organisations", nil)
		req.Header.Set("Authorization", "Bearer not-a-token")
		if res, body := ta.do(t, req); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong token: %d", res.StatusCode)
		} else {
			checkAgainstDocument(t, router, "/api/v1/organisations", res, body)
		}
	})
}

func TestAPIOrganisationsHideSuspendedOnes(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	if err := ta.store.SetOrganisationStatus(t.Context(), orgBySlug(t, ta.store, vienna).ID, models.OrgSuspended, "x"); err != nil {
		t.Fatal(err)
	}
	_, body := ta.get(t, "/api/v1/organisations?per_page=100")
	mustContain(t, "list", body, `"total":24`)
	mustNotContain(t, "list", body, vienna)
	if res, _ := ta.get(t, "/api/v1/organisations/"+vienna); res.StatusCode != http.StatusNotFound {
		t.Errorf("a suspended organisation in the API: %d", res.StatusCode)
	}
}
