// Package secrets finds credentials in text (data-loss prevention): cloud,
// VCS, chat, payment and LLM API keys, private keys, JWTs and database URLs
// with passwords. Rules are data (the embedded rules.yaml); a one-pass
// keyword prefilter decides which rules run, each rule's regex runs only
// anchored at its keywords, and checksums, entropy and placeholder checks
// cut false positives. It is pure.
package secrets

import (
	"fmt"
	"strings"
	"sync"

	"github.com/moat-dev/moat/internal/finding"
)

// Match is one secret found in a text.
type Match struct {
	RuleID      string
	Description string
	Severity    finding.Severity
	// Start and End are byte offsets of the secret value in the scanned text.
	Start, End int
	// Redacted is the value made safe to print: a few leading characters and
	// the rule id, never the whole secret.
	Redacted string
}

// RuleInfo describes one rule of the catalogue, for documentation.
type RuleInfo struct {
	ID          string
	Category    string
	Severity    finding.Severity
	Description string
	Keywords    []string
	Examples    Examples
}

// Examples are the values a rule must and must not match; a test runs both.
type Examples struct {
	Match   []string
	NoMatch []string
}

// defaultSet returns the compiled embedded catalogue, compiled on first use
// so that commands that never scan (moat version, most hook calls) do not
// pay for it. The catalogue is part of the binary and proven by tests, so
// failing to compile it is a build defect: fail loudly rather than scan with
// no rules.
var defaultSet = sync.OnceValue(func() *ruleSet {
	set, err := compileGenerated(genCatalogue, genPrefilter)
	if err != nil {
		panic(fmt.Sprintf("secrets: embedded catalogue: %v", err))
	}
	return set
})

func mustCompile(data []byte) *ruleSet {
	set, err := compile(data)
	if err != nil {
		panic(fmt.Sprintf("secrets: embedded catalogue: %v", err))
	}
	return set
}

// Catalogue lists the rules in priority order (earlier rules win overlaps).
func Catalogue() []RuleInfo {
	out := make([]RuleInfo, len(defaultSet().rules))
	for i := range defaultSet().rules {
		info := defaultSet().rules[i].info
		info.Keywords = append([]string(nil), info.Keywords...)
		info.Examples.Match = append([]string(nil), info.Examples.Match...)
		info.Examples.NoMatch = append([]string(nil), info.Examples.NoMatch...)
		out[i] = info
	}
	return out
}

// Scan returns the secrets in text, ordered by offset, non-overlapping.
func Scan(text string) []Match { return defaultSet().matches(text) }

func (set *ruleSet) matches(text string) []Match {
	cs := set.scan(text)
	if len(cs) == 0 {
		return nil
	}
	out := make([]Match, len(cs))
	for i, c := range cs {
		info := &set.rules[c.rule].info
		out[i] = Match{
			RuleID: info.ID, Description: info.Description, Severity: info.Severity,
			Start: c.start, End: c.end,
			Redacted: redactedForm(text[c.start:c.end], info.ID),
		}
	}
	return out
}

// Redact returns text with every secret replaced by a typed placeholder
// "[REDACTED:<rule-id>]", and the matches (offsets refer to the input).
// Other verbatim copies of a found secret (8 bytes or longer) are replaced
// too, so a value found once in context does not survive elsewhere.
func Redact(text string) (string, []Match) {
	ms := Scan(text)
	if len(ms) == 0 {
		return text, nil
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, m := range ms {
		b.WriteString(text[last:m.Start])
		b.WriteString("[REDACTED:" + m.RuleID + "]")
		last = m.End
	}
	b.WriteString(text[last:])
	out := b.String()
	for pass := 0; pass < 4; pass++ {
		changed := false
		for _, m := range ms {
			if v := text[m.Start:m.End]; len(v) >= 8 && strings.Contains(out, v) {
				out = strings.ReplaceAll(out, v, "[REDACTED:"+m.RuleID+"]")
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return out, ms
}
