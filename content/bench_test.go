package content_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"proact/content"
	"proact/models/modelstest"
)

// benchUDHRMarkdown reads udhr/LANG.txt and turns it into Markdown: the title
// line becomes "# ", the first line of every other block when it is a short
// heading ("Article 4", "ΑΡΘΡΟ 4", "Preamble") becomes "## ", and every other
// line is a paragraph. The result is deterministic.
func benchUDHRMarkdown(b *testing.B, lang string) string {
	b.Helper()
	// The Universal Declaration of Human Rights in the 24 EU languages (see
	// ../shared/corpora/README.md).
	files := modelstest.CorpusFiles(b, filepath.Join("udhr", lang+".txt"))
	data, err := os.ReadFile(files[0])
	if err != nil {
		b.Fatal(err)
	}
	var md strings.Builder
	blockStart, title := true, true
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			blockStart = true
			continue
		}
		switch {
		case title:
			md.WriteString("# " + line + "\n\n")
			title = false
		case blockStart && len(strings.Fields(line)) <= 3:
			md.WriteString("## " + line + "\n\n")
		default:
			md.WriteString(line + "\n\n")
		}
		blockStart = false
	}
	return md.String()
}

// BenchmarkRender renders the whole UDHR (title, preamble, 30 articles) as one
// Markdown document through goldmark and bluemonday.
func BenchmarkRender(b *testing.B) {
	r := content.NewRenderer()
	for _, lang := range []string{"en", "fr", "ro", "pl", "el", "bg"} {
		b.Run(lang, func(b *testing.B) {
			src := benchUDHRMarkdown(b, lang)
			if n := strings.Count(src, "\n## "); n < 30 {
				b.Fatalf("udhr/%s.txt gave %d headings, want at least 30 articles", lang, n)
			}
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := r.Render(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseNote parses one demo note file: front matter (YAML, strict
// fields), body, and validation against the vocabularies.
func BenchmarkParseNote(b *testing.B) {
	const slug = "proactive-outreach-seasonal-farm-workers"
	data, err := fs.ReadFile(content.Demo(), "practices/"+slug+".md")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := content.ParseNote(slug, data); err != nil {
		b.Fatalf("the demo note does not parse: %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := content.ParseNote(slug, data); err != nil {
			b.Fatal(err)
		}
	}
}
