// Package detect is the inspection engine: pure functions from normalized
// text and its location to findings. Rules are data (an embedded catalogue);
// the engine prefilters with multi-pattern matching and then runs only the
// rules whose keywords occur.
package detect

import (
	"fmt"
	"sort"
	"sync"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/secrets"
)

// Context says what kind of text a Target is, which changes how it is read:
// a tool description is expected to describe, a tool result is expected to be
// data.
type Context int

// Contexts.
const (
	// Definition is model-visible metadata a server declares: tool, prompt and
	// resource names, titles, descriptions, schema strings, annotations,
	// server instructions.
	Definition Context = iota
	// Output is content a server returns or sends: tool results, resource
	// contents, prompt messages, sampling and elicitation requests.
	Output
	// Input is content flowing to a server or pasted by a user: tool call
	// arguments, prompts submitted to an agent.
	Input
)

// String returns the context's catalogue name.
func (c Context) String() string {
	switch c {
	case Definition:
		return "definition"
	case Output:
		return "output"
	case Input:
		return "input"
	}
	return fmt.Sprintf("context(%d)", int(c))
}

// Target is one piece of text to inspect.
type Target struct {
	Context Context
	// Location is copied into every finding; Field is the JSON path of the
	// text inside its document (e.g. "inputSchema.properties.notes.description").
	Location finding.Location
	Text     string
	// Identifier marks names (tool names, property names) whose words are
	// split before matching.
	Identifier bool
}

// Scanner inspects targets. *Engine implements it.
type Scanner interface {
	Scan(t Target) []finding.Finding
}

// MaxScanBytes caps the text scanned per target; the rest is not inspected
// and a scan-truncated finding says so.
const MaxScanBytes = 1 << 20

// Engine is the inspection engine. The zero value is not usable; use New.
// An Engine is safe for concurrent use.
type Engine struct {
	cat      *catalogue
	enabled  []bool // by rule index
	byID     map[string]*Rule
	explain  int32 // term id of @explanatory, -1 if absent
	example  int32 // term id of @example-marker, -1 if absent
	pool     sync.Pool
	skipSecr bool
}

var _ Scanner = (*Engine)(nil)

// Options configure an Engine.
type Options struct {
	// Disabled lists rule ids to skip.
	Disabled []string
}

var (
	defaultOnce sync.Once
	defaultCat  *catalogue
	defaultErr  error
)

// New builds an engine from the embedded rule catalogue. It fails when a
// disabled id names no rule, so a typo never silently disables nothing.
func New(opts Options) (*Engine, error) {
	defaultOnce.Do(func() { defaultCat, defaultErr = loadGenerated(rulesGen, rulesBin) })
	if defaultErr != nil {
		return nil, fmt.Errorf("load rule catalogue: %w", defaultErr)
	}
	return newEngine(defaultCat, opts)
}

func newEngine(cat *catalogue, opts Options) (*Engine, error) {
	e := &Engine{cat: cat, enabled: make([]bool, len(cat.rules)), byID: map[string]*Rule{}, explain: -1, example: -1}
	for i, r := range cat.rules {
		e.enabled[i] = true
		e.byID[r.ID] = r
	}
	for _, id := range opts.Disabled {
		found := false
		for i, r := range cat.rules {
			if r.ID == id {
				e.enabled[i], found = false, true
			}
		}
		if !found {
			return nil, fmt.Errorf("disabled rule %q does not exist: check the id against 'docs/rules.md'", id)
		}
	}
	if id, ok := cat.termIdx["@explanatory"]; ok {
		e.explain = id
	}
	if id, ok := cat.termIdx["@example-marker"]; ok {
		e.example = id
	}
	e.pool.New = func() any { return &state{termHits: make([][]int32, len(cat.terms))} }
	return e, nil
}

// Rules returns the catalogue's rules in catalogue order (for documentation
// and SARIF rule metadata).
func (e *Engine) Rules() []*Rule {
	out := make([]*Rule, 0, len(e.cat.rules))
	for i, r := range e.cat.rules {
		if e.enabled[i] {
			out = append(out, r)
		}
	}
	return out
}

// Scan returns the findings for t: tool poisoning, prompt injection, hidden
// content and secrets, sorted by severity (highest first) then rule id.
func (e *Engine) Scan(t Target) []finding.Finding {
	out := e.scan(&t, t.Text, 0)
	if !e.skipSecr {
		out = appendSecrets(out, &t, capText(t.Text))
	}
	if len(out) < 2 {
		return out
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Severity != out[j].Severity {
			return out[i].Severity > out[j].Severity
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

// ScanAll scans many targets and returns all findings in target order.
func (e *Engine) ScanAll(ts []Target) []finding.Finding {
	var out []finding.Finding
	for _, t := range ts {
		out = append(out, e.Scan(t)...)
	}
	return out
}

func capText(s string) string {
	if len(s) <= MaxScanBytes {
		return s
	}
	n := MaxScanBytes
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func appendSecrets(out []finding.Finding, t *Target, text string) []finding.Finding {
	for _, m := range secrets.Scan(text) {
		out = append(out, finding.Finding{
			Rule: m.RuleID, Category: finding.CatSecret, Severity: m.Severity,
			Message:  "a credential appears in the text: " + m.Description,
			Evidence: m.Redacted, Location: t.Location,
			Fix: "revoke and rotate the credential; keep secrets out of tool descriptions and results",
		})
	}
	return out
}
