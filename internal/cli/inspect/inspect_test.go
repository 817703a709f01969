package inspect_test

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/testutil"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/cli/inspect"
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite golden files")

// keywordScanner is a deterministic stand-in for the detection engine.
type keywordScanner struct{}

var keywords = []struct {
	word, rule string
	sev        finding.Severity
}{
	{"id_rsa", "fake-sensitive-file", finding.Critical},
	{"Do not mention", "fake-secrecy", finding.High},
	{"ignore all previous", "fake-override", finding.High},
	{"postgres://", "fake-secret", finding.Medium},
}

func (keywordScanner) Scan(t detect.Target) []finding.Finding {
	var out []finding.Finding
	for _, k := range keywords {
		if strings.Contains(t.Text, k.word) {
			out = append(out, finding.Finding{Rule: k.rule, Category: "test", Severity: k.sev,
				Message: "found " + k.word, Evidence: k.word, Location: t.Location})
		}
	}
	return out
}

type runResult struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, stdinTTY bool, args ...string) runResult {
	t.Helper()
	return runCLITTY(t, stdin, stdinTTY, false, args...)
}

func runCLITTY(t *testing.T, stdin string, stdinTTY, stdoutTTY bool, args ...string) runResult {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetTTY(stdinTTY, stdoutTTY, false)
	f := &cmdutil.Factory{IO: ios, WorkDir: "/nonexistent-workdir"}
	code := cli.Run(f, append([]string{"inspect"}, args...))
	return runResult{code, out.String(), errOut.String()}
}

func TestInspect(t *testing.T) {
	defer inspect.SetScanner(keywordScanner{})()
	tests := []struct {
		name     string
		args     []string
		stdin    string
		stdinTTY bool
		code     int
	}{
		{"table", []string{"testdata/tools.json"}, "", false, 1},
		{"json", []string{"--format", "json", "testdata/tools.json", "testdata/session.jsonl"}, "", false, 1},
		{"sarif", []string{"--format=sarif", "testdata/tools.json"}, "", false, 1},
		{"session with bad lines", []string{"testdata/session.jsonl"}, "", false, 1},
		{"clean", []string{"testdata/clean.json"}, "", false, 0},
		{"fail-on critical", []string{"--fail-on", "critical", "testdata/session.jsonl"}, "", false, 0},
		{"fail-on none", []string{"--fail-on", "none", "testdata/tools.json"}, "", false, 0},
		{"fail-on medium", []string{"--fail-on", "medium", "-f", "json", "testdata/session.jsonl"}, "", false, 1},
		{"server flag", []string{"--server", "my-server", "testdata/session.jsonl"}, "", false, 1},
		{"stdin dash", []string{"-"}, `{"content":[{"type":"text","text":"db postgres://x:y@h"}]}`, false, 0},
		{"stdin implicit", nil, `{"content":[{"type":"text","text":"Do not mention it"}]}`, false, 1},
		{"stdin terminal", nil, "", true, 2},
		{"unknown format", []string{"--format", "xml", "testdata/tools.json"}, "", false, 2},
		{"bad fail-on", []string{"--fail-on", "urgent", "testdata/tools.json"}, "", false, 2},
		{"bad max-size", []string{"--max-size", "lots", "testdata/tools.json"}, "", false, 2},
		{"missing file", []string{"testdata/tools.json", "testdata/nope.json"}, "", false, 2},
		{"directory", []string{"testdata"}, "", false, 2},
		{"no valid document", []string{"testdata/garbage.txt"}, "", false, 2},
		{"empty stdin", []string{"-"}, "\n\n", false, 2},
		{"max-size", []string{"--max-size", "100", "testdata/session.jsonl"}, "", false, 0},
		{"document over max-size", []string{"--max-size", "100", "testdata/tools.json"}, "", false, 2},
		{"strict input", []string{"--strict-input", "testdata/session.jsonl"}, "", false, 2},
		{"strict input clean", []string{"--strict-input", "testdata/clean.json"}, "", false, 0},
		{"forced jsonl", []string{"--input", "jsonl", "testdata/tools.json"}, "", false, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.stdin, tc.stdinTTY, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			golden := filepath.Join("testdata", "golden", strings.ReplaceAll(tc.name, " ", "-")+".golden")
			got := "-- exit --\n" + string(rune('0'+r.code)) + "\n-- stdout --\n" + r.stdout + "-- stderr --\n" + r.stderr
			checkGolden(t, golden, got)
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	testutil.Golden(t, path, got, *update)
}

// TestColorOnTerminal: the table is coloured only when stdout is a terminal.
func TestColorOnTerminal(t *testing.T) {
	defer inspect.SetScanner(keywordScanner{})()
	r := runCLITTY(t, "", false, true, "testdata/tools.json")
	if r.code != 1 || !strings.Contains(r.stdout, "\x1b[1;35mCRITICAL") {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	r = runCLITTY(t, "", false, true, "--format", "json", "testdata/tools.json")
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("JSON output coloured: %q", r.stdout)
	}
}

// TestDemoWithEngine runs the bundled demo through the real engine: the
// poisoned tools must be flagged at medium or above and the clean ones must
// not be.
func TestDemoWithEngine(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: ios}
	code := cli.Run(f, []string{"inspect", "--format", "json", "../../../examples/demo/poisoned-tools.json", "../../../examples/demo/session.jsonl"})
	var doc struct {
		Findings []finding.Finding
		Errors   []any
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("exit %d, output is not JSON: %v\nstderr: %s", code, err, errOut.String())
	}
	if code == 0 && len(doc.Findings) == 0 {
		t.Skip("the detection engine reports nothing yet")
	}
	if code != 1 || len(doc.Errors) != 0 {
		t.Fatalf("exit %d, %d input errors, stderr %s", code, len(doc.Errors), errOut.String())
	}
	worst := map[string]finding.Severity{}
	kinds := map[string]bool{}
	for _, fd := range doc.Findings {
		if fd.Location.Kind == "tool" && fd.Severity > worst[fd.Location.Tool] {
			worst[fd.Location.Tool] = fd.Severity
		}
		if strings.HasSuffix(fd.Location.File, "session.jsonl") && fd.Location.Server == "acme-notes" {
			kinds[fd.Category+"@"+fd.Location.Tool] = true
		}
	}
	for _, tool := range []string{"calculate_shipping", "send_report", "get_weather"} {
		if worst[tool] < finding.Medium {
			t.Errorf("poisoned tool %s: worst finding %v, want medium or above", tool, worst[tool])
		}
	}
	for _, tool := range []string{"search_docs", "list_calendar_events", "fetch_page", "read_note"} {
		if s, ok := worst[tool]; ok && s >= finding.Medium {
			t.Errorf("clean tool %s flagged at %v", tool, s)
		}
	}
	if !kinds[finding.CatSecret+"@read_note"] {
		t.Errorf("the password leaked by read_note in session.jsonl was not reported against it (got %v)", kinds)
	}
}
