// Package report writes findings as a terminal table, JSON or SARIF 2.1.0.
// Every command that reports findings (inspect, scan, vet) goes through it.
// The JSON and SARIF shapes are a contract documented in docs/output.md.
package report

import (
	"fmt"
	"io"
	"slices"

	"github.com/moat-dev/moat/internal/finding"
)

// Options control rendering.
type Options struct {
	Format string // "table", "json" or "sarif"
	Color  bool   // ANSI colour in table output
	// Tool is the tool name in SARIF (default "moat"); Version its version.
	Tool, Version string
	// Extra is merged into the JSON document's top level (e.g. "servers").
	// Its keys must not be findings, summary or errors.
	Extra map[string]any
	// Errors are input problems (a bad line, an oversized document) reported
	// beside the findings: the JSON "errors" array, SARIF tool execution
	// notifications. The table leaves them to stderr and only counts them.
	Errors []InputError
	// Rules supplies rule metadata for SARIF; rules it does not know are
	// described from their findings.
	Rules RuleCatalog
	// SrcRoot makes absolute file paths under it relative in SARIF, which
	// code scanning needs to place results in the repository.
	SrcRoot string
}

// InputError is one input problem.
type InputError struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// RuleInfo is the metadata of one rule, for SARIF's tool.driver.rules.
type RuleInfo struct {
	ID          string
	Name        string // short PascalCase or kebab name; defaults to ID
	Description string // one sentence (shortDescription)
	Help        string // what it detects and how to fix it (fullDescription, help)
	HelpURI     string
	Severity    finding.Severity
	Category    string
	Tags        []string
}

// RuleCatalog looks rules up by id. The detect catalogue implements it.
type RuleCatalog interface {
	Rule(id string) (RuleInfo, bool)
}

// RuleMap is a RuleCatalog backed by a map.
type RuleMap map[string]RuleInfo

// Rule implements RuleCatalog.
func (m RuleMap) Rule(id string) (RuleInfo, bool) {
	r, ok := m[id]
	return r, ok
}

// Document is the JSON contract: {"findings":[…],"summary":{…},"errors":[…]}.
type Document struct {
	Findings []finding.Finding `json:"findings"`
	Summary  finding.Summary   `json:"summary"`
	Errors   []InputError      `json:"errors"`
}

// Write renders fs in the chosen format. fs is not modified; output is
// sorted with finding.Sort so it is deterministic.
func Write(w io.Writer, fs []finding.Finding, opts Options) error {
	fs = slices.Clone(fs)
	if fs == nil {
		fs = []finding.Finding{}
	}
	finding.Sort(fs)
	switch opts.Format {
	case "table", "":
		return writeTable(w, fs, opts)
	case "json":
		return writeJSON(w, fs, opts)
	case "sarif":
		return writeSARIF(w, fs, opts)
	default:
		return fmt.Errorf("unknown format %q: use table, json or sarif", opts.Format)
	}
}

// Formats lists the formats Write accepts.
var Formats = []string{"table", "json", "sarif"}

// severities lists every severity, highest first.
var severities = []finding.Severity{finding.Critical, finding.High, finding.Medium, finding.Low, finding.Info}

// summarize is finding.Summarize with every severity present, so consumers
// can read by_severity.high without checking for absence.
func summarize(fs []finding.Finding) finding.Summary {
	s := finding.Summarize(fs)
	for _, sev := range severities {
		if _, ok := s.BySeverity[sev.String()]; !ok {
			s.BySeverity[sev.String()] = 0
		}
	}
	return s
}
