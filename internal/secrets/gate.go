package secrets

import (
	"fmt"
	"strings"
)

// gate is a cheap check at a keyword occurrence that must pass before the
// rule's regex runs. Gates exist for speed only: a rule's regex must still
// express the whole format, so a gate may be loose but never stricter than
// the regex. A failing gate may return resume > kwStart: the offset before
// which the rule provably cannot match, so later keywords there are skipped
// (this keeps dense keyword runs linear).
type gate func(text string, kwStart, kwEnd int) (pass bool, resume int)

var gates = map[string]gate{
	"assignment": noResume(assignmentGate),
	"userinfo":   noResume(userinfoGate),
	"jwt":        jwtGate,
	"aws-pair":   noResume(awsPairGate),
}

func noResume(g func(text string, kwStart, kwEnd int) bool) gate {
	return func(text string, kwStart, kwEnd int) (bool, int) { return g(text, kwStart, kwEnd), 0 }
}

func lookupGate(name string) (gate, error) {
	if name == "" {
		return nil, nil
	}
	if g, ok := gates[name]; ok {
		return g, nil
	}
	return nil, fmt.Errorf("unknown gate %q: use assignment, userinfo, jwt, aws-pair or leave gate empty", name)
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

// jwtGate checks the three-segment shape (eyJ… . … . …) in one pass. When
// the first segment is not followed by a well-formed rest, no token can
// start inside that segment either (it would end at the same byte), so the
// rule resumes after it.
func jwtGate(text string, kwStart, _ int) (bool, int) {
	const limit = 8 << 10
	e1 := b64urlRun(text, kwStart, limit)
	if e1-kwStart < 11 || e1 >= len(text) || text[e1] != '.' {
		return false, e1
	}
	e2 := b64urlRun(text, e1+1, limit)
	if e2-e1-1 < 2 || e2 >= len(text) || text[e2] != '.' {
		return false, e1
	}
	if e3 := b64urlRun(text, e2+1, limit); e3-e2-1 < 16 {
		return false, e1
	}
	return true, 0
}

// b64urlRun returns the end of the run of base64url bytes starting at i,
// reading at most limit bytes.
func b64urlRun(text string, i, limit int) int {
	end := min(len(text), i+limit)
	for ; i < end; i++ {
		if c := text[i]; !isWord(c) && c != '-' {
			return i
		}
	}
	return i
}

// awsPairGate passes when a 40-byte run of base64 characters follows the
// 20-byte access key id within the rule's reach.
func awsPairGate(text string, kwStart, _ int) bool {
	run := 0
	for i := kwStart + 20; i < len(text) && i < kwStart+240; i++ {
		c := text[i]
		if isWord(c) && c != '_' || c == '/' || c == '+' {
			if run++; run >= 40 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
