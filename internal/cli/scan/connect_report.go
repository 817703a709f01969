package scan

import (
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/live"
	"github.com/moat-dev/moat/internal/report"
	"github.com/moat-dev/moat/internal/scan"
)

// liveRules describes the rules only --connect reports, for SARIF.
var liveRules = []report.RuleInfo{
	{ID: scan.RuleUnreachable, Description: "A server could not be started, connected to or initialised in time.", Severity: finding.Low, Category: finding.CatConfig},
	{ID: scan.RuleTruncated, Description: "A server listed more items than moat reads.", Severity: finding.Medium, Category: finding.CatConfig},
	{ID: scan.RuleUnpinnable, Description: "A tool definition cannot be canonicalised (duplicate keys, invalid UTF-8).", Severity: finding.Medium, Category: finding.CatDrift},
	{ID: scan.RuleNameCollision, Description: "Two servers of one client offer a tool with the same name.", Severity: finding.High, Category: finding.CatShadowing},
	{ID: scan.RuleNearName, Description: "Two servers of one client offer tools with nearly the same name.", Severity: finding.Medium, Category: finding.CatShadowing},
	{ID: scan.RuleCrossRef, Description: "A server's description or instructions name another server's tool.", Severity: finding.High, Category: finding.CatShadowing},
	{ID: scan.RuleToxicFlow, Description: "A client's servers together can read private data, take in untrusted content and send data out.", Severity: finding.High, Category: finding.CatToxicFlow},
	{ID: RuleDrift, Description: "A tool or the server instructions differ from the lockfile (--frozen).", Severity: finding.High, Category: finding.CatDrift},
}

func addLiveRules(m report.RuleMap) {
	for _, r := range liveRules {
		m[r.ID] = r
	}
	if e, err := detect.New(detect.Options{}); err == nil {
		for _, r := range e.Rules() {
			m[r.ID] = report.RuleInfo{ID: r.ID, Description: r.Description, Help: r.Fix, Severity: r.Severity, Category: r.Category}
		}
	}
}

// liveServerJSON is one server in the JSON report's "live" array: what it
// said about itself, how much it listed, or why it could not be inspected.
type liveServerJSON struct {
	Name            string            `json:"name"`
	Client          string            `json:"client"`
	Config          string            `json:"config"`
	Status          string            `json:"status"` // ok, failed, timeout
	Error           string            `json:"error,omitempty"`
	Stderr          string            `json:"stderr,omitempty"`
	ServerName      string            `json:"server_name,omitempty"`
	ServerVersion   string            `json:"server_version,omitempty"`
	ProtocolVersion string            `json:"protocol_version,omitempty"`
	Tools           int               `json:"tools"`
	Prompts         int               `json:"prompts"`
	Resources       int               `json:"resources"`
	Templates       int               `json:"resource_templates"`
	ListErrors      map[string]string `json:"list_errors,omitempty"`
	ElapsedMS       int64             `json:"elapsed_ms"`
}

func liveJSON(results []live.Result) []liveServerJSON {
	out := make([]liveServerJSON, 0, len(results))
	for _, r := range results {
		j := liveServerJSON{
			Name: r.Spec.Name, Client: r.Spec.Source.Client, Config: r.Spec.Source.File, Status: "ok",
			ServerName: r.ServerName, ServerVersion: r.ServerVersion, ProtocolVersion: r.ProtocolVersion,
			Tools: len(r.Tools), Prompts: len(r.Prompts), Resources: len(r.Resources), Templates: len(r.Templates),
			ListErrors: r.ListErrors, ElapsedMS: r.Elapsed.Milliseconds(),
		}
		if r.Err != nil {
			j.Status, j.Error, j.Stderr = "failed", r.Err.Error(), r.Stderr
			if le, ok := r.Err.(*live.Error); ok && le.Timeout {
				j.Status = "timeout"
			}
		}
		out = append(out, j)
	}
	return out
}
