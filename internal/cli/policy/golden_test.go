package policycmd_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-dev/moat/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden pins the text and JSON output of `moat policy test` and
// `moat policy rules`.
func TestGolden(t *testing.T) {
	cases := map[string][]string{
		"test-obfuscated.txt": {"policy", "test", "--server", "builtin", "--tool", "Bash", "--args", `{"command":"r''m${IFS}-rf /"}`},
		"test-production.json": {"policy", "test", "--server", "db", "--label", "env=production", "--tool", "query",
			"--args", `{"sql":"DELETE FROM users WHERE email LIKE '%@test.example'"}`, "--format", "json"},
		"test-metadata.txt": {"policy", "test", "--server", "fetch", "--tool", "fetch", "--args", `{"url":"http://0xa9fea9fe/latest/meta-data/"}`},
		"rules.txt":         {"policy", "rules"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			if code := cli.Run(e.f, args); code != 0 {
				t.Fatalf("exit %d: %s", code, e.err.String())
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, []byte(e.out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got := e.out.String(); got != string(want) {
				t.Errorf("output differs from %s (run go test -update after checking):\n%s", path, got)
			}
		})
	}
}
