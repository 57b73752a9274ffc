package content

import (
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The personal-data check. A careless sentence in a practice note can
// endanger a person: a survivor's name next to the town they fled to, a
// caseworker's mobile number, an IBAN. The check flags what looks like
// personal data, in the main EU languages, for the author while writing and
// for the moderator, who must confirm each flag before publishing. It errs
// on the side of flagging: a false alarm costs a click, a miss can cost more.

// Kinds of finding.
const (
	FindingEmail     = "email"
	FindingPhone     = "phone"
	FindingIBAN      = "iban"
	FindingIDNumber  = "id_number"
	FindingBirthDate = "birth_date"
	FindingAddress   = "address"
	FindingName      = "person_name"
)

// FindingKinds lists the kinds, in the order the check looks for them.
func FindingKinds() []string {
	return []string{FindingIBAN, FindingEmail, FindingIDNumber, FindingBirthDate, FindingPhone, FindingAddress, FindingName}
}

// Finding is one thing that looks like personal data: in which field, where
// (byte offsets into the field's text), what kind, and the text found.
type Finding struct {
	Field      string
	Kind       string
	Start, End int
	Text       string
}

// Fingerprint identifies the finding whatever its place: the same phone
// number written again in a later version has the same fingerprint, so a
// moderator's confirmation holds for it.
func (f Finding) Fingerprint() string {
	var norm strings.Builder
	for _, r := range strings.ToLower(f.Text) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '@' {
			norm.WriteRune(r)
		}
	}
	sum := sha256.Sum256([]byte(f.Kind + ":" + norm.String()))
	return hex.EncodeToString(sum[:8])
}

// FieldText is one field of a note to check.
type FieldText struct{ Name, Text string }

// CheckPersonalData returns what looks like personal data in the fields, in
// field order then position; overlapping findings are reported once, as the
// most specific kind.
func CheckPersonalData(fields ...FieldText) []Finding {
	var out []Finding
	for _, f := range fields {
		out = append(out, checkField(f.Name, f.Text)...)
	}
	return out
}

