package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Doc        string
	Imports    []string
	Name       string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "github.com/moat-dev/moat/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var ps []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// TestPackageDoc requires a package doc comment on every package.
func TestPackageDoc(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

const mod = "github.com/moat-dev/moat/internal/"

// pure packages may not do I/O: no network, no files, no processes, no
// databases, and no configuration loading.
var pure = []string{"normalize", "detect", "finding", "secrets", "policy", "sanitize", "pin", "inventory", "typosquat", "shellparse", "netaddr", "mcpdoc", "hook"}

var impureImports = []string{"net", "net/http", "os", "os/exec", "database/sql", "modernc.org/sqlite", "syscall", "log", "log/slog"}

// TestDependencyRules enforces the layering described in docs/design.md.
func TestDependencyRules(t *testing.T) {
	for _, p := range listPackages(t) {
		if !strings.HasPrefix(p.ImportPath, mod) {
			continue // cmd/moat may import anything
		}
		rel := strings.TrimPrefix(p.ImportPath, mod)
		top := strings.SplitN(rel, "/", 2)[0]
		for _, imp := range p.Imports {
			if isPure(top) {
				for _, bad := range impureImports {
					if imp == bad {
						t.Errorf("%s is pure and must not import %s", p.ImportPath, imp)
					}
				}
			}
			if strings.HasPrefix(imp, mod+"cli") && top != "cli" {
				t.Errorf("%s imports %s: only cmd/moat may import the cli packages", p.ImportPath, imp)
			}
			if strings.HasPrefix(imp, mod+"proxy") && top != "cli" && top != "proxy" {
				t.Errorf("%s imports %s: only cli may import proxy", p.ImportPath, imp)
			}
			if strings.HasPrefix(imp, mod+"config") && top != "cli" && top != "config" {
				t.Errorf("%s imports %s: only cli may import config", p.ImportPath, imp)
			}
		}
	}
}

func isPure(top string) bool {
	for _, p := range pure {
		if p == top {
			return true
		}
	}
	return false
}
