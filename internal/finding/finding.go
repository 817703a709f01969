// Package finding defines the one finding type every moat detector, check and
// reporter shares: what was found, how severe it is, the evidence and where.
package finding

import (
	"fmt"
	"sort"
	"strings"
)

// Severity orders findings. The zero value is Info.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name used in output and flags.
func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name (case-insensitive). "none" and "never"
// parse to a value above Critical, so that nothing reaches it.
func ParseSeverity(s string) (Severity, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "none", "never", "off":
		return Critical + 1, nil
	default:
		for i, n := range severityNames {
			if n == v {
				return Severity(i), nil
			}
		}
	}
	return 0, fmt.Errorf("unknown severity %q: use one of info, low, medium, high, critical, none", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Category names used across detectors. Reporters treat categories as opaque
// strings; these constants keep spelling consistent.
const (
	CatToolPoisoning   = "tool-poisoning"
	CatPromptInjection = "prompt-injection"
	CatHiddenContent   = "hidden-content"
	CatSecret          = "secret"
	CatSupplyChain     = "supply-chain"
	CatTyposquat       = "typosquat"
	CatShadowing       = "tool-shadowing"
	CatPermission      = "permission"
	CatTransport       = "transport"
	CatConfig          = "config"
	CatDrift           = "drift"
	CatToxicFlow       = "toxic-flow"
)

// Location says where a finding is. Every field is optional.
type Location struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Client string `json:"client,omitempty"`
	Config string `json:"config,omitempty"`
	Server string `json:"server,omitempty"`
	// Kind is what the text belongs to: tool, prompt, resource, server,
	// output, request …
	Kind  string `json:"kind,omitempty"`
	Tool  string `json:"tool,omitempty"`
	Field string `json:"field,omitempty"`
}

// Finding is one result of a detector or check.
type Finding struct {
	Rule     string   `json:"rule"`
	Category string   `json:"category"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Evidence is the matched text with hidden characters made visible and
	// secrets redacted. It is safe to print.
	Evidence string   `json:"evidence,omitempty"`
	Location Location `json:"location"`
	// Fix is a short hint on what to do.
	Fix string `json:"fix,omitempty"`
}

// Fingerprint is a stable identity for suppressions and de-duplication.
func (f Finding) Fingerprint() string {
	l := f.Location
	return strings.Join([]string{f.Rule, l.File, l.Client, l.Server, l.Kind, l.Tool, l.Field}, "|")
}

// MaxSeverity returns the highest severity in fs and whether fs is non-empty.
func MaxSeverity(fs []Finding) (Severity, bool) {
	if len(fs) == 0 {
		return Info, false
	}
	m := fs[0].Severity
	for _, f := range fs[1:] {
		if f.Severity > m {
			m = f.Severity
		}
	}
	return m, true
}

// AtOrAbove returns the number of findings with severity ≥ min.
func AtOrAbove(fs []Finding, min Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity >= min {
			n++
		}
	}
	return n
}

// Sort orders findings by file, line, server, tool, field, then severity
// (highest first) and rule, so output is deterministic.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		if a.Location.Line != b.Location.Line {
			return a.Location.Line < b.Location.Line
		}
		if a.Location.Server != b.Location.Server {
			return a.Location.Server < b.Location.Server
		}
		if a.Location.Tool != b.Location.Tool {
			return a.Location.Tool < b.Location.Tool
		}
		if a.Location.Field != b.Location.Field {
			return a.Location.Field < b.Location.Field
		}
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.Rule < b.Rule
	})
}

// Summary counts findings per severity and category.
type Summary struct {
	Total      int            `json:"total"`
	BySeverity map[string]int `json:"by_severity"`
	ByCategory map[string]int `json:"by_category"`
}

// Summarize builds a Summary of fs.
func Summarize(fs []Finding) Summary {
	s := Summary{Total: len(fs), BySeverity: map[string]int{}, ByCategory: map[string]int{}}
	for _, f := range fs {
		s.BySeverity[f.Severity.String()]++
		s.ByCategory[f.Category]++
	}
	return s
}
