package secrets

import (
	"strings"
	"testing"
)

// TestCatalogueExamples runs every rule's examples both ways against the
// full catalogue: a match example must be reported under that rule (so
// priority between rules is tested too), a nomatch example never.
func TestCatalogueExamples(t *testing.T) {
	for _, info := range Catalogue() {
		t.Run(info.ID, func(t *testing.T) {
			if len(info.Examples.Match) == 0 || len(info.Examples.NoMatch) == 0 {
				t.Fatalf("rule needs at least one match and one nomatch example")
			}
			for _, ex := range info.Examples.Match {
				ms := Scan(ex)
				if !hasRule(ms, info.ID) {
					t.Errorf("match example not found by %s:\n%s\ngot %v", info.ID, ex, ids(ms))
				}
				for _, m := range ms {
					if m.RuleID == info.ID && strings.Contains(m.Redacted, ex[m.Start:m.End]) {
						t.Errorf("redacted form %q contains the value", m.Redacted)
					}
				}
			}
			for _, ex := range info.Examples.NoMatch {
				if ms := Scan(ex); hasRule(ms, info.ID) {
					t.Errorf("nomatch example found by %s:\n%s", info.ID, ex)
				}
			}
		})
	}
}

func TestCatalogueShape(t *testing.T) {
	seen := map[string]bool{}
	for _, info := range Catalogue() {
		if seen[info.ID] {
			t.Errorf("duplicate id %s", info.ID)
		}
		seen[info.ID] = true
		if info.Category != "secret" || info.Description == "" || len(info.Keywords) == 0 {
			t.Errorf("%s: incomplete rule info %+v", info.ID, info)
		}
	}
	if len(seen) < 30 {
		t.Errorf("catalogue has %d rules, expected the full set", len(seen))
	}
}

func TestCompileRejects(t *testing.T) {
	const good = `version: 1
rules:
  - id: secret-x
    category: secret
    severity: high
    description: x
    keywords: [abc]
    regex: 'abc[0-9]{4}'
`
	if _, err := compile([]byte(good)); err != nil {
		t.Fatalf("baseline catalogue: %v", err)
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", good + "    colour: red\n", "colour"},
		{"duplicate key", good + "    regex: 'x'\n", "already defined"},
		{"bad version", strings.Replace(good, "version: 1", "version: 2", 1), "version 2"},
		{"bad id", strings.Replace(good, "secret-x", "x", 1), "secret-"},
		{"bad category", strings.Replace(good, "category: secret", "category: misc", 1), "category"},
		{"bad severity", strings.Replace(good, "severity: high", "severity: none", 1), "severity"},
		{"short keyword", strings.Replace(good, "[abc]", "[ab]", 1), "keyword"},
		{"no keywords", strings.Replace(good, "[abc]", "[]", 1), "keywords"},
		{"bad regex", strings.Replace(good, "'abc[0-9]{4}'", "'abc[0-9'", 1), "regex"},
		{"unknown validator", good + "    validate: [luhn]\n", "unknown validator"},
		{"bad entropy", good + "    validate: ['entropy>=x']\n", "entropy"},
		{"unknown extender", good + "    extend: magic\n", "extender"},
		{"window too big", good + "    window: 1000000\n", "window"},
		{"duplicate id", good + strings.SplitN(good, "rules:\n", 2)[1], "twice"},
		{"two documents", good + "---\nversion: 1\n", "more than one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compile([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("compile error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func hasRule(ms []Match, id string) bool {
	for _, m := range ms {
		if m.RuleID == id {
			return true
		}
	}
	return false
}

func ids(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.RuleID)
	}
	return out
}
