package secrets

import (
	"fmt"
	"strings"
)

// gate is a cheap check at a keyword occurrence that must pass before the
// rule's regex runs. Gates exist for speed only: a rule's regex must still
// express the whole format, so a gate may be loose but never stricter than
// the regex.
type gate func(text string, kwStart, kwEnd int) bool

var gates = map[string]gate{
	"assignment": assignmentGate,
	"userinfo":   userinfoGate,
}

func lookupGate(name string) (gate, error) {
	if name == "" {
		return nil, nil
	}
	if g, ok := gates[name]; ok {
		return g, nil
	}
	return nil, fmt.Errorf("unknown gate %q: use assignment, userinfo or leave gate empty", name)
}

// assignmentGate passes when the keyword is the (end of a) key in
// "key = value", "key: value", "key := value" or "key => value": an
// identifier tail, optional quotes, an operator, then a value character.
func assignmentGate(text string, _, i int) bool {
	n := len(text)
	for j := 0; j < 24 && i < n && (isWord(text[i]) || text[i] == '.' || text[i] == '-'); j++ {
		i++
	}
	i = skipQuoteSpace(text, i)
	if i >= n || (text[i] != ':' && text[i] != '=') {
		return false
	}
	i++
	if i < n && (text[i] == '=' || text[i] == '>') {
		i++
	}
	i = skipQuoteSpace(text, i)
	return i < n && isValueByte(text[i])
}

func skipQuoteSpace(text string, i int) int {
	for j := 0; j < 10 && i < len(text); j++ {
		switch text[i] {
		case ' ', '\t', '"', '\'', '\\':
			i++
		default:
			return i
		}
	}
	return i
}

func isValueByte(c byte) bool {
	return isWord(c) || strings.IndexByte("!#%&*+./:=?@^~-", c) >= 0
}

// userinfoGate passes when a "://" at or shortly after the keyword is
// followed by user information ("user:password@") before the host ends.
func userinfoGate(text string, kwStart, _ int) bool {
	lim := min(len(text), kwStart+24)
	k := strings.Index(text[kwStart:lim], "://")
	if k < 0 {
		return false
	}
	rest := text[kwStart+k+3 : min(len(text), kwStart+k+3+200)]
	colon := false
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case ':':
			colon = true
		case '@':
			return colon
		case '/', ' ', '\t', '\r', '\n', '"', '\'', '<', '>', '?', '#':
			return false
		}
	}
	return false
}
