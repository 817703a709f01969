package netaddr

import (
	"net/url"
	"strings"
)

// URL is a classified URL-like value.
type URL struct {
	Raw    string
	Scheme string // lower case; "" when the value had none
	Host   Host
	Port   string
}

// maxURL bounds the work done on one value.
const maxURL = 8 << 10

// ParseURL parses a URL-like value leniently, the way HTTP clients do:
// a missing scheme ("169.254.169.254/latest"), a scheme-relative "//host",
// userinfo ("http://good.com@10.0.0.1/"), backslashes in place of slashes and
// percent-encoded hosts are all accepted. ok is false when no host can be
// found.
func ParseURL(raw string) (URL, bool) {
	u := URL{Raw: raw}
	s := strings.TrimSpace(raw)
	if s == "" || len(s) > maxURL {
		return u, false
	}
	s = strings.ReplaceAll(s, `\`, "/")
	rest := s
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		u.Scheme, rest = strings.ToLower(s[:i]), s[i+3:]
	} else if strings.HasPrefix(s, "//") {
		rest = s[2:]
	} else if i := strings.IndexByte(s, ':'); i > 0 && isScheme(s[:i]) && !looksLikePort(s[i+1:]) {
		return u, false // mailto:, data:, urn: … have no host
	}
	rest = strings.TrimLeft(rest, "/")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if dec, err := url.PathUnescape(rest); err == nil {
		rest = dec
	}
	host, port := splitHostPort(rest)
	if host == "" {
		return u, false
	}
	u.Host, u.Port = ParseHost(host), port
	return u, true
}

func splitHostPort(hp string) (host, port string) {
	if strings.HasPrefix(hp, "[") {
		if i := strings.IndexByte(hp, ']'); i > 0 {
			return hp[1:i], strings.TrimPrefix(hp[i+1:], ":")
		}
		return "", ""
	}
	if strings.Count(hp, ":") > 1 { // bare IPv6
		return hp, ""
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		return hp[:i], hp[i+1:]
	}
	return hp, ""
}

func isScheme(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func looksLikePort(s string) bool {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n > 0 && (n == len(s) || strings.ContainsRune("/?#", rune(s[n])))
}

// LooksLikeURL reports whether a value (the whole value) is plausibly a URL
// or a host[:port][/path] reference.
func LooksLikeURL(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) > maxURL || strings.ContainsAny(s, " \t\n") {
		return false
	}
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		return true
	}
	return strings.HasPrefix(s, "//")
}

// FindURLs returns up to max URL-like substrings of s: scheme://… runs and
// bare IP-literal hosts followed by a port or path.
func FindURLs(s string, max int) []string {
	if len(s) > 1<<20 {
		s = s[:1<<20]
	}
	var out []string
	off := 0
	for len(out) < max {
		i := strings.Index(s[off:], "://")
		if i < 0 {
			break
		}
		i += off
		start := i
		for start > 0 && isSchemeByte(s[start-1]) {
			start--
		}
		end := i + 3
		for end < len(s) && !isURLStop(s[end]) {
			end++
		}
		if start < i {
			out = append(out, s[start:end])
		}
		off = end
		if off >= len(s) {
			break
		}
	}
	return out
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isURLStop(c byte) bool {
	return c <= ' ' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>' || c == '|' || c == ';' || c == '(' || c == ')'
}
