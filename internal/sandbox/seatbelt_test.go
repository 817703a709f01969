package sandbox

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestSeatbeltGolden checks the generated macOS profile text on every OS
// (sandbox-exec itself is not exercised by this project's CI).
func TestSeatbeltGolden(t *testing.T) {
	got := Seatbelt(SeatbeltInput{
		Read:      []string{"/Users/me/.nvm/versions/node/v20", "/Users/me/src/server/node_modules"},
		Write:     []string{"/Users/me/projects/notes", "/private/var/folders/xy/moat-sandbox-1", `/tmp/we"ird\path`},
		Denied:    CredentialDirs("/Users/me"),
		ProxyPort: 51234,
	})
	golden := filepath.Join("testdata", "seatbelt.sb")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("Seatbelt profile changed (-update to accept):\n%s", got)
	}
}
