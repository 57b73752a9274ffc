package models

import "slices"

// Vocabulary is a controlled list of short slugs. Labels live in the
// translation catalogues under "<Name>.<slug>" (for example "topic.outreach"),
// except countries and languages, which are named by golang.org/x/text.
// Its fields are unexported and Terms returns a copy, so that no other
// package can change a list.
type Vocabulary struct {
	name  string
	terms []string
}

// Name is the catalogue prefix and the front matter field stem.
func (v Vocabulary) Name() string { return v.name }

// Terms returns the terms in their defined order (a copy).
func (v Vocabulary) Terms() []string { return slices.Clone(v.terms) }

// Len is the number of terms.
func (v Vocabulary) Len() int { return len(v.terms) }

// Has reports whether slug is a term of the vocabulary.
func (v Vocabulary) Has(slug string) bool { return slices.Contains(v.terms, slug) }

// Index is the position of slug in the defined order, or -1: the order of
// the referral stages along a pathway, say.
func (v Vocabulary) Index(slug string) int { return slices.Index(v.terms, slug) }

// LabelKey is the translation key of a term's label.
func (v Vocabulary) LabelKey(slug string) string { return v.name + "." + slug }

// TermCount is how many visible notes carry a term.
type TermCount struct {
	Term  string
	Count int64
}

// countries: ISO 3166-1 alpha-2 codes of the EU and EEA states, the UK,
// Switzerland, candidate countries and the main countries of origin of people
// exploited in Europe, plus "EU" for EU-wide.
var countries = Vocabulary{name: "country", terms: []string{
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

// languages: ISO 639-1 codes, the 24 official EU languages first.
var languages = Vocabulary{name: "language", terms: []string{
	"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt",
	"lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
	"ar", "bn", "hi", "ne", "ru", "sq", "sr", "tl", "tr", "uk", "vi", "zh",
}}

// organisationTypes are the kinds of member organisation.
var organisationTypes = Vocabulary{name: "orgtype", terms: []string{
	"ngo", "trade-union", "labour-inspectorate", "shelter", "legal-aid", "police",
	"public-authority", "employer-organisation", "international-organisation",
	"migrant-organisation", "faith-based", "research",
}}

// services are what an organisation offers to people it supports.
var services = Vocabulary{name: "service", terms: []string{
	"outreach", "helpline", "identification", "case-management", "shelter", "health-care",
	"psychological-support", "interpretation", "legal-advice", "legal-representation",
	"compensation-claims", "employment-support", "training", "return-support",
	"advocacy", "research",
}}

// referralStages are the steps of a national referral pathway, in order.
var referralStages = Vocabulary{name: "referral", terms: []string{
	"signal", "identification", "first-assistance", "referral", "shelter-support",
	"legal-aid-compensation", "inclusion-return",
}}

// topics are what a practice note is about.
var topics = Vocabulary{name: "topic", terms: []string{
	"outreach", "proactive-identification", "multi-agency-cooperation", "referral",
	"shelter", "compensation", "unpaid-wages", "recruitment", "labour-inspection",
	"supply-chains", "legal-aid", "awareness-raising", "training", "data-protection",
	"trade-union-organising", "victim-rights", "prosecution", "prevention",
	"return-reintegration", "social-inclusion",
}}

// targetGroups are the people a practice is designed for.
var targetGroups = Vocabulary{name: "target", terms: []string{
	"seasonal-workers", "posted-workers", "domestic-workers", "agency-workers", "men",
	"women", "children", "undocumented-migrants", "asylum-seekers",
	"third-country-nationals", "eu-mobile-workers", "roma", "lgbtiq",
	"persons-with-disabilities",
}}

// sectors are NACE Rev. 2 sections.
var sectors = Vocabulary{name: "sector", terms: []string{
	"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q",
	"R", "S", "T", "U",
}}

// indicators are the ILO's 11 indicators of forced labour.
var indicators = Vocabulary{name: "indicator", terms: []string{
	"abuse-of-vulnerability", "deception", "restriction-of-movement", "isolation",
	"physical-and-sexual-violence", "intimidation-and-threats",
	"retention-of-identity-documents", "withholding-of-wages", "debt-bondage",
	"abusive-working-and-living-conditions", "excessive-overtime",
}}

// practiceStages describe how mature a practice is.
var practiceStages = Vocabulary{name: "stage", terms: []string{
	"idea", "pilot", "established", "scaled-up", "discontinued",
}}

// evidenceLevels describe what evidence supports a practice.
var evidenceLevels = Vocabulary{name: "evidence", terms: []string{
	"none", "monitoring-data", "internal-evaluation", "external-evaluation",
}}

// visibilities say who may read a note: everyone, or signed-in members.
var visibilities = Vocabulary{name: "visibility", terms: []string{"public", "members"}}

// Countries returns the vocabulary of that name (see countries).
func Countries() Vocabulary { return countries }

// Languages returns the vocabulary of that name (see languages).
func Languages() Vocabulary { return languages }

// OrganisationTypes returns the vocabulary of that name (see organisationTypes).
func OrganisationTypes() Vocabulary { return organisationTypes }

// Services returns the vocabulary of that name (see services).
func Services() Vocabulary { return services }

// ReferralStages returns the vocabulary of that name (see referralStages).
func ReferralStages() Vocabulary { return referralStages }

// Topics returns the vocabulary of that name (see topics).
func Topics() Vocabulary { return topics }

// TargetGroups returns the vocabulary of that name (see targetGroups).
func TargetGroups() Vocabulary { return targetGroups }

// Sectors returns the vocabulary of that name (see sectors).
func Sectors() Vocabulary { return sectors }

// Indicators returns the vocabulary of that name (see indicators).
func Indicators() Vocabulary { return indicators }

// PracticeStages returns the vocabulary of that name (see practiceStages).
func PracticeStages() Vocabulary { return practiceStages }

// EvidenceLevels returns the vocabulary of that name (see evidenceLevels).
func EvidenceLevels() Vocabulary { return evidenceLevels }

// Visibilities returns the vocabulary of that name (see visibilities).
func Visibilities() Vocabulary { return visibilities }

// Vocabularies lists every controlled list whose labels are in the catalogues.
func Vocabularies() []Vocabulary {
	return []Vocabulary{organisationTypes, services, referralStages, topics, targetGroups,
		sectors, indicators, practiceStages, evidenceLevels, visibilities}
}
