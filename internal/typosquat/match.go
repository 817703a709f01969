package typosquat

import (
	"strings"

	"github.com/hbollon/go-edlib"
	"go.mau.fi/util/confusable"
)

// Kind is how a name relates to a listed package.
type Kind string

// Kinds, most severe imitation first.
const (
	Official      Kind = "official"       // the listed package itself
	Homoglyph     Kind = "homoglyph"      // look-alike characters (l/1/I, 0/o, rn/m, Unicode confusables)
	SeparatorSwap Kind = "separator-swap" // same letters, scope or separators changed ("modelcontextprotocol-server-postgres")
	DroppedScope  Kind = "dropped-scope"  // the scoped name without its scope ("server-postgres")
	ScopeTrick    Kind = "scope-trick"    // same subject under a look-alike scope ("@mcp-servers/postgres")
	Ecosystem2    Kind = "other-registry" // an official name published on another registry
	Typo          Kind = "typo"           // small Damerau-Levenshtein distance
	Suffix        Kind = "suffix"         // affix added or removed ("server-filesystem-mcp")
)

var rank = map[Kind]int{Homoglyph: 7, SeparatorSwap: 6, DroppedScope: 5, ScopeTrick: 4, Ecosystem2: 3, Typo: 2, Suffix: 1}

// Match is the result of checking a name.
type Match struct {
	Kind Kind
	// Package is the listed package the name is or imitates.
	Package Package
	// Distance is the Damerau-Levenshtein distance between the names, or
	// -1 when it was not needed (the names differ in length by more than a
	// typo can).
	Distance int
}

// Check reports whether name is a listed package (Kind Official) or
// imitates one. ok is false for names unrelated to the list, and for
// names inside a scope that the list's vendors own.
func (l *List) Check(eco Ecosystem, name string) (Match, bool) {
	n := Normalize(eco, name)
	if n == "" {
		return Match{}, false
	}
	if p, ok := l.Lookup(eco, n); ok {
		return Match{Kind: Official, Package: p}, true
	}
	e := newEntry(Package{Name: n, Ecosystem: eco})
	if eco == NPM && l.scopes[e.scope] {
		return Match{}, false // the scope's owner published it
	}
	var best Match
	found := false
	for _, o := range l.pkgs {
		k, d, ok := compare(e, o)
		if !ok {
			continue
		}
		if !found || rank[k] > rank[best.Kind] || (rank[k] == rank[best.Kind] && d < best.Distance) {
			best, found = Match{Kind: k, Package: o.Package, Distance: d}, true
		}
	}
	return best, found
}

// compare relates candidate c to listed package o.
//
// The looser rules (dropped scope, scope trick, affixes, other registry)
// only compare against servers, never libraries or tools, and only fire
// when the candidate itself names MCP: short generic names such as "sdk",
// "inspector", "mongodb" or "firecrawl" are other people's packages, not
// imitations (measured against the npm names with ≥1,000 downloads a
// month; see TestKnownNamesNotFlagged).
func compare(c, o entry) (Kind, int, bool) {
	server := o.Kind == "" || o.Kind == "server"
	if c.Ecosystem != o.Ecosystem {
		// The reference Python servers (mcp-server-fetch …) published on npm.
		if c.norm == o.norm && server && strings.HasPrefix(o.norm, "mcp-server-") {
			return Ecosystem2, 0, true
		}
		return "", 0, false
	}
	// The distance is at least the length difference, so the (quadratic)
	// computation is skipped when that alone rules a typo out.
	d, limit := -1, maxTypo(len(o.norm))
	if diff := len(c.norm) - len(o.norm); diff <= limit && -diff <= limit && limit > 0 {
		d = edlib.OSADamerauLevenshteinDistance(c.norm, o.norm)
	}
	loose := server && mentionsMCP(c.norm)
	switch {
	case c.skel == o.skel:
		return Homoglyph, d, true
	case c.flat == o.flat:
		return SeparatorSwap, d, true
	case loose && o.scope != "" && c.scope == "" && c.base == o.base && strings.HasPrefix(o.base, "server-"):
		return DroppedScope, d, true
	case loose && scopeTrick(c, o):
		return ScopeTrick, d, true
	case d > 0 && d <= limit:
		return Typo, d, true
	case loose && affixed(c, o):
		return Suffix, d, true
	}
	return "", 0, false
}

// mentionsMCP reports whether a name says it is an MCP package.
func mentionsMCP(n string) bool {
	return strings.Contains(n, "mcp") || strings.Contains(n, "modelcontextprotocol") || strings.Contains(n, "server")
}

// maxTypo is the edit distance still treated as a typo for a name of n
// bytes: short names collide by chance.
func maxTypo(n int) int {
	switch {
	case n >= 10:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// scopeTrick: same subject, different scope, and the scope itself
// borrows authority ("mcp", "modelcontextprotocol", "official", the
// vendor's scope) or looks like the real one.
func scopeTrick(c, o entry) bool {
	if c.Ecosystem != NPM || c.scope == "" || o.scope == "" || c.scope == o.scope {
		return false
	}
	cc := core(c.base)
	if cc == "" {
		cc = strings.TrimPrefix(c.scope, "@")
	}
	if cc != o.core || len(cc) < 3 {
		return false
	}
	s, os := strings.TrimPrefix(c.scope, "@"), strings.TrimPrefix(o.scope, "@")
	return strings.Contains(s, "mcp") || strings.Contains(s, "modelcontextprotocol") ||
		strings.Contains(s, "official") || strings.Contains(s, os) ||
		edlib.OSADamerauLevenshteinDistance(s, os) <= 2
}

// affixed: the name is the listed one plus or minus an MCP affix or a
// marketing suffix, in the same scope (or both unscoped).
func affixed(c, o entry) bool {
	if c.scope != o.scope {
		return false
	}
	extra := []string{"-official", "-js", "-ts", "-py", "-node", "-cli", "-pro", "-latest", "-v2", "-new", "2"}
	for _, s := range append(append([]string{}, suffixes...), extra...) {
		if c.base == o.base+s || (o.base == c.base+s && len(c.base) >= 6) {
			return true
		}
	}
	for _, p := range prefixes {
		if c.base == p+o.base || (o.base == p+c.base && len(c.base) >= 6) {
			return true
		}
	}
	return false
}

// skeleton maps a name to a form where look-alikes coincide: TR39
// confusable skeleton, lower case, and the ASCII look-alikes registries
// allow (1/I/i/| → l, 0 → o, rn → m, vv → w).
func skeleton(s string) string {
	s = strings.ToLower(confusable.Skeleton(s))
	s = strings.NewReplacer("rn", "m", "vv", "w").Replace(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case '1', 'i', '|', 'ı':
			return 'l'
		case '0':
			return 'o'
		}
		return r
	}, s)
}

// flatten drops every separator and scope marker.
func flatten(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '@', '/', '-', '_', '.', ':':
			return -1
		}
		return r
	}, s)
}
