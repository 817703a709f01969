package typosquat

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestRegistryNamesFalsePositives measures how many popular registry
// packages the matcher flags. It is opt-in: set MOAT_NPM_NAMES and/or
// MOAT_PYPI_NAMES to tab-separated name lists (name, version, then a
// monthly download count for npm or a popularity rank for PyPI). Popular
// packages are assumed legitimate, so every flag is a false positive or a
// name worth a human look; they are logged.
//
//	MOAT_NPM_NAMES=npm.tsv MOAT_PYPI_NAMES=pypi.tsv go test -run TestRegistryNamesFalsePositives -v ./internal/typosquat
func TestRegistryNamesFalsePositives(t *testing.T) {
	l := mustDefault(t)
	ran := false
	for _, src := range []struct {
		env string
		eco Ecosystem
		col int
		min int
	}{{"MOAT_NPM_NAMES", NPM, 2, 1000}, {"MOAT_PYPI_NAMES", PyPI, 3, 1}} {
		path := os.Getenv(src.env)
		if path == "" {
			continue
		}
		ran = true
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		total, flagged := 0, 0
		for sc.Scan() {
			cols := strings.Split(sc.Text(), "\t")
			if len(cols) <= src.col {
				continue
			}
			if n, err := strconv.Atoi(cols[src.col]); err != nil || n < src.min {
				continue
			}
			total++
			if m, ok := l.Check(src.eco, cols[0]); ok && m.Kind != Official {
				flagged++
				t.Logf("flagged %s %q: %s of %s", src.eco, cols[0], m.Kind, m.Package.Name)
			}
		}
		f.Close()
		t.Logf("%s: %d popular packages, %d flagged (%.4f%%)", src.eco, total, flagged, 100*float64(flagged)/float64(max(total, 1)))
	}
	if !ran {
		t.Skip("set MOAT_NPM_NAMES / MOAT_PYPI_NAMES to run")
	}
}
