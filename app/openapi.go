package app

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/gofiber/fiber/v2"
	"gopkg.in/yaml.v3"
)

// openAPIYAML is the hand-written API description; the contract test checks
// real responses against it.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPIYAML returns the API description as written, for tests and tools.
func OpenAPIYAML() []byte { return openAPIYAML }

// openAPIJSON is the description as JSON, converted once per process (the
// tests build hundreds of portals; each converted it again, 25 ms under the
// race detector).
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("app: openapi.yaml: %w", err)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("app: openapi.yaml: %w", err)
	}
	return out, nil
})

// openAPI serves the API description as JSON.
func (h *handlers) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(h.openapi)
}
