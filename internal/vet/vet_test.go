package vet

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/moat-dev/moat/internal/typosquat"
)

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func list(t testing.TB) *typosquat.List {
	t.Helper()
	l, err := typosquat.Default()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// goodFacts is a healthy community package with every source answered.
func goodFacts() *Facts {
	return &Facts{
		Target:  Target{Ecosystem: NPM, Name: "@acme/mcp-weather", Version: "1.2.0"},
		Version: "1.2.0",
		Package: &Package{
			RepositoryURL: "git+https://github.com/acme/mcp-weather.git",
			Publisher:     "alice", Maintainers: []string{"alice", "bob"}, MaintainersKnown: true,
			Published: now.Add(-10 * 24 * time.Hour), LastPublished: now.Add(-10 * 24 * time.Hour),
			DeprecatedKnown: true, License: "MIT", Readme: 4000, ReadmeKnown: true,
			InstallScripts: map[string]string{}, InstallKnown: true,
			Provenance:      []Provenance{{PredicateType: "https://slsa.dev/provenance/v1", Repository: "https://github.com/acme/mcp-weather"}},
			ProvenanceKnown: true,
			History: []Release{
				{Version: "1.1.0", Publisher: "alice", Maintainers: []string{"alice", "bob"}},
				{Version: "1.2.0", Publisher: "alice", Maintainers: []string{"alice", "bob"}},
			},
		},
		Repo: &Repo{
			FullName: "acme/mcp-weather", LastCommit: now.Add(-5 * 24 * time.Hour),
			Issues: &Issues{Open: 4, Sampled: 4, Answered: 3, MedianAge: 20 * 24 * time.Hour},
			CI:     &CI{Workflows: 2}, TestFiles: 12, TestsKnown: true, Readme: 4000, ReadmeKnown: true,
		},
		Deps:       &Deps{Direct: 2, Transitive: 9, Complete: true, VulnsKnown: true},
		Vulns:      &Vulns{},
		Tools:      []Tool{{Name: "get_forecast", Description: "Return the weather forecast for a city name."}},
		ToolsKnown: true,
		Gaps:       map[string]string{},
	}
}

func statusOf(sigs []Signal, name string) Signal {
	for _, s := range sigs {
		if s.Signal == name {
			return s
		}
	}
	return Signal{Signal: name, Status: "absent"}
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name        string
		mut         func(f *Facts)
		wantVerdict Verdict
		// wantSignals maps signal → status (and "!" suffix for critical).
		wantSignals map[string]string
	}{
		{
			name: "community package, everything green but its author",
			mut:  func(*Facts) {}, wantVerdict: Review,
			wantSignals: map[string]string{"Source": "red", "Typosquat": "green", "Repository": "green", "Provenance": "green",
				"Last commit": "green", "Open issues": "green", "CI": "green", "Tests": "green", "Dependencies": "green",
				"Install scripts": "green", "Vulnerabilities": "green", "Scope": "green", "Maintainers": "green", "License": "green"},
		},
		{
			name: "official reference server",
			mut: func(f *Facts) {
				f.Target.Name = "@modelcontextprotocol/server-memory"
				f.Package.RepositoryURL = "https://github.com/modelcontextprotocol/servers.git"
				f.Package.Provenance[0].Repository = "https://github.com/modelcontextprotocol/servers"
				f.Repo.FullName = "modelcontextprotocol/servers"
			},
			wantVerdict: OK, wantSignals: map[string]string{"Source": "green", "Repository": "green"},
		},
		{
			name:        "typosquat of an official package",
			mut:         func(f *Facts) { f.Target.Name = "@model-context-protocol/server-filesystem" },
			wantVerdict: Avoid, wantSignals: map[string]string{"Typosquat": "red!"},
		},
		{
			name:        "archived official package",
			mut:         func(f *Facts) { f.Target.Name = "@modelcontextprotocol/server-postgres" },
			wantVerdict: Avoid, wantSignals: map[string]string{"Status": "red!"},
		},
		{
			name:        "deprecated",
			mut:         func(f *Facts) { f.Package.Deprecated = "use @acme/weather2" },
			wantVerdict: Avoid, wantSignals: map[string]string{"Status": "red!"},
		},
		{
			name:        "archived repository",
			mut:         func(f *Facts) { f.Repo.Archived = true },
			wantVerdict: Avoid, wantSignals: map[string]string{"Status": "red!"},
		},
		{
			name:        "install script from an unknown publisher",
			mut:         func(f *Facts) { f.Package.InstallScripts = map[string]string{"postinstall": "node setup.js"} },
			wantVerdict: Avoid, wantSignals: map[string]string{"Install scripts": "red!"},
		},
		{
			name:        "high vulnerability in the version",
			mut:         func(f *Facts) { f.Vulns = &Vulns{IDs: []string{"GHSA-aaaa"}, Severe: []string{"GHSA-aaaa"}} },
			wantVerdict: Avoid, wantSignals: map[string]string{"Vulnerabilities": "red!"},
		},
		{
			name:        "low vulnerability in the version",
			mut:         func(f *Facts) { f.Vulns = &Vulns{IDs: []string{"GHSA-bbbb"}} },
			wantVerdict: Review, wantSignals: map[string]string{"Vulnerabilities": "red"},
		},
		{
			name: "new publisher right before the version",
			mut: func(f *Facts) {
				f.Package.History[1].Publisher = "mallory"
				f.Package.Publisher = "mallory"
			},
			wantVerdict: Avoid, wantSignals: map[string]string{"Maintainers": "red!"},
		},
		{
			name:        "maintainer added",
			mut:         func(f *Facts) { f.Package.History[1].Maintainers = []string{"alice", "bob", "carol"} },
			wantVerdict: Review, wantSignals: map[string]string{"Maintainers": "red"},
		},
		{
			name:        "fork",
			mut:         func(f *Facts) { f.Repo.Fork, f.Repo.Parent = true, "upstream/mcp-weather" },
			wantVerdict: Review, wantSignals: map[string]string{"Repository": "red"},
		},
		{
			name:        "provenance from another repository",
			mut:         func(f *Facts) { f.Package.Provenance[0].Repository = "https://github.com/evil/fork" },
			wantVerdict: Review, wantSignals: map[string]string{"Provenance": "red"},
		},
		{
			name: "stale and ignored",
			mut: func(f *Facts) {
				f.Repo.LastCommit = now.Add(-400 * 24 * time.Hour)
				f.Package.LastPublished = now.Add(-500 * 24 * time.Hour)
				f.Repo.Issues = &Issues{Open: 250, Sampled: 100, Answered: 3, MedianAge: 500 * 24 * time.Hour}
			},
			wantVerdict: Review, wantSignals: map[string]string{"Last commit": "red", "Last publish": "red", "Open issues": "red"},
		},
		{
			name: "rate limited: unknown, never green",
			mut: func(f *Facts) {
				f.Repo = nil
				f.Gaps["github"] = "github rate limit reached"
				f.Gaps["issues"] = "github rate limit reached"
			},
			wantVerdict: Review,
			wantSignals: map[string]string{"Last commit": "unknown", "Open issues": "unknown", "CI": "unknown", "Tests": "unknown"},
		},
		{
			name: "kitchen-sink scope",
			mut: func(f *Facts) {
				f.Tools = append(f.Tools, Tool{Name: "run_command", Description: "Execute a shell command"}, Tool{Name: "read_file", Description: "Read a file from disk"}, Tool{Name: "fetch_url", Description: "HTTP GET a URL"})
			},
			wantVerdict: Review, wantSignals: map[string]string{"Scope": "red"},
		},
		{
			name:        "no repository in the metadata",
			mut:         func(f *Facts) { f.Package.RepositoryURL = "" },
			wantVerdict: Review, wantSignals: map[string]string{"Repository": "red"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := goodFacts()
			tc.mut(f)
			r := Vet(f, Context{Now: now, List: list(t)})
			got := map[string]string{}
			for k := range tc.wantSignals {
				s := statusOf(r.Signals, k)
				got[k] = string(s.Status)
				if s.Critical {
					got[k] += "!"
				}
			}
			if diff := cmp.Diff(tc.wantSignals, got); diff != "" {
				t.Errorf("signals (-want +got):\n%s", diff)
			}
			if r.Verdict != tc.wantVerdict {
				t.Errorf("verdict = %s, want %s; reasons: %s", r.Verdict, tc.wantVerdict, strings.Join(r.Reasons, "; "))
			}
			for _, s := range r.Signals {
				if s.Status == Green && strings.Contains(s.Reason, "not known") {
					t.Errorf("%s is green with an unknown reason: %s", s.Signal, s.Reason)
				}
			}
		})
	}
}

