package content_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"proact/content"
	"proact/models/modelstest"
)

// fuzzSeeds are note files built from every attack payload: as the body, as
// the title and as a value of a list in the front matter.
func fuzzSeeds(f *testing.F) []string {
	// Seeds when the shared corpora are there; the fuzz test runs without.
	files, _ := filepath.Glob(filepath.Join(modelstest.CorporaDir(), "attacks", "*.txt"))
	var out []string
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		for sc.Scan() {
			p := sc.Text()
			if strings.TrimSpace(p) == "" {
				continue
			}
			quoted, err := yaml.Marshal(p)
			if err != nil {
				continue
			}
			q := strings.TrimSuffix(string(quoted), "\n")
			out = append(out,
				"---\ntitle: Seed\nlanguage: en\ncountries: [RO]\nvisibility: public\n---\n"+p+"\n",
				"---\ntitle: "+q+"\nsummary: "+q+"\nlanguage: en\ncountries: [RO]\nvisibility: public\n---\nBody\n",
				"---\ntitle: Seed\nlanguage: en\ncountries: [RO, "+q+"]\ntopics: ["+q+"]\nvisibility: public\n---\nBody\n")
		}
		_ = fh.Close()
	}
	return out
}

// FuzzNoteFile: whatever a note file holds (front matter and Markdown),
// reading it never panics; a note that reads renders to safe HTML, writes
// back to the same note, and its personal-data findings point into its text.
func FuzzNoteFile(f *testing.F) {
	seeds := fuzzSeeds(f)
	if len(seeds) == 0 {
		f.Log("no attack corpus beside the repository: fuzzing from a few seeds only")
		seeds = []string{"---\ntitle: A\nlanguage: en\ncountries: [RO]\nvisibility: public\n---\n<script>alert(1)</script>\n"}
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	r := content.NewRenderer()
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := content.ParseNote("fuzz-note", data)
		if err != nil {
			return
		}
		out, err := r.RenderNote(n.Body, "fuzz-note", []string{"abc.png"})
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		if bad := unsafeHTML(out); len(bad) > 0 {
			t.Fatalf("unsafe HTML from %q:\n%s\n%v", n.Body, out, bad)
		}
		again, err := content.MarshalNote(n)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := content.ParseNote("fuzz-note", again)
		if err != nil {
			t.Fatalf("the written file does not read back: %v\n%s", err, again)
		}
		twice, err := content.MarshalNote(back)
		if err != nil || !bytes.Equal(twice, again) {
			t.Fatalf("writing the note again changed it (%v):\n%s\n%s", err, again, twice)
		}
		fields := []content.FieldText{{Name: "title", Text: n.Title}, {Name: "summary", Text: n.Summary}, {Name: "body", Text: n.Body}}
		for _, found := range content.CheckPersonalData(fields...) {
			var text string
			for _, fl := range fields {
				if fl.Name == found.Field {
					text = fl.Text
				}
			}
			if found.Start < 0 || found.End > len(text) || found.Start >= found.End || text[found.Start:found.End] != found.Text {
				t.Fatalf("finding %+v does not point into its field", found)
			}
			content.Excerpt(text, found.Start, found.End, 40)
		}
	})
}
