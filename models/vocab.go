package models

import "slices"

// Vocabulary is a controlled list of short slugs. Labels live in the
// translation catalogues under "<Name>.<slug>" (for example "topic.outreach"),
// except countries and languages, which are named by golang.org/x/text.
type Vocabulary struct {
	// Name is the catalogue prefix and the front matter field stem.
	Name  string
	Terms []string
}

// Has reports whether slug is a term of the vocabulary.
func (v Vocabulary) Has(slug string) bool { return slices.Contains(v.Terms, slug) }

// LabelKey is the translation key of a term's label.
func (v Vocabulary) LabelKey(slug string) string { return v.Name + "." + slug }

// Countries: ISO 3166-1 alpha-2 codes of the EU and EEA states, the UK,
// Switzerland, candidate countries and the main countries of origin of people
// exploited in Europe, plus "EU" for EU-wide.
var Countries = Vocabulary{Name: "country", Terms: []string{
	"EU",
	// EU member states
	"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
	"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
	// EEA, the UK and Switzerland
	"IS", "LI", "NO", "GB", "CH",
	// candidate and potential candidate countries
	"AL", "BA", "GE", "MD", "ME", "MK", "RS", "TR", "UA", "XK",
	// main countries of origin
	"BY", "RU", "MA", "DZ", "TN", "EG", "NG", "GH", "SN", "ER", "ET", "IN", "PK", "BD", "NP",
	"LK", "PH", "VN", "TH", "CN", "UZ", "KG", "TJ", "BR", "CO", "VE",
}}

// Languages: ISO 639-1 codes, the 24 official EU languages first.
var Languages = Vocabulary{Name: "language", Terms: []string{
	"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt",
	"lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
	"ar", "bn", "hi", "ne", "ru", "sq", "sr", "tl", "tr", "uk", "vi", "zh",
}}

// OrganisationTypes are the kinds of member organisation.
var OrganisationTypes = Vocabulary{Name: "orgtype", Terms: []string{
	"ngo", "trade-union", "labour-inspectorate", "shelter", "legal-aid", "police",
	"public-authority", "employer-organisation", "international-organisation",
	"migrant-organisation", "faith-based", "research",
}}

// Services are what an organisation offers to people it supports.
var Services = Vocabulary{Name: "service", Terms: []string{
	"outreach", "helpline", "identification", "case-management", "shelter", "health-care",
	"psychological-support", "interpretation", "legal-advice", "legal-representation",
	"compensation-claims", "employment-support", "training", "return-support",
	"advocacy", "research",
}}

// ReferralStages are the steps of a national referral pathway, in order.
var ReferralStages = Vocabulary{Name: "referral", Terms: []string{
	"signal", "identification", "first-assistance", "referral", "shelter-support",
	"legal-aid-compensation", "inclusion-return",
}}

// Topics are what a practice note is about.
var Topics = Vocabulary{Name: "topic", Terms: []string{
	"outreach", "proactive-identification", "multi-agency-cooperation", "referral",
	"shelter", "compensation", "unpaid-wages", "recruitment", "labour-inspection",
	"supply-chains", "legal-aid", "awareness-raising", "training", "data-protection",
	"trade-union-organising", "victim-rights", "prosecution", "prevention",
	"return-reintegration", "social-inclusion",
}}

// TargetGroups are the people a practice is designed for.
var TargetGroups = Vocabulary{Name: "target", Terms: []string{
	"seasonal-workers", "posted-workers", "domestic-workers", "agency-workers", "men",
	"women", "children", "undocumented-migrants", "asylum-seekers",
	"third-country-nationals", "eu-mobile-workers", "roma", "lgbtiq",
	"persons-with-disabilities",
}}

// Sectors are NACE Rev. 2 sections.
var Sectors = Vocabulary{Name: "sector", Terms: []string{
	"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q",
	"R", "S", "T", "U",
}}

// Indicators are the ILO's 11 indicators of forced labour.
var Indicators = Vocabulary{Name: "indicator", Terms: []string{
	"abuse-of-vulnerability", "deception", "restriction-of-movement", "isolation",
	"physical-and-sexual-violence", "intimidation-and-threats",
	"retention-of-identity-documents", "withholding-of-wages", "debt-bondage",
	"abusive-working-and-living-conditions", "excessive-overtime",
}}

// PracticeStages describe how mature a practice is.
var PracticeStages = Vocabulary{Name: "stage", Terms: []string{
	"idea", "pilot", "established", "scaled-up", "discontinued",
}}

// EvidenceLevels describe what evidence supports a practice.
var EvidenceLevels = Vocabulary{Name: "evidence", Terms: []string{
	"none", "monitoring-data", "internal-evaluation", "external-evaluation",
}}

// Visibilities say who may read a note: everyone, or signed-in members.
var Visibilities = Vocabulary{Name: "visibility", Terms: []string{"public", "members"}}

// Vocabularies lists every controlled list whose labels are in the catalogues.
func Vocabularies() []Vocabulary {
	return []Vocabulary{OrganisationTypes, Services, ReferralStages, Topics, TargetGroups,
		Sectors, Indicators, PracticeStages, EvidenceLevels, Visibilities}
}
