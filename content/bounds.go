package content

import "strings"

// goldmark's parser takes time that grows with the square of some shapes of
// text, and a note may hold 200 KB: a body of ">" (quotes nested 200,000
// deep) took 90 s to preview, one of "[a](" (a link opened 50,000 times in one
// paragraph) 48 s, lines of "[a]" (each a possible link reference) seconds, each a whole core. boundStructure defuses those shapes
// before goldmark sees the text, so that they show as typed, as text, and
// leaves every ordinary note as it is. The Markdown stored is what was typed.
const (
	// maxNesting is how deeply blocks may nest on one line (quotes, lists,
	// quotes in lists ...); deeper markers are shown as text.
	maxNesting = 32
	// maxLinksPerBlock is how many links ("](") one paragraph may open, and
	// half the brackets ("[") it may hold; further ones are shown as text.
	maxLinksPerBlock = 256
)

func boundStructure(src string) string {
	if !needsBounds(src) {
		return src
	}
	var b strings.Builder
	b.Grow(len(src) + 64)
	links, brackets := 0, 0
	for line := range strings.Lines(src) {
		if strings.TrimSpace(line) == "" {
			links, brackets = 0, 0 // a blank line ends the paragraph
			b.WriteString(line)
			continue
		}
		line = boundNesting(line)
		for i := 0; i < len(line); i++ {
			switch {
			case line[i] == '[':
				if brackets++; brackets > 2*maxLinksPerBlock {
					b.WriteByte('\\')
				}
			case line[i] == '(' && i > 0 && line[i-1] == ']':
				if links++; links > maxLinksPerBlock {
					b.WriteByte('\\')
				}
			}
			b.WriteByte(line[i])
		}
	}
	return b.String()
}

// needsBounds is a quick look for whether boundStructure has anything to do.
func needsBounds(src string) bool {
	return strings.Count(src, "[") > 2*maxLinksPerBlock || strings.Count(src, "](") > maxLinksPerBlock || strings.Count(src, ">")+strings.Count(src, "- ")+
		strings.Count(src, "* ")+strings.Count(src, "+ ")+strings.Count(src, ". ")+strings.Count(src, ") ") > maxNesting
}

// boundNesting escapes the container markers of a line beyond maxNesting.
func boundNesting(line string) string {
	depth, i := 0, 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		n := containerMarker(line[i:])
		if n == 0 {
			return line
		}
		if depth++; depth > maxNesting {
			// A backslash before the marker's last character: "\>", "\-", "1\."
			at := i + n - 1
			if line[i] == '>' {
				at = i
			}
			return line[:at] + `\` + line[at:]
		}
		i += n
	}
	return line
}

// containerMarker is the length of the block-quote or list marker at the
// start of s ("> ", ">", "- ", "12. "), without the space after it; 0 if none.
func containerMarker(s string) int {
	if s == "" {
		return 0
	}
	if s[0] == '>' {
		return 1
	}
	spaced := func(n int) int {
		if n < len(s) && (s[n] == ' ' || s[n] == '\t') {
			return n
		}
		return 0
	}
	if s[0] == '-' || s[0] == '*' || s[0] == '+' {
		return spaced(1)
	}
	d := 0
	for d < len(s) && d < 9 && s[d] >= '0' && s[d] <= '9' {
		d++
	}
	if d > 0 && d < len(s) && (s[d] == '.' || s[d] == ')') {
		return spaced(d + 1)
	}
	return 0
}
