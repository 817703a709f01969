package secrets

import (
	"fmt"
	"sort"
	"strings"
)

// placeholderParts mark documentation values, templates and references to
// a secret stored elsewhere. Compared against the lower-cased value.
var placeholderParts = []string{
	"xxxx", "****", "...", "…", "<", ">", "${", "{{", "}}", "%s", "%(",
	"example", "dummy", "changeme", "change_me", "change-me", "placeholder", "sample",
	"your_", "your-", "yourkey", "your key", "insert", "replace", "redacted", "fake",
	"process.env", "os.environ", "getenv", "secrets.", "env.", "vault:", "env:", "secretref",
	"notreal", "not_real", "not-real",
}

// weakDefaults are well-known default or documentation passwords: a match
// on one of these is a template, not a leak.
var weakDefaults = map[string]bool{
	"password": true, "passwd": true, "pass": true, "secret": true, "admin": true, "root": true,
	"postgres": true, "mysql": true, "user": true, "username": true, "test": true, "guest": true,
	"token": true, "apikey": true, "api_key": true, "none": true, "null": true, "nil": true,
	"undefined": true, "true": true, "false": true, "string": true, "required": true, "optional": true,
	"mypassword": true, "mysecretpassword": true, "secretpassword": true, "pass123": true,
	"password123": true,
}

// docExamples are credentials printed in specifications and tutorials
// (RFC 6749 and RFC 5849 examples); a value starting with one is a quote
// from the docs.
var docExamples = []string{
	"2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA", "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
	"SplxlOBeZQQYbYS6WxSbIA", "mF_9.B5f-4.1JqM", "8xLOxBtZp8", "hh5s93j4hdidpola",
	"ad180jjd733klru7", "nnch734d00sl2jdk", "kkk9d7dh3k39sjv7",
	"hdk48Djdsa", "dj83hs9s",
}

// isPlaceholder reports whether v is a template, reference or obviously
// non-random value rather than a real secret.
func isPlaceholder(v string) bool {
	if v == "" {
		return true
	}
	switch v[0] {
	case '$', '%', '{', '[', '(', '<':
		return true // $ENV, ${VAR}, %VAR%, {var}, <your-key>
	}
	if len(v) <= 24 && weakDefaults[strings.ToLower(v)] {
		return true
	}
	for _, d := range docExamples {
		if strings.HasPrefix(v, d) {
			return true
		}
	}
	if containsAnyFold(v, &placeholderIndex) {
		return true
	}
	return lowVariety(v)
}

// lowVariety catches repeated and sequential characters: "aaaaaaaa",
// "abcdef123456", "1234567890", "XXXXXXXXXXXX".
func lowVariety(v string) bool {
	var seen [256]bool
	distinct, run, longest, seq := 0, 1, 1, 0
	for i := 0; i < len(v); i++ {
		if !seen[v[i]] {
			seen[v[i]] = true
			distinct++
		}
		if i == 0 {
			continue
		}
		if v[i] == v[i-1] {
			run++
			longest = max(longest, run)
		} else {
			run = 1
		}
		if d := int(v[i]) - int(v[i-1]); d == 1 || d == -1 {
			seq++
		}
	}
	if distinct <= 3 || longest >= 6 {
		return true
	}
	return len(v) >= 6 && seq*3 >= len(v)-1
}

// looksLikeHash reports hex digests (md5, sha1/git, sha224, sha256,
// sha384, sha512), "sha256:…"/"sha512-…" integrity strings and UUIDs.
func looksLikeHash(v string) bool {
	low := strings.ToLower(v)
	for _, p := range []string{"sha1-", "sha256-", "sha384-", "sha512-", "sha1:", "sha256:", "sha512:", "md5:"} {
		if strings.HasPrefix(low, p) {
			return true
		}
	}
	if isUUID(low) {
		return true
	}
	switch len(v) {
	case 32, 40, 56, 64, 96, 128:
		return isHex(v)
	}
	return false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if !isHex(s[i : i+1]) {
			return false
		}
	}
	return true
}

