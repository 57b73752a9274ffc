package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"proact/models"
)

// TestAPIResponsesMatchTheOpenAPIDocument checks real responses, including
// errors, against the document served at /api/openapi.json.
func TestAPIResponsesMatchTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	res, spec := ta.get(t, "/api/openapi.json")
	if res.StatusCode != http.StatusOK || !json.Valid([]byte(spec)) {
		t.Fatalf("openapi.json: %d", res.StatusCode)
	}
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
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/api/v1/practices", 200},
		{"/api/v1/practices?country=NL&per_page=5&page=1&sort=title", 200},
		{"/api/v1/practices?language=zz&page=999", 200},
		{"/api/v1/practices/proactive-outreach-seasonal-farm-workers", 200},
		{"/api/v1/practices/no-such-note", 404},
		// [search]
		{"/api/v1/search?q=debt+bondage", 200},
		{"/api/v1/search?q=seasonal+workers&kind=practice&country=NL&country=RO&sort=date&per_page=5&expand=off", 200},
		{"/api/v1/search?q=strawbery", 200},
		{"/api/v1/search?q=zqxnowhere+debt+bondage", 200},
		{"/api/v1/search?q=%22%3Cscript%3E%22+-x+OR&lang=zz&page=999", 200},
		{"/api/v1/search/suggest?q=seas", 200},
		// [search-end]
	} {
		t.Run(tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "http://portal.test"+tc.path, nil)
			res, body := ta.get(t, tc.path)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no route in the document: %v", err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Fatalf("request does not match the document: %v", err)
			}
			out := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
				Body:    io.NopCloser(bytes.NewReader([]byte(body))),
				Options: &openapi3filter.Options{IncludeResponseStatus: true},
			}
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Fatalf("response does not match the document: %v", err)
			}
		})
	}
}
