package vet_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/testutil"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite golden files")

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// fake serves recorded registry, GitHub and OSV responses (written for
// these tests in the APIs' documented shapes) on loopback.
type fake struct {
	srv  *httptest.Server
	hits atomic.Int32
}

var routes = map[string]string{
	"/npm/@acme%2Fmcp-weather":                             "npm-acme-weather.json",
	"/scoped/@acme%2Fmcp-weather":                          "npm-acme-weather.json",
	"/npm/tiny-fetch":                                      "npm-tiny-fetch.json",
	"/npm/left-trim":                                       "npm-left-trim.json",
	"/npm/@model-context-protocol%2Fserver-filesystem":     "npm-squat.json",
	"/npm/-/npm/v1/attestations/@acme%2Fmcp-weather@1.1.0": "npm-acme-weather-attestations-1.1.0.json",
	"/gh/repos/acme/mcp-weather":                           "gh-repo.json",
	"/gh/repos/acme/mcp-weather/commits":                   "gh-commits.json",
	"/gh/repos/acme/mcp-weather/issues":                    "gh-issues.json",
	"/gh/repos/acme/mcp-weather/issues/comments":           "gh-comments.json",
	"/gh/repos/acme/mcp-weather/actions/runs":              "gh-runs.json",
	"/gh/repos/acme/mcp-weather/git/trees/main":            "gh-tree.json",
	"/osv/v1/vulns/GHSA-7x4v-test-high":                    "osv-GHSA-test-high.json",
	"/pypi/pypi/mcp-server-fetch/2025.4.7/json":            "pypi-fetch.json",
	"/oci/v2/acme/mcp-weather/manifests/1.3.0":             "oci-index.json",
	"/oci/v2/acme/mcp-weather/manifests/sha256:2222222222222222222222222222222222222222222222222222222222222222": "oci-manifest.json",
	"/oci/v2/acme/mcp-weather/blobs/sha256:3333333333333333333333333333333333333333333333333333333333333333":     "oci-config.json",
}

func newFake(t *testing.T) *fake {
	t.Helper()
	fk := &fake{}
	fk.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fk.hits.Add(1)
		p := r.URL.EscapedPath()
		switch {
		case p == "/osv/v1/querybatch":
			osvBatch(t, w, r)
			return
		case strings.HasPrefix(p, "/gh/repos/modelcontextprotocol/"):
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "1793530800")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message":"API rate limit exceeded"}`))
			return
		}
		if strings.HasSuffix(p, ".tgz") {
			serveTarball(t, w, p)
			return
		}
		name, ok := routes[p]
		if !ok {
			t.Logf("fake: no route for %s", p)
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", "server", name))
		if err != nil {
			t.Errorf("fixture: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(bytes.ReplaceAll(b, []byte("https://registry.test"), []byte(fk.srv.URL+"/npm")))
	}))
	t.Cleanup(fk.srv.Close)
	return fk
}

// osvBatch answers a querybatch: tiny-fetch 2.3.1 has one vulnerability.
func osvBatch(t *testing.T, w http.ResponseWriter, r *http.Request) {
	var req struct {
		Queries []struct {
			Package struct{ Name, Ecosystem string } `json:"package"`
			Version string                           `json:"version"`
		} `json:"queries"`
	}
	if err := json.UnmarshalRead(r.Body, &req, json.MatchCaseInsensitiveNames(true)); err != nil {
		t.Errorf("querybatch body: %v", err)
	}
	var out bytes.Buffer
	out.WriteString(`{"results":[`)
	for i, q := range req.Queries {
		if i > 0 {
			out.WriteString(",")
		}
		if q.Package.Name == "tiny-fetch" && q.Version == "2.3.1" {
			out.WriteString(`{"vulns":[{"id":"GHSA-7x4v-test-high","modified":"2026-09-01T00:00:00Z"}]}`)
		} else {
			out.WriteString(`{}`)
		}
	}
	out.WriteString(`]}`)
	w.Write(out.Bytes())
}

type runResult struct {
	code        int
	out, errOut string
}

func (fk *fake) run(t *testing.T, state, workDir string, args ...string) runResult {
	t.Helper()
	return fk.runHome(t, t.TempDir(), state, workDir, args...)
}

