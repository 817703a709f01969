package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moat-dev/moat/internal/finding"
)

// SARIF 2.1.0 is written with a handful of local structs rather than
// go-sarif: the output is exactly the subset GitHub code scanning reads,
// field order and omissions are under our control for golden tests, and the
// binary does not pull in go-sarif's JSON-schema validator.

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	infoURI      = "https://github.com/moat-dev/moat"
	// fingerprintKey names moat's partial fingerprint; bump the version if
	// finding.Fingerprint changes meaning.
	fingerprintKey = "moat/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifHelp      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Precision        string   `json:"precision,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifResultProps struct {
	Severity string `json:"severity"`
	Category string `json:"category,omitempty"`
	Evidence string `json:"evidence,omitempty"`
	Fix      string `json:"fix,omitempty"`
	Kind     string `json:"kind,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
}

// level maps a severity to a SARIF result level.
func level(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return "error"
	case s == finding.Medium:
		return "warning"
	default:
		return "note"
	}
}

// securitySeverity is the CVSS-like score GitHub uses to rank security
// alerts: ≥9 critical, 7–8.9 high, 4–6.9 medium, <4 low.
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	case finding.Low:
		return "3.0"
	}
	return ""
}

func writeSARIF(w io.Writer, fs []finding.Finding, opts Options) error {
	rules, index := sarifRules(fs, opts.Rules)
	tool := opts.Tool
	if tool == "" {
		tool = "moat"
	}
	run := sarifRun{
		Tool:        sarifTool{Driver: sarifDriver{Name: tool, Version: opts.Version, InformationURI: infoURI, Rules: rules}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true, Notifications: notifications(opts)}},
		Results:     make([]sarifResult, 0, len(fs)),
	}
	for _, f := range fs {
		run.Results = append(run.Results, sarifResultOf(f, index[f.Rule], opts.SrcRoot))
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifRules describes every rule that has a result, sorted by id, and
// returns each rule's index.
func sarifRules(fs []finding.Finding, cat RuleCatalog) ([]sarifRule, map[string]int) {
	byID := map[string]RuleInfo{}
	for _, f := range fs {
		if _, seen := byID[f.Rule]; seen {
			if f.Severity > byID[f.Rule].Severity && !known(cat, f.Rule) {
				r := byID[f.Rule]
				r.Severity = f.Severity
				byID[f.Rule] = r
			}
			continue
		}
		if r, ok := lookup(cat, f.Rule); ok {
			byID[f.Rule] = r
			continue
		}
		byID[f.Rule] = RuleInfo{ID: f.Rule, Description: f.Message, Help: f.Fix, Severity: f.Severity, Category: f.Category}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	rules := make([]sarifRule, 0, len(ids))
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
		rules = append(rules, sarifRuleOf(id, byID[id]))
	}
	return rules, index
}

func lookup(cat RuleCatalog, id string) (RuleInfo, bool) {
	if cat == nil {
		return RuleInfo{}, false
	}
	return cat.Rule(id)
}

func known(cat RuleCatalog, id string) bool {
	_, ok := lookup(cat, id)
	return ok
}

func sarifRuleOf(id string, r RuleInfo) sarifRule {
	name := r.Name
	if name == "" {
		name = id
	}
	short := firstSentence(r.Description)
	if short == "" {
		short = id
	}
	full := r.Description
	if full == "" {
		full = short
	}
	help := full
	if r.Help != "" {
		help = full + "\n\n" + r.Help
	}
	tags := []string{"security"}
	if r.Category != "" {
		tags = append(tags, r.Category)
	}
	for _, t := range r.Tags {
		if !contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return sarifRule{
		ID: id, Name: name,
		ShortDescription:     sarifText{Text: short},
		FullDescription:      sarifText{Text: full},
		Help:                 sarifHelp{Text: help},
		HelpURI:              r.HelpURI,
		DefaultConfiguration: sarifConfig{Level: level(r.Severity)},
		Properties:           sarifRuleProps{Tags: tags, SecuritySeverity: securitySeverity(r.Severity)},
	}
}

func sarifResultOf(f finding.Finding, ruleIndex int, root string) sarifResult {
	msg := f.Message
	if msg == "" {
		msg = f.Rule
	}
	if f.Evidence != "" {
		msg += "\nEvidence: " + f.Evidence
	}
	sum := sha256.Sum256([]byte(f.Fingerprint()))
	loc := sarifLocation{PhysicalLocation: physical(f.Location, root), LogicalLocations: logical(f.Location)}
	return sarifResult{
		RuleID: f.Rule, RuleIndex: ruleIndex, Level: level(f.Severity),
		Message:             sarifText{Text: msg},
		Locations:           []sarifLocation{loc},
		PartialFingerprints: map[string]string{fingerprintKey: hex.EncodeToString(sum[:16])},
		Properties: sarifResultProps{Severity: f.Severity.String(), Category: f.Category,
			Evidence: f.Evidence, Fix: f.Fix, Kind: f.Location.Kind},
	}
}

// physical is the file (or client config) a finding is in, as a relative
// URI against %SRCROOT% when possible.
func physical(l finding.Location, root string) *sarifPhysical {
	file := l.File
	if file == "" {
		file = l.Config
	}
	if file == "" {
		return nil
	}
	p := &sarifPhysical{ArtifactLocation: artifact(file, root)}
	if l.Line > 0 { // the line in File, or in Config when there is no File
		p.Region = &sarifRegion{StartLine: l.Line}
	}
	return p
}

func artifact(file, root string) sarifArtifact {
	if root != "" && filepath.IsAbs(file) {
		if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	if filepath.IsAbs(file) {
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(file)}
		return sarifArtifact{URI: u.String()}
	}
	u := url.URL{Path: filepath.ToSlash(filepath.Clean(file))}
	return sarifArtifact{URI: strings.TrimPrefix(u.String(), "./"), URIBaseID: "%SRCROOT%"}
}

// logical lists the server, the tool (prompt, resource …) and the field.
func logical(l finding.Location) []sarifLogical {
	var out []sarifLogical
	fq := ""
	if l.Server != "" {
		out = append(out, sarifLogical{Name: l.Server, FullyQualifiedName: l.Server, Kind: "module"})
		fq = l.Server
	}
	if l.Tool != "" {
		fq = join(fq, l.Tool)
		kind := "function"
		if l.Kind == "resource" || l.Kind == "prompt" {
			kind = "resource"
		}
		out = append(out, sarifLogical{Name: l.Tool, FullyQualifiedName: fq, Kind: kind})
	}
	if l.Field != "" {
		out = append(out, sarifLogical{Name: l.Field, FullyQualifiedName: join(fq, l.Field), Kind: "member"})
	}
	return out
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "/" + b
}

func notifications(opts Options) []sarifNotification {
	var out []sarifNotification
	for _, e := range opts.Errors {
		n := sarifNotification{Level: "error", Message: sarifText{Text: e.Message}}
		if e.File != "" {
			l := finding.Location{File: e.File, Line: e.Line}
			n.Locations = []sarifLocation{{PhysicalLocation: physical(l, opts.SrcRoot)}}
		}
		out = append(out, n)
	}
	return out
}

func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	if i := strings.IndexByte(s, '\n'); i > 0 {
		return s[:i]
	}
	return s
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
