package bounded

import (
	"strconv"
	"unicode/utf8"
)

// Values longer than MaxQuote characters are cut to their first QuotePrefix
// characters when quoted.
const (
	MaxQuote    = 128
	QuotePrefix = 64
)

// Cut returns what an error message may show of a value read from a file:
// the value itself when it is short, else its first QuotePrefix characters
// and "…", with note saying how long it is (" (60,000,000 characters)"). A
// value shaped like an AWS secret access key or session token is never
// shown: short is a description and note is "". Invalid UTF-8 is replaced,
// so a cut never splits a character.
func Cut(s string) (short, note string) {
	if LooksSecret(s) {
		return "(a value shaped like an AWS secret key or session token, not shown)", ""
	}
	n := utf8.RuneCountInString(s)
	if n <= MaxQuote {
		if !utf8.ValidString(s) {
			return toValid(s), ""
		}
		return s, ""
	}
	i, k := 0, 0
	for i < len(s) && k < QuotePrefix {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k++
	}
	return toValid(s[:i]) + "…", " (" + Thousands(n) + " characters)"
}

// Quote is Cut's two parts together: "aaaa… (60,000,000 characters)".
func Quote(s string) string {
	short, note := Cut(s)
	return short + note
}

func toValid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, '?')
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// Thousands writes n with comma separators: 60000000 as "60,000,000".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + Thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// secretRun is the shortest run of base64 characters taken for a secret:
// an AWS secret access key has 40, a session token some hundreds.
const secretRun = 40

// LooksSecret reports whether s holds a run of at least 40 base64
// characters (A-Z, a-z, 0-9, + and /, = as padding) that mixes upper case,
// lower case and digits: the shape of an AWS secret access key
// ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") or a session token. Names,
// ids and ARNs plink reads are shorter runs, separated by '-', ':' or '.',
// or of one case only.
func LooksSecret(s string) bool {
	run, upper, lower, digit := 0, false, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		case c == '+' || c == '/' || c == '=':
		default:
			run, upper, lower, digit = 0, false, false, false
			continue
		}
		run++
		if run >= secretRun && upper && lower && digit {
			return true
		}
	}
	return false
}