func (fk *fake) runHome(t *testing.T, home, state, workDir string, args ...string) runResult {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	env := map[string]string{
		"MOAT_NPM_REGISTRY": fk.srv.URL + "/npm",
		"MOAT_GITHUB_API":   fk.srv.URL + "/gh",
		"MOAT_OSV_API":      fk.srv.URL + "/osv",
		"MOAT_PYPI_URL":     fk.srv.URL + "/pypi",
		"MOAT_OCI_REGISTRY": fk.srv.URL + "/oci",
	}
	ios.Env = func(k string) string { return env[k] }
	if workDir == "" {
		workDir = t.TempDir()
	}
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return now }, HomeDir: home, StateDir: state, ConfigDir: home, WorkDir: workDir}
	code := cli.Run(f, append([]string{"vet"}, args...))
	return runResult{code, strings.ReplaceAll(out.String(), fk.srv.URL, "http://fake"), strings.ReplaceAll(errOut.String(), fk.srv.URL, "http://fake")}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name), got, *update)
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		golden string
	}{
		{"latest adds a postinstall and a new publisher", []string{"npm:@acme/mcp-weather"}, 1, "acme-latest.txt"},
		{"earlier version, JSON", []string{"--format", "json", "npm:@acme/mcp-weather@1.1.0"}, 0, "acme-1.1.0.json"},
		{"earlier version fails on review", []string{"--fail-on", "review", "npm:@acme/mcp-weather@1.1.0"}, 1, "acme-1.1.0.txt"},
		{"typosquat", []string{"npm:@model-context-protocol/server-filesystem"}, 1, "squat.txt"},
		{"pypi with GitHub rate limited", []string{"--format", "json", "pypi:mcp-server-fetch@2025.4.7"}, 0, "pypi-fetch.json"},
		{"with a saved tool listing", []string{"--tools", "testdata/tools-weather.json", "npm:@acme/mcp-weather@1.1.0"}, 0, "acme-1.1.0-tools.txt"},
		{"oci image", []string{"oci:ghcr.io/acme/mcp-weather:1.3.0"}, 0, "oci.txt"},
		{"github repository", []string{"github:acme/mcp-weather"}, 0, "github.txt"},
		{"diff", []string{"--diff", "@acme/mcp-weather@1.1.0", "@acme/mcp-weather@1.2.0"}, 0, "diff.txt"},
		{"diff JSON fails on review", []string{"--diff", "--format", "json", "--fail-on", "review", "@acme/mcp-weather@1.1.0", "npm:@acme/mcp-weather@1.2.0"}, 1, "diff.json"},
	}
	fk := newFake(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fk.run(t, t.TempDir(), "", tc.args...)
			if r.code != tc.code {
				t.Errorf("exit code = %d, want %d; stderr: %s", r.code, tc.code, r.errOut)
			}
			if r.errOut != "" {
				t.Errorf("stderr: %s", r.errOut)
			}
			golden(t, tc.golden, r.out)
		})
	}
}