func TestUnknownIsNeverGreen(t *testing.T) {
	f := &Facts{Target: Target{Ecosystem: NPM, Name: "@acme/x"}, Gaps: map[string]string{}}
	r := Vet(f, Context{Now: now, List: list(t)})
	for _, s := range r.Signals {
		if s.Status == Green && s.Signal != "Typosquat" && s.Signal != "Source" {
			t.Errorf("%s is green with no data: %+v", s.Signal, s)
		}
	}
	if r.Verdict == OK {
		t.Errorf("verdict ok with no data")
	}
}

func TestGitHubTargetSignals(t *testing.T) {
	f := goodFacts()
	f.Target, f.Package, f.Deps, f.Vulns = Target{Ecosystem: GitHub, Name: "acme/mcp-weather"}, nil, nil, nil
	r := Vet(f, Context{Now: now, List: list(t)})
	if s := statusOf(r.Signals, "Source"); s.Status != Red {
		t.Errorf("Source of an unknown owner = %+v", s)
	}
	for _, name := range []string{"Typosquat", "Provenance", "Dependencies", "Install scripts", "Maintainers"} {
		if s := statusOf(r.Signals, name); s.Status != "absent" {
			t.Errorf("github target has a %s signal", name)
		}
	}
	if s := statusOf(r.Signals, "Repository"); s.Status != Green {
		t.Errorf("Repository = %+v", s)
	}
}

