package gather

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/moat-dev/moat/internal/registry"
)

// A mirror that strips maintainers, publishers, signatures and the README
// leaves those facts unknown instead of failing.
func TestNPMPackagePartialMirror(t *testing.T) {
	pk, err := registry.DecodePackument([]byte(`{"name":"@modelcontextprotocol/server-memory","dist-tags":{"latest":"2.0.0"},
	 "time":{"1.0.0":"2026-01-01T00:00:00Z","2.0.0":"2026-06-01T00:00:00Z"},
	 "versions":{
	  "1.0.0":{"name":"@modelcontextprotocol/server-memory","version":"1.0.0","dist":{"tarball":"t"}},
	  "2.0.0":{"name":"@modelcontextprotocol/server-memory","version":"2.0.0","license":"MIT","bin":"dist/index.js",
	           "repository":{"type":"git","url":"https://github.com/modelcontextprotocol/servers.git","directory":"src/memory"},
	           "scripts":{"build":"tsc"},"dependencies":{"@modelcontextprotocol/sdk":"^1.0.0"},"dist":{"tarball":"t","fileCount":4}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	p := NPMPackage(pk, "2.0.0")
	if p.MaintainersKnown || p.Publisher != "" || p.ReadmeKnown || p.ProvenanceKnown {
		t.Errorf("stripped fields became known: %+v", p)
	}
	if !p.InstallKnown || len(p.InstallScripts) != 0 || p.RepositoryDir != "src/memory" || p.License != "MIT" || p.FileCount != 4 {
		t.Errorf("package = %+v", p)
	}
	if diff := cmp.Diff(map[string]string{"server-memory": "dist/index.js"}, p.Bin); diff != "" {
		t.Error(diff)
	}
	if want := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC); !p.LastPublished.Equal(want) {
		t.Errorf("LastPublished = %v", p.LastPublished)
	}
	if len(p.History) != 2 || p.History[0].Version != "1.0.0" {
		t.Errorf("History = %+v", p.History)
	}
}

func TestNPMHasInstallScript(t *testing.T) {
	pk, _ := registry.DecodePackument([]byte(`{"versions":{"1.0.0":{"version":"1.0.0","hasInstallScript":true,"dist":{}}}}`))
	p := NPMPackage(pk, "1.0.0")
	if !p.InstallKnown || len(p.InstallScripts) != 1 {
		t.Errorf("hasInstallScript ignored: %+v", p.InstallScripts)
	}
}

func TestPyPIPackage(t *testing.T) {
	pj, err := registry.DecodePyPI([]byte(`{"info":{"name":"mcp-thing","version":"0.3","yanked":true,"yanked_reason":"broken build",
	  "license":"Apache License\nVersion 2.0, January 2004\n...","description":"d",
	  "project_urls":{"Homepage":"https://thing.example","Source Code":"https://github.com/o/mcp-thing"},
	  "requires_dist":["httpx>=0.27","mcp[cli]>=1.2; python_version>='3.10'","pytest; extra == 'test'"],
	  "classifiers":["Development Status :: 7 - Inactive"]},
	 "releases":{"0.1":[{"upload_time_iso_8601":"2025-01-01T00:00:00Z"}],"0.3":[{"upload_time_iso_8601":"2025-03-01T00:00:00Z"}]},
	 "urls":[{"filename":"mcp-thing-0.3.tar.gz","packagetype":"sdist","upload_time_iso_8601":"2025-03-01T00:00:00Z"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p := PyPIPackage(pj)
	if p.RepositoryURL != "https://github.com/o/mcp-thing" {
		t.Errorf("RepositoryURL = %q", p.RepositoryURL)
	}
	if !p.SourceOnly {
		t.Error("sdist-only release not flagged")
	}
	if p.Deprecated == "" || p.License != "Apache License" {
		t.Errorf("Deprecated %q, License %q", p.Deprecated, p.License)
	}
	if diff := cmp.Diff([]string{"httpx", "mcp"}, sortedKeys(p.Dependencies)); diff != "" {
		t.Errorf("dependencies: %s", diff)
	}
}

func TestIsTestFile(t *testing.T) {
	for p, want := range map[string]bool{
		"src/forecast.test.ts": true, "test/e2e.js": true, "pkg/x_test.go": true, "tests/test_api.py": true,
		"src/__tests__/a.js": true, "lib/a.spec.js": true, "src/index.ts": false, "latest/notes.md": false, "contest.py": false,
	} {
		if isTestFile(p) != want {
			t.Errorf("isTestFile(%q) = %v", p, !want)
		}
	}
}