func TestJSONShape(t *testing.T) {
	fk := newFake(t)
	r := fk.run(t, t.TempDir(), "", "--format", "json", "npm:@acme/mcp-weather")
	var doc struct {
		Target  string   `json:"target"`
		Verdict string   `json:"verdict"`
		Reasons []string `json:"reasons"`
		Signals []struct {
			Signal, Status, Value, Reason string
		} `json:"signals"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc, json.MatchCaseInsensitiveNames(true)); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	if doc.Target != "npm:@acme/mcp-weather" || doc.Verdict != "avoid" || len(doc.Reasons) == 0 || len(doc.Signals) < 15 {
		t.Errorf("doc = %+v", doc)
	}
	for _, s := range doc.Signals {
		switch s.Status {
		case "green", "red", "unknown":
		default:
			t.Errorf("signal %s has status %q", s.Signal, s.Status)
		}
	}
}

func TestOfflineUsesCache(t *testing.T) {
	fk := newFake(t)
	state := t.TempDir()
	miss := fk.run(t, state, "", "--offline", "npm:@acme/mcp-weather@1.1.0")
	if fk.hits.Load() != 0 {
		t.Fatalf("--offline touched the network (%d requests)", fk.hits.Load())
	}
	if miss.code != 0 || !strings.Contains(miss.out, "offline and not in the cache") {
		t.Errorf("offline miss: code %d\n%s", miss.code, miss.out)
	}
	online := fk.run(t, state, "", "npm:@acme/mcp-weather@1.1.0")
	hits := fk.hits.Load()
	offline := fk.run(t, state, "", "--offline", "npm:@acme/mcp-weather@1.1.0")
	if fk.hits.Load() != hits {
		t.Errorf("--offline made %d requests", fk.hits.Load()-hits)
	}
	if diff := cmp.Diff(online.out, offline.out); diff != "" {
		t.Errorf("offline output differs from online (-online +offline):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(state, "cache", "vet")); err != nil {
		t.Errorf("cache not in the state dir: %v", err)
	}
}

func TestNPMRCScopeRegistry(t *testing.T) {
	fk := newFake(t)
	wd := t.TempDir()
	if err := os.WriteFile(filepath.Join(wd, ".npmrc"), []byte("@acme:registry="+fk.srv.URL+"/scoped\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := fk.run(t, t.TempDir(), wd, "--format", "json", "npm:@acme/mcp-weather@1.1.0")
	if r.code != 0 || !strings.Contains(r.out, `"version": "1.1.0"`) {
		t.Errorf("scoped registry not used: code %d\n%s%s", r.code, r.out, r.errOut)
	}
}

func TestConfigFileTargets(t *testing.T) {
	fk := newFake(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, ".mcp.json")
	os.WriteFile(cfg, []byte(`{"mcpServers":{
	  "weather":{"command":"npx","args":["-y","@acme/mcp-weather@1.1.0"]},
	  "local":{"command":"node","args":["server.js","--token=s3cr3t"]},
	  "git":{"command":"npx","args":["-y","git+https://bob:t0ken@gitlab.example/x/y.git"]}}}`), 0o600)
	r := fk.run(t, t.TempDir(), dir, "--format", "json", cfg)
	if r.code != 0 || !strings.Contains(r.out, `"target": "npm:@acme/mcp-weather@1.1.0"`) {
		t.Errorf("code %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	if !strings.Contains(r.errOut, "not a registry package") || !strings.Contains(r.errOut, `"local"`) {
		t.Errorf("no note for the git or local server: %s", r.errOut)
	}
	if strings.Contains(r.errOut, "s3cr3t") || strings.Contains(r.errOut, "t0ken") {
		t.Errorf("a server argument reached stderr: %s", r.errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	fk := newFake(t)
	for _, args := range [][]string{
		{},
		{"left-pad"},
		{"npm:Bad Name"},
		{"npm:does-not-exist"},
		{"npm:@acme/mcp-weather@9.9.9"},
		{"--format", "sarif", "npm:x"},
		{"--fail-on", "sometimes", "npm:x"},
		{"--all", "npm:x"},
		{"--diff", "@acme/mcp-weather@1.1.0"},
		{"--tools", "testdata/tools-weather.json", "npm:a", "npm:b"},
		{"--tools", "testdata/missing.json", "npm:a"},
		{"--tools", "testdata/server/gh-repo.json", "npm:a"},
		{"--diff", "@acme/mcp-weather@1.1.0", "tiny-fetch@2.0.0"},
	} {
		r := fk.run(t, t.TempDir(), "", args...)
		if r.code != 2 {
			t.Errorf("vet %v: exit %d, want 2; stderr %s", args, r.code, r.errOut)
		}
	}
}

func TestAll(t *testing.T) {
	fk := newFake(t)
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".claude.json"), []byte(`{"mcpServers":{
	  "weather":{"type":"stdio","command":"npx","args":["-y","@acme/mcp-weather@1.1.0"]},
	  "fs":{"type":"stdio","command":"npx","args":["-y","@model-context-protocol/server-filesystem","/tmp"]}}}`), 0o600)
	r := fk.runHome(t, home, t.TempDir(), t.TempDir(), "--all", "--format", "json")
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (a typosquat is avoid); stderr %s", r.code, r.errOut)
	}
	var docs []struct{ Target, Verdict string }
	if err := json.Unmarshal([]byte(r.out), &docs, json.MatchCaseInsensitiveNames(true)); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	got := map[string]string{}
	for _, d := range docs {
		got[d.Target] = d.Verdict
	}
	want := map[string]string{"npm:@acme/mcp-weather@1.1.0": "review", "npm:@model-context-protocol/server-filesystem": "avoid"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// tarballs lists the files of the recorded package versions.
var tarballs = map[string][]string{
	"/npm/@acme/mcp-weather/-/mcp-weather-1.1.0.tgz": {"package.json", "README.md", "LICENSE", "dist/index.js", "dist/forecast.js", "dist/http.js"},
	"/npm/@acme/mcp-weather/-/mcp-weather-1.2.0.tgz": {"package.json", "README.md", "LICENSE", "dist/index.js", "dist/forecast.js", "dist/http.js", "dist/setup.js", "scripts/collect.sh"},
}

func serveTarball(t *testing.T, w http.ResponseWriter, p string) {
	files, ok := tarballs[p]
	if !ok {
		http.NotFound(w, nil)
		return
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range files {
		body := []byte("// " + name + "\n")
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Error(err)
		}
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	w.Write(buf.Bytes())
}
