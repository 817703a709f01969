// Package report writes findings as a terminal table, JSON or SARIF 2.1.0.
// Every command that reports findings (inspect, scan, vet) goes through it.
package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/moat-dev/moat/internal/finding"
)

// Options control rendering.
type Options struct {
	Format string // "table", "json" or "sarif"
	Color  bool   // ANSI colour in table output
	// Tool is the tool name in SARIF (default "moat"); Version its version.
	Tool, Version string
	// Extra is merged into the JSON document's top level (e.g. "servers").
	Extra map[string]any
}

// Document is the JSON contract: {"findings":[…],"summary":{…}}.
type Document struct {
	Findings []finding.Finding `json:"findings"`
	Summary  finding.Summary   `json:"summary"`
}

// Write renders fs in the chosen format. Placeholder: JSON only until the
// reporters land.
func Write(w io.Writer, fs []finding.Finding, opts Options) error {
	if fs == nil {
		fs = []finding.Finding{}
	}
	switch opts.Format {
	case "json", "table", "":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(Document{Findings: fs, Summary: finding.Summarize(fs)})
	default:
		return fmt.Errorf("unknown format %q: use table, json or sarif", opts.Format)
	}
}