// extender widens or moves a value span after the regex matched; it returns
// false to drop the match.
type extender func(text string, start, end int) (int, int, bool)

var extenders = map[string]extender{"pem-body": pemBody}

func lookupExtender(name string) (extender, error) {
	if name == "" {
		return nil, nil
	}
	if e, ok := extenders[name]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("unknown extender %q: use pem-body or leave extend empty", name)
}

// pemBody turns a PEM header match into the span of the key body: from the
// end of the header to its "-----END" line or, when the block is cut off (a
// truncated key still leaks), to the end of the base64 run. The walk stops
// at the next "-----BEGIN" too, so many headers cost one pass in total.
func pemBody(text string, _, hdrEnd int) (int, int, bool) {
	limit := min(len(text), hdrEnd+maxWindow)
	end := limit
	for i := hdrEnd; i < limit; i++ {
		c := text[i]
		if c == '-' && (strings.HasPrefix(text[i:], "-----END") || strings.HasPrefix(text[i:], "-----BEGIN")) || !pemChar(c) {
			end = i
			break
		}
	}
	start, end := trimPEMSpace(text, hdrEnd, end)
	return start, end, end > start
}

// pemChar reports bytes that occur in a PEM body, its headers (Proc-Type,
// DEK-Info, PGP Version and Comment) and JSON-escaped line breaks.
func pemChar(c byte) bool {
	return isWord(c) || strings.IndexByte("+/=:,-.()@ \t\r\n\\", c) >= 0
}

// trimPEMSpace trims whitespace and JSON-escaped line breaks ("\n", "\r")
// from both ends of text[start:end].
func trimPEMSpace(text string, start, end int) (int, int) {
	for start < end {
		switch {
		case text[start] == ' ' || text[start] == '\t' || text[start] == '\r' || text[start] == '\n':
			start++
		case text[start] == '\\' && start+1 < end && (text[start+1] == 'n' || text[start+1] == 'r'):
			start += 2
		default:
			goto right
		}
	}
right:
	for end > start {
		switch {
		case text[end-1] == ' ' || text[end-1] == '\t' || text[end-1] == '\r' || text[end-1] == '\n':
			end--
		case end-2 >= start && text[end-2] == '\\' && (text[end-1] == 'n' || text[end-1] == 'r'):
			end -= 2
		default:
			return start, end
		}
	}
	return start, end
}

// pemBodyValid requires key material: at least 24 base64 characters (an
// excerpt of a key still leaks it) and no documentation markers.
func pemBodyValid(body string) bool {
	n := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if isWord(c) && c != '_' || c == '+' || c == '/' {
			n++
		}
	}
	if n < 24 {
		return false
	}
	low := strings.ToLower(body)
	for _, p := range []string{"...", "…", "xxxx", "<", "your", "example", "placeholder", "redacted"} {
		if strings.Contains(low, p) {
			return false
		}
	}
	return true
}

func sortStrings(s []string) { sort.Strings(s) }

// foldIndex groups lower-case needles by their first byte, so one pass
// over a value checks them all.
type foldIndex [256][]string

var placeholderIndex = newFoldIndex(placeholderParts)

func newFoldIndex(needles []string) foldIndex {
	var ix foldIndex
	for _, n := range needles {
		ix[n[0]] = append(ix[n[0]], n)
	}
	return ix
}

// containsAnyFold reports whether s contains any needle of ix, ignoring
// ASCII case in s.
func containsAnyFold(s string, ix *foldIndex) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		for _, n := range ix[c] {
			if hasFoldPrefix(s[i:], n) {
				return true
			}
		}
	}
	return false
}

// containsFold reports whether s contains lower-case sub, ignoring ASCII
// case in s, without allocating.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	first := sub[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper -= 'a' - 'A'
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if c := s[i]; (c == first || c == upper) && hasFoldPrefix(s[i:], sub) {
			return true
		}
	}
	return false
}
