package scan_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/testutil"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite golden files")

const root = "../../.."

type result struct {
	code           int
	stdout, stderr string
}

// run runs moat in-process from the repository root (so paths in output
// are repository-relative and stable) with a fixed clock.
func run(t *testing.T, now time.Time, args ...string) result {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return now }, WorkDir: t.TempDir(), HomeDir: t.TempDir()}
	code := cli.Run(f, args)
	return result{code, out.String(), errOut.String()}
}

var day = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func golden(t *testing.T, name, got string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name), got, *update)
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"linux.json", []string{"scan", "--home", "testdata/homes/linux", "--os", "linux", "--format", "json"}, 1},
		{"linux.table", []string{"scan", "--home", "testdata/homes/linux", "--os", "linux"}, 1},
		{"project.json", []string{"scan", "testdata/homes/project", "--format", "json"}, 1},
		{"demo.table", []string{"scan", "--home", "examples/demo/home"}, 1},
		{"windows.table", []string{"scan", "--home", "testdata/homes/windows", "--os", "windows", "--fail-on", "critical"}, 1},
		{"malformed.json", []string{"scan", "--home", "testdata/homes/malformed", "--format", "json", "--fail-on", "none"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, day, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			golden(t, tc.name+".golden", r.stdout)
			golden(t, tc.name+".stderr.golden", r.stderr)
		})
	}
}

func TestJSONShape(t *testing.T) {
	r := run(t, day, "scan", "--home", "examples/demo/home", "--format", "json")
	var doc struct {
		Findings []struct {
			Rule     string `json:"rule"`
			Location struct {
				Client, Config, Server, File string
				Line                         int
			} `json:"location"`
		} `json:"findings"`
		Servers []map[string]any `json:"servers"`
		Summary map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(doc.Servers) != 10 || len(doc.Findings) == 0 {
		t.Fatalf("servers %d findings %d", len(doc.Servers), len(doc.Findings))
	}
	for _, f := range doc.Findings {
		if f.Location.Client == "" || f.Location.Config == "" || f.Location.File == "" {
			t.Errorf("%s: incomplete location %+v", f.Rule, f.Location)
		}
	}
	if strings.Contains(r.stdout, "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") {
		t.Error("JSON output contains the secret")
	}
}

func TestSARIF(t *testing.T) {
	r := run(t, day, "scan", "--home", "examples/demo/home", "--format", "sarif")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					Physical struct {
						Artifact struct{ URI string }    `json:"artifactLocation"`
						Region   struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Runs) != 1 {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	found := false
	for _, res := range doc.Runs[0].Results {
		if res.RuleID == "typosquat-package" && len(res.Locations) > 0 {
			loc := res.Locations[0].Physical
			found = found || (strings.HasSuffix(loc.Artifact.URI, ".claude.json") && loc.Region.StartLine == 13)
		}
	}
	if !found {
		t.Errorf("no typosquat result located at .claude.json:13\n%s", r.stdout)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"scan", "--home", "examples/demo/home", "--fail-on", "none"}, 0},
		{[]string{"scan", "--home", "examples/demo/home", "--fail-on", "critical"}, 1},
		{[]string{"scan", "--home", "testdata/homes/darwin", "--os", "darwin"}, 0}, // medium at most
		{[]string{"scan", "--home", "testdata/homes/darwin", "--os", "darwin", "--fail-on", "medium"}, 1},
		{[]string{"scan", "--fail-on", "severe"}, 2},
		{[]string{"scan", "--format", "xml"}, 2},
		{[]string{"scan", "--home", "does/not/exist"}, 2},
		{[]string{"scan", "no/such/file.json"}, 2},
		{[]string{"scan", "--ignore", "no/such/.moatignore", "--home", "examples/demo/home"}, 2},
		{[]string{"scan", "--max-project-servers", "0"}, 2},
		{[]string{"scan", "--home", "testdata/homes/linux", "--os", "plan9"}, 2},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if r := run(t, day, tc.args...); r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
		})
	}
}

func TestSuppressionFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ignore.yaml")
	os.WriteFile(p, []byte(`version: 1
ignore:
  - rule: secret-in-config
    server: github
    client: claude-code
    reason: demo token, not a real one
  - rule: typosquat-package
    reason: reviewed
    until: 2026-01-31
  - rule: no-such-rule
    reason: stale entry
`), 0o644)
	r := run(t, day, "scan", "--home", "examples/demo/home", "--ignore", p, "--format", "json")
	if strings.Contains(r.stdout, `"rule": "secret-in-config"`) {
		t.Error("suppressed finding still reported")
	}
	if !strings.Contains(r.stdout, `"rule": "typosquat-package"`) {
		t.Error("expired suppression still applied")
	}
	for _, w := range []string{"suppression expired on 2026-01-31", "suppression matched no finding"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	os.WriteFile(p, []byte("ignore:\n  - rule: x\n"), 0o644)
	if r := run(t, day, "scan", "--home", "examples/demo/home", "--ignore", p); r.code != 2 || !strings.Contains(r.stderr, "no reason") {
		t.Errorf("missing reason: exit %d stderr %s", r.code, r.stderr)
	}
}

// The demo in the README must keep showing each kind of finding.
func TestDemoShowsFindings(t *testing.T) {
	r := run(t, day, "scan", "--home", "examples/demo/home", "--format", "json")
	for _, rule := range []string{"typosquat-package", "unpinned-package", "secret-in-config", "blanket-grant", "archived-package", "download-and-run", "plaintext-transport"} {
		if !bytes.Contains([]byte(r.stdout), []byte(`"rule": "`+rule+`"`)) {
			t.Errorf("demo lacks %s", rule)
		}
	}
}

// With no PATH and no --home, moat scans the user's home and the current
// project.
func TestScanThisMachine(t *testing.T) {
	wd, _ := os.Getwd()
	abs, _ := filepath.Abs(filepath.Join(wd, root))
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return day },
		HomeDir: filepath.Join(abs, "testdata/homes/linux"), WorkDir: filepath.Join(abs, "testdata/homes/project")}
	code := cli.Run(f, []string{"scan", "--format", "json", "--fail-on", "none"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Servers []struct {
			Source struct{ Scope string } `json:"source"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	scopes := map[string]int{}
	for _, s := range doc.Servers {
		scopes[s.Source.Scope]++
	}
	if scopes["user"] == 0 || scopes["project"] == 0 {
		t.Errorf("scopes %v: want user and project servers", scopes)
	}
}

func TestTableColour(t *testing.T) {
	wd, _ := os.Getwd()
	os.Chdir(root)
	defer os.Chdir(wd)
	ios, _, out, _ := iostreams.Test()
	ios.SetTTY(false, true, false)
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return day }, WorkDir: t.TempDir(), HomeDir: t.TempDir()}
	cli.Run(f, []string{"scan", "--home", "examples/demo/home"})
	if !strings.Contains(out.String(), "\x1b[1;35mCRITICAL") {
		t.Errorf("no colour on a terminal:\n%s", out.String())
	}
	if strings.Contains(out.String(), "\x1b]") {
		t.Error("unexpected OSC sequence")
	}
}

// A .moatignore in a project directory named on the command line applies.
func TestProjectMoatignore(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".mcp.json"), []byte(`{"mcpServers": {"web": {"command": "npx", "args": ["-y", "@mcp-servers/fetch-tools"]}}}`), 0o644)
	os.WriteFile(filepath.Join(dir, ".moatignore"), []byte("ignore:\n  - rule: unpinned-package\n    server: web\n    reason: pinned by the lockfile in CI\n"), 0o644)
	r := run(t, day, "scan", dir, "--format", "json", "--fail-on", "none")
	if strings.Contains(r.stdout, `"rule": "unpinned-package"`) || r.stderr != "" {
		t.Errorf("project .moatignore not applied:\n%s\n%s", r.stdout, r.stderr)
	}
}
