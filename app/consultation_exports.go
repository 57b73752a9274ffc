package app

import (
	"bytes"
	"encoding/csv"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/models"
)

// Exports of a consultation's responses for moderators: a CSV file that
// spreadsheets open in every EU language (UTF-8 with a byte-order mark) and
// cannot be made to run formulas, and the same as JSON. Each export is in
// the audit log.

// csvCell neutralises text a spreadsheet would read as a formula (or as a
// command, after a tab or a carriage return), by putting an apostrophe first.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportResponses answers /admin/consultations/{slug}/responses.csv and
// responses.json: one row (or object) per counted response.
func (h *handlers) exportResponses(c *fiber.Ctx) error {
	m, err := h.staffConsultation(c)
	if err != nil {
		return err
	}
	counted, err := h.store.SubmittedResponses(c.UserContext(), m.ID)
	if err != nil {
		return err
	}
	format := strings.TrimPrefix(path.Ext(c.Path()), ".")
	if err := h.store.Audit(c.UserContext(), consultationExportAudit(c, m, format)); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+m.Slug+`-responses.`+format+`"`)
	if format == "json" {
		return c.JSON(h.jsonExport(m, counted))
	}
	body, err := h.csvExport(c, m, counted)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	return c.Send(body)
}

func (h *handlers) csvExport(c *fiber.Ctx, m *models.Consultation, counted []models.SubmittedResponse) ([]byte, error) {
	loc := localizer(c)
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	header := []string{}
	for _, k := range []string{"reference", "organisation", "country", "type", "status", "submission", "submitted_at_utc", "submitted_at", "submitted_by", "publication", "language"} {
		header = append(header, loc.T("consult.csv."+k))
	}
	qs := m.Answerable()
	for i, q := range qs {
		header = append(header, strconv.Itoa(i+1)+". "+q.Title)
	}
	for i := range header {
		header[i] = csvCell(header[i])
	}
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, r := range counted {
		row := []string{r.Reference, r.OrgName, r.Country, r.OrgType, r.Status, strconv.Itoa(r.Seq),
			r.SubmittedAt.UTC().Format(time.RFC3339), loc.BrusselsTime(r.SubmittedAt), r.SubmittedBy, r.Publication, r.Language}
		for j := range qs {
			row = append(row, loc.AnswerText(&qs[j], r.Answers[qs[j].ID]))
		}
		for j := range row {
			row[j] = csvCell(row[j])
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// The JSON export: the consultation, its questions, and every counted
// response with its answers as the API takes them.
type responsesExport struct {
	Consultation apiConsultationSummary `json:"consultation"`
	Questions    []apiQuestion          `json:"questions"`
	Responses    []responsesExportItem  `json:"responses"`
	ExportedAt   time.Time              `json:"exported_at"`
}

type responsesExportItem struct {
	Reference    string             `json:"reference"`
	Organisation responsesExportOrg `json:"organisation"`
	Status       string             `json:"status"`
	Submission   int                `json:"submission"`
	SubmittedAt  time.Time          `json:"submitted_at"`
	SubmittedBy  string             `json:"submitted_by"`
	Publication  string             `json:"publication"`
	Language     string             `json:"language"`
	Answers      map[string]any     `json:"answers"`
}

type responsesExportOrg struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Country string `json:"country"`
	Type    string `json:"type"`
}

func (h *handlers) jsonExport(m *models.Consultation, counted []models.SubmittedResponse) responsesExport {
	d := responsesExport{Consultation: h.apiConsultation(m), Questions: apiQuestions(m), Responses: make([]responsesExportItem, 0, len(counted)),
		ExportedAt: h.cfg.Now().UTC()}
	for _, r := range counted {
		d.Responses = append(d.Responses, responsesExportItem{Reference: r.Reference,
			Organisation: responsesExportOrg{Slug: r.OrgSlug, Name: r.OrgName, Country: r.Country, Type: r.OrgType},
			Status:       r.Status, Submission: r.Seq, SubmittedAt: r.SubmittedAt.UTC(), SubmittedBy: r.SubmittedBy,
			Publication: r.Publication, Language: r.Language, Answers: apiAnswers(m, r.Answers)})
	}
	return d
}

// apiAnswers writes answers as the API takes them: question id → text,
// number or list of option values.
func apiAnswers(m *models.Consultation, as models.Answers) map[string]any {
	out := map[string]any{}
	for _, q := range m.Answerable() {
		a, ok := as[q.ID]
		if !ok || a.Empty() {
			continue
		}
		switch q.Type {
		case models.QuestionMultiple:
			out[itoa(q.ID)] = a.Choices
		case models.QuestionScale:
			out[itoa(q.ID)] = a.Number
		default:
			out[itoa(q.ID)] = a.Text
		}
	}
	return out
}