func TestMaintainerChange(t *testing.T) {
	h := []Release{
		{Version: "1.0.0", Publisher: "a", Maintainers: []string{"a"}},
		{Version: "1.1.0", Publisher: "b", Maintainers: []string{"a", "b"}},
		{Version: "1.2.0", Publisher: "b", Maintainers: []string{"a", "b"}},
		{Version: "2.0.0", Publisher: "x", Maintainers: []string{"x"}},
	}
	tests := []struct {
		ver  string
		want Change
	}{
		{"1.0.0", Change{Known: true}},
		{"1.1.0", Change{Known: true, NewPublisher: "b", Added: []string{"b"}}},
		{"1.2.0", Change{Known: true}},
		{"2.0.0", Change{Known: true, NewPublisher: "x", Added: []string{"x"}, Removed: []string{"a", "b"}, Takeover: true}},
		{"9.9.9", Change{}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, MaintainerChange(h, tc.ver)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.ver, diff)
		}
	}
}

func TestDiff(t *testing.T) {
	oldP := &Package{Publisher: "a", Maintainers: []string{"a"}, Dependencies: map[string]string{"x": "^1.0.0", "y": "^2.0.0"},
		Bin: map[string]string{"srv": "dist/index.js"}, FileCount: 10, UnpackedSize: 1000}
	newP := &Package{Publisher: "b", Maintainers: []string{"a", "b"}, Dependencies: map[string]string{"x": "^1.1.0", "z": "1.0.0"},
		InstallScripts: map[string]string{"postinstall": "node x.js"}, Bin: map[string]string{"srv": "dist/index.js", "helper": "dist/h.js"},
		FileCount: 12, UnpackedSize: 5000}
	got := Diff("p", oldP, newP, "1.0.0", "1.1.0")
	var kinds []string
	for _, c := range got.Changes {
		k := c.Kind + " " + c.Name
		if c.Risky {
			k = "!" + k
		}
		kinds = append(kinds, k)
	}
	want := []string{"dependency-changed x", "!dependency-added z", "dependency-removed y", "!install-script-added postinstall",
		"!bin-added helper", "!publisher-changed ", "!maintainer-added b", "size-changed "}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if got.Risky != 5 {
		t.Errorf("Risky = %d, want 5", got.Risky)
	}
	DiffTools(&got, []Tool{{Name: "a", Description: "x"}}, []Tool{{Name: "a", Description: "y"}, {Name: "b"}})
	if got.Risky != 7 {
		t.Errorf("Risky after tools = %d, want 7", got.Risky)
	}
}

func TestTouches(t *testing.T) {
	got := Touches([]Tool{{Name: "read_file"}, {Name: "query", Annotations: map[string]bool{"openWorldHint": true}}})
	if diff := cmp.Diff([]string{"filesystem", "network"}, got); diff != "" {
		t.Error(diff)
	}
}
