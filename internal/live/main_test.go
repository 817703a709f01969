package live

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// servers maps a test server's name to its built binary.
var servers = map[string]string{}

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "moat-live-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	for _, name := range []string{"poisoned", "shadow", "rugpull", "httpserver", "slow"} {
		out := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", out, "./testdata/servers/"+name)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", name, err, b)
			return 1
		}
		servers[name] = out
	}
	return m.Run()
}
