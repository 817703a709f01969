package detect

import (
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/finding"
)

func mustEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// exampleTarget builds the target a rule example describes.
func exampleTarget(r *Rule, text string) Target {
	ctx := r.Contexts[0]
	if c, ok := contextNames[r.Examples.Context]; ok {
		ctx = c
	}
	field := r.Examples.Field
	if field == "" {
		field = "description"
	}
	return Target{Context: ctx, Text: text, Identifier: r.Examples.Identifier,
		Location: finding.Location{Tool: "t", Field: field}}
}

func hasRule(fs []finding.Finding, id string) bool {
	for _, f := range fs {
		if f.Rule == id {
			return true
		}
	}
	return false
}

// TestRuleExamples runs every rule's own examples both ways.
func TestRuleExamples(t *testing.T) {
	e := mustEngine(t)
	for _, r := range e.Rules() {
		t.Run(r.ID, func(t *testing.T) {
			if len(r.Examples.Match)+len(r.Examples.Nomatch) == 0 {
				t.Fatalf("rule has no examples")
			}
			for _, ex := range r.Examples.Match {
				fs := e.Scan(exampleTarget(r, ex))
				if !hasRule(fs, r.ID) {
					t.Errorf("should match: %q\n got: %v", ex, ruleIDs(fs))
				}
			}
			for _, ex := range r.Examples.Nomatch {
				fs := e.Scan(exampleTarget(r, ex))
				if hasRule(fs, r.ID) {
					t.Errorf("should not match: %q", ex)
				}
			}
		})
	}
}

func ruleIDs(fs []finding.Finding) string {
	var b []string
	for _, f := range fs {
		b = append(b, f.Rule+"/"+f.Severity.String())
	}
	return strings.Join(b, ",")
}