func checkField(field, text string) []Finding {
	if text == "" {
		return nil
	}
	var found []Finding
	// covered marks the bytes of the findings so far: checking a new one
	// against each of them was quadratic (1.9 s for a 200 KB text with
	// 15,000 findings).
	covered := make([]bool, len(text))
	add := func(kind string, start, end int) {
		if slices.Contains(covered[start:end], true) {
			return // overlaps a more specific finding
		}
		for i := start; i < end; i++ {
			covered[i] = true
		}
		found = append(found, Finding{Field: field, Kind: kind, Start: start, End: end, Text: text[start:end]})
	}
	for _, m := range ibanCandidate.FindAllStringIndex(text, -1) {
		if end, ok := validIBAN(text, m[0], m[1]); ok && bounded(text, m[0], end) {
			add(FindingIBAN, m[0], end)
		}
	}
	for _, m := range emailPattern.FindAllStringIndex(text, -1) {
		add(FindingEmail, m[0], m[1])
	}
	lower := foldCase(text)
	for _, m := range idTrigger.find(text, lower) {
		add(FindingIDNumber, m[0], m[1])
	}
	for _, p := range nationalIDs {
		for _, m := range p.re.FindAllStringIndex(text, -1) {
			if bounded(text, m[0], m[1]) && p.valid(digitsAndLetters(text[m[0]:m[1]])) {
				add(FindingIDNumber, m[0], m[1])
			}
		}
	}
	for _, m := range birthTrigger.find(text, lower) {
		add(FindingBirthDate, m[0], m[1])
	}
	for _, re := range phonePatterns {
		for _, m := range re.FindAllStringIndex(text, -1) {
			start, end := trimPhone(text, m[0], m[1])
			if plausiblePhone(text, start, end) {
				add(FindingPhone, start, end)
			}
		}
	}
	for _, m := range phoneTrigger.find(text, lower) {
		if digitCount(text[m[0]:m[1]]) >= 8 {
			add(FindingPhone, m[0], m[1])
		}
	}
	for _, m := range streetTrigger.find(text, lower) {
		add(FindingAddress, m[2], m[1])
	}
	for _, re := range addressPatterns {
		for _, m := range re.FindAllStringIndex(text, -1) {
			if bounded(text, m[0], m[1]) {
				add(FindingAddress, m[0], m[1])
			}
		}
	}
	for _, m := range roleTrigger.find(text, lower) {
		add(FindingName, m[0], m[1])
	}
	for _, m := range nameThenRole.FindAllStringSubmatchIndex(text, -1) {
		if bounded(text, m[2], m[3]) {
			add(FindingName, m[2], m[3])
		}
	}
	for _, m := range honorificName.FindAllStringSubmatchIndex(text, -1) {
		if bounded(text, m[0], m[1]) {
			add(FindingName, m[0], m[1])
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	return found
}

// bounded reports whether text[start:end] stands as words of its own: no
// letter or digit touches it on either side. (RE2's \b knows ASCII only.)
func bounded(text string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// endsWord reports whether no letter or digit follows text[:end].
func endsWord(text string, end int) bool {
	if end >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[end:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

func digitsAndLetters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// E-mail addresses, with letters of any script.
var emailPattern = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`)

// IBANs: a country code, two check digits and the account, in groups or not.
var ibanCandidate = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,32}`)

// ibanLengths are the lengths of IBANs by country (SWIFT's registry).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
	"BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
	"ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
	"MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
	"RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26,
	"UA": 29, "VG": 24, "XK": 20,
}

// validIBAN takes as many characters of the candidate as the country's IBANs
// have and checks them (ISO 13616 mod 97); it returns where they end.
func validIBAN(text string, start, end int) (int, bool) {
	want, ok := ibanLengths[text[start:start+2]]
	if !ok {
		return 0, false
	}
	var chars []byte
	i := start
	for ; i < end && len(chars) < want; i++ {
		if c := text[i]; c != ' ' && c != '-' {
			chars = append(chars, c)
		}
	}
	if len(chars) < want {
		return 0, false
	}
	rearranged := string(chars[4:]) + string(chars[:4])
	var digits strings.Builder
	for _, c := range rearranged {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			digits.WriteString(big.NewInt(int64(c - 'A' + 10)).String())
		default:
			return 0, false
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok || new(big.Int).Mod(n, big.NewInt(97)).Int64() != 1 {
		return 0, false
	}
	return i, true
}

// Identity documents named in the main EU languages, then their number.
var idTrigger = newTrigger(`passport passports id-card id_card identity_card identity_number id_number `+
	`national_insurance_number national_insurance social_security_number social_security ssn `+
	`paspoort paspoortnummer identiteitskaart id-kaart identiteitsbewijs bsn burgerservicenummer sofinummer `+
	`reisepass reisepasses passnummer personalausweis ausweis ausweisnummer sozialversicherungsnummer steuer-id `+
	`passeport carte_d'identité carte_d’identité carte_nationale_d'identité numéro_de_sécurité_sociale nir `+
	`pasaporte dni nie nif documento_de_identidad número_de_la_seguridad_social `+
	`passaporto carta_d'identità carta_d’identità codice_fiscale `+
	`paszport paszportu dowód_osobisty dowodu_osobistego dowodu pesel `+
	`pașaport paşaport pasaport pașaportul paşaportul pasaportul carte_de_identitate cartea_de_identitate buletin buletinul cnp cod_numeric_personal `+
	`passaporte cartão_de_cidadão bilhete_de_identidade`,
	`^(?i:\s*(?:no\.?|nr\.?|n[°ºo]\.?|number|nummer|numéro|número|numero|numer|num\.|#|:|-))*\s*([A-Za-z]{0,3}[0-9][A-Za-z0-9\-]{4,16})`)

// nationalIDs are personal numbers recognisable by their own shape and check
// digit, with or without a word before them.
var nationalIDs = []struct {
	re    *regexp.Regexp
	valid func(string) bool
}{
	{regexp.MustCompile(`[1-8]\d{12}`), validCNP},                                                               // Romania: CNP
	{regexp.MustCompile(`\d{11}`), validPESEL},                                                                  // Poland: PESEL
	{regexp.MustCompile(`(?:\d{8}|[XYZ]\d{7})[ -]?[A-Z]`), validDNI},                                            // Spain: DNI, NIE
	{regexp.MustCompile(`[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]`), func(string) bool { return true }},    // Italy: codice fiscale
	{regexp.MustCompile(`[12] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}`), validNIR},                  // France: NIR
	{regexp.MustCompile(`[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]`), func(string) bool { return true }}, // UK: NI number
}

func validCNP(s string) bool {
	if len(s) != 13 {
		return false
	}
	sum := 0
	for i, w := range "279146358279" {
		sum += int(s[i]-'0') * int(w-'0')
	}
	check := sum % 11
	if check == 10 {
		check = 1
	}
	month := int(s[3]-'0')*10 + int(s[4]-'0')
	return check == int(s[12]-'0') && month >= 1 && month <= 12
}

func validPESEL(s string) bool {
	if len(s) != 11 {
		return false
	}
	sum := 0
	for i, w := range []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3} {
		sum += int(s[i]-'0') * w
	}
	month := (int(s[2]-'0')*10 + int(s[3]-'0')) % 20
	return (10-sum%10)%10 == int(s[10]-'0') && month >= 1 && month <= 12
}

func validDNI(s string) bool {
	if len(s) != 9 {
		return false
	}
	num := strings.NewReplacer("X", "0", "Y", "1", "Z", "2").Replace(s[:8])
	n := 0
	for _, c := range num {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return "TRWAGMYFPDXBNJZSQVHLCKE"[n%23] == s[8]
}

func validNIR(s string) bool {
	if len(s) != 15 {
		return false
	}
	body := strings.NewReplacer("2A", "19", "2B", "18").Replace(s[:13])
	n, ok := new(big.Int).SetString(body, 10)
	if !ok {
		return false
	}
	key := 97 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return int64(int(s[13]-'0')*10+int(s[14]-'0')) == key
}

// Dates of birth: a word for "born" or "date of birth", then a date (or a
// year), in the main EU languages.
var birthTrigger = newTrigger(`born date_of_birth birth_date birthdate dob d.o.b. d.o.b `+
	`geboren geboortedatum geb. geburtsdatum geburtstag `+
	`né née date_de_naissance `+
	`nacido nacida nació nacio fecha_de_nacimiento f.nac. f._nac. `+
	`nato nata data_di_nascita `+
	`urodzony urodzona urodził urodziła data_urodzenia ur. `+
	`născut născută nascut nascuta data_nașterii data_nasterii `+
	`nascido nascida data_de_nascimento`,
	`^(?i:\s+(?:on|in|am|im|op|le|en|el|il|nel|a|w|dnia|się|la|în|pe|em))?\s*[:,]?\s*`+
		`(\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|`+
		`\d{1,2}\.?\s+(?:de\s+)?\p{L}{3,12}\.?\s+(?:de\s+)?(?:19|20)\d{2}|\p{L}{3,12}\s+\d{1,2},?\s+(?:19|20)\d{2}|(?:19|20)\d{2})`)

// Phone numbers: international (+ or 00 and a country code) and national
// (a leading 0) formats, and the mobile formats of Italy, Spain and Poland,
// which have no leading 0.
var phonePatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?:\+|\b00)[1-9][\d \t().\-/]{6,22}\d`),
	regexp.MustCompile(`\(?\b0\d[\d \t().\-/]{6,16}\d`),
	regexp.MustCompile(`\b3\d{2}[ .]?\d{3}[ .]?\d{3,4}\b`),     // Italy
	regexp.MustCompile(`\b[67]\d{2}(?:[ .]\d{2}){3}\b`),        // Spain
	regexp.MustCompile(`\b[4-8]\d{2}[ .\-]\d{3}[ .\-]\d{3}\b`), // Poland
}

// A word for "phone" then a number, whatever its format.
var phoneTrigger = newTrigger(`tel tel. telephone phone mobile mob. cell gsm whatsapp signal viber telegram `+
	`telefoon mobiel telefon handy téléphone portable teléfono telefono móvil cellulare numer_telefonu telefonul telemóvel`,
	`^\s*(?i:n[°ºo]\.?|nr\.?|number|:)?\s*(\+?\(?\d[\d \t().\-/]{6,20}\d)`)

var dateLike = regexp.MustCompile(`^\(?\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\)?$`)

// trimPhone drops brackets and separators a match took around the number.
func trimPhone(text string, start, end int) (int, int) {
	for start < end && strings.ContainsRune(" \t-./", rune(text[start])) {
		start++
	}
	for end > start && strings.ContainsRune(" \t-./(", rune(text[end-1])) {
		end--
	}
	return start, end
}

// plausiblePhone leaves out what phone patterns catch but is not a number
// to call: dates, year ranges, amounts and round figures.
func plausiblePhone(text string, start, end int) bool {
	s := text[start:end]
	digits := digitCount(s)
	if digits < 8 || digits > 15 || dateLike.MatchString(s) {
		return false
	}
	if strings.Count(s, "\n") > 0 {
		return false
	}
	d := digitsAndLetters(s)
	if strings.Trim(d[1:], "0") == "" {
		return false // 300 000 000: an amount
	}
	before := strings.TrimRight(text[:start], " ")
	if strings.HasSuffix(before, "€") || strings.HasSuffix(before, "$") || strings.HasSuffix(before, "£") {
		return false
	}
	after := strings.ToLower(strings.TrimLeft(text[end:], " "))
	for _, unit := range []string{"€", "eur", "euro", "%", "km", "lei", "zł", "pln", "ron"} {
		if strings.HasPrefix(after, unit) {
			return false
		}
	}
	return bounded(text, start, end)
}

// Street addresses with a number, in the main EU languages: street words
// that come before the name (rue, calle, via, ul., strada ...), street
// names that end in one (…straat, …straße, …gatan), and English ones.
const (
	streetName = `\p{Lu}[\p{L}'’.\-]*(?:\s+(?:de|del|de la|des|du|di|della|dei|degli|da|do|dos|das|van|von|der|den|la|le|al|lui|\p{Lu}[\p{L}'’.\-]*)){0,4}`
	houseNo    = `(?:,?\s*(?:nr\.?|no\.?|n[°º]\.?|nº)?\s*\d{1,4}[a-zA-Z]?(?:\s?[-/]\s?\d{1,4}[a-zA-Z]?)?)`
)

// streetTrigger finds street words that come before the name; the match
// runs from the word to the house number.
var streetTrigger = newTrigger(`rue avenue av. boulevard bd bd. bld bld. chemin impasse allée quai place `+
	`calle c/ avenida avda. plaza paseo carrer camino `+
	`via viale piazza piazzale corso vicolo `+
	`ul. ulica ulicy al. aleja plac os. `+
	`str. strada bulevardul b-dul calea aleea șoseaua soseaua piața piata `+
	`rua travessa largo praça`,
	`^\s+`+streetName+houseNo)

var addressPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\d{1,4}[a-z]?,?\s+(?i:rue|avenue|boulevard|bd|chemin|impasse|allée|quai|place)\s+(?:(?:de la|de l['’]|de|du|des|d['’])\s*)?` + streetName),
	regexp.MustCompile(`\p{Lu}[\p{L}\-]*(?i:straat|weg|laan|plein|gracht|kade|singel|steeg|dijk|dreef|` +
		`straße|strasse|str\.|gasse|platz|allee|damm|ufer|chaussee|` +
		`gatan|vägen|gade|vej|gata|veien)\s*` + `\d{1,4}[a-zA-Z]?(?:\s?[-/]\s?\d{1,4})?`),
	regexp.MustCompile(`\d{1,4}[a-zA-Z]?\s+(?:\p{Lu}[\p{L}'’\-]*\s+){1,3}(?:Street|St\.|Road|Rd\.?|Avenue|Ave\.?|Lane|Drive|Close|Way|Square|Crescent|Terrace|Gardens)`),
}

// Names next to the words that make them sensitive: victim, client,
// survivor ... in the main EU languages, and names after a title (Mr, Frau,
// Mme, Pani ...).
const (
	roleWords = `victim victims client clients survivor survivors beneficiary beneficiaries complainant complainants witness witnesses ` +
		`slachtoffer slachtoffers cliënt cliënten overlevende ` +
		`opfer klient klientin klientinnen klienten betroffene betroffener betroffenen überlebende überlebender ` +
		`victime victimes cliente clientes survivant survivante survivants survivantes bénéficiaire bénéficiaires plaignant plaignante ` +
		`víctima víctimas superviviente sobreviviente beneficiario beneficiaria beneficiarios denunciante ` +
		`vittima vittime sopravvissuto sopravvissuta sopravvissuti assistito assistita assistiti beneficiari ` +
		`ofiara ofiary klientka klientki pokrzywdzony pokrzywdzona pokrzywdzeni ocalały ocalała beneficjent beneficjentka ` +
		`victima victimă victimei clientul clienta clientei supraviețuitor supraviețuitorul supraviețuitoare supravietuitor supravietuitoare beneficiar beneficiarul beneficiara ` +
		`vítima vítimas sobrevivente`
	personName = `\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}?\p{Ll}+)?(?:\s+(?:\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}?\p{Ll}+)?|\p{Lu}\.))?`
)

var (
	roleTrigger = newTrigger(roleWords, `^\s*[:,(–—\-]?\s*`+
		`(?i:(?:named|called|known as|genaamd|genannt|namens|nommée?|appelée?|llamad[oa]|chiamat[oa]|o imieniu|pe nume|numit[aă]?|chamad[oa])\s+)?`+
		`(`+personName+`)`)
	nameThenRole  = regexp.MustCompile(`(` + personName + `)\s*\(\s*(?i:` + strings.ReplaceAll(roleWords, " ", "|") + `)`)
	honorificName = regexp.MustCompile(`(?:Mr|Mrs|Ms|Miss|Mx|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Sig|Sig\.ra|Signor|Signora|Pan|Pani|Panią|Dl|Dna|Domnul|Doamna|Dhr|Mevr|Mw)\.?\s+` + personName)
)

// trigger finds a phrase (case-insensitively, standing as words of its own)
// and then its tail, a pattern anchored where the phrase ends whose first
// group (or whole match) is what is flagged. Looking for the phrases with strings.Index and
// running the tail on a short window is a hundred times faster than one
// case-insensitive pattern with every phrase in it.
type trigger struct {
	phrases []string // lower case; "_" in a phrase list stands for a space
	tail    *regexp.Regexp
}

func newTrigger(phrases, tail string) trigger {
	t := trigger{tail: regexp.MustCompile(tail)}
	for _, p := range strings.Fields(phrases) {
		t.phrases = append(t.phrases, foldCase(strings.ReplaceAll(p, "_", " ")))
	}
	return t
}

// tailWindow is how far past its phrase a tail may reach.
const tailWindow = 120

// find returns [start, end, phraseStart] of each match in text (lower is
// foldCase(text), with the same byte offsets).
func (t trigger) find(text, lower string) [][3]int {
	var out [][3]int
	for _, p := range t.phrases {
		for from := 0; from < len(lower); {
			i := strings.Index(lower[from:], p)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(p)
			from = end
			// A phrase ending in "." (abbreviations) needs no boundary after it.
			if !bounded(text, start, end) && !(strings.HasSuffix(p, ".") && bounded(text, start, start+1)) {
				continue
			}
			window := text[end:min(len(text), end+tailWindow)]
			m := t.tail.FindStringSubmatchIndex(window)
			if len(m) > 2 {
				m = m[2:] // the first group, when the tail has one
			}
			if m == nil || m[0] < 0 {
				continue
			}
			if s, e := end+m[0], end+m[1]; endsWord(text, e) || strings.HasSuffix(text[s:e], ".") {
				out = append(out, [3]int{s, e, start})
			}
		}
	}
	return out
}

// foldCase lower-cases text rune by rune, keeping every rune whose lower
// case has another length as it is, so that byte offsets stay the same.
func foldCase(text string) string {
	return strings.Map(func(r rune) rune {
		l := unicode.ToLower(r)
		if utf8.RuneLen(l) != utf8.RuneLen(r) {
			return r
		}
		return l
	}, text)
}

// Excerpt cuts the text around a finding: up to about radius bytes before
// and after, on rune boundaries, with "…" where it was cut.
func Excerpt(text string, start, end, radius int) (before, match, after string) {
	if start < 0 || end > len(text) || start > end {
		return "", "", ""
	}
	from := max(0, start-radius)
	for from > 0 && !utf8.RuneStart(text[from]) {
		from--
	}
	// Start and end at a word: "…at the gate", not "…e gate".
	if from > 0 {
		if i := strings.IndexAny(text[from:start], " \n\t"); i >= 0 {
			from += i + 1
		}
	}
	to := min(len(text), end+radius)
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to++
	}
	if to < len(text) {
		if i := strings.LastIndexAny(text[end:to], " \n\t"); i >= 0 {
			to = end + i
		}
	}
	before, match, after = text[from:start], text[start:end], text[end:to]
	// Line breaks of the Markdown would only break the quotation.
	flat := strings.NewReplacer("\r", " ", "\n", " ", "\t", " ")
	before, after = flat.Replace(before), flat.Replace(after)
	if from > 0 {
		before = "…" + before
	}
	if to < len(text) {
		after += "…"
	}
	return before, match, after
}
