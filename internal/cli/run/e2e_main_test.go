package run_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// bin holds the binaries TestMain builds once: moat and the Go test servers.
var bin struct {
	dir, moat, fault string
	evil             string
	root             string
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "moat-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// moat keeps pins, grants and its audit log here, not in the real home.
	os.Setenv("MOAT_STATE_DIR", filepath.Join(dir, "state"))
	os.Setenv("MOAT_CONFIG_DIR", filepath.Join(dir, "config"))
	root, _ := filepath.Abs(filepath.Join("..", "..", ".."))
	bin.dir, bin.root = dir, root
	bin.moat = filepath.Join(dir, "moat")
	bin.fault = filepath.Join(dir, "fault")
	bin.evil = filepath.Join(dir, "evil")
	for out, pkg := range map[string]string{bin.moat: "./cmd/moat", bin.fault: "./testdata/e2e/servers/fault", bin.evil: "./testdata/e2e/servers/evil"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, b)
			return 1
		}
	}
	return m.Run()
}
