package run_test

import (
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
)

// TestUsageErrors runs `moat run` in process: flag mistakes are usage
// errors (exit 2), and a policy this build cannot enforce is refused rather
// than ignored.
func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no server", []string{"run"}, "missing server command"},
		{"both url and command", []string{"run", "--url", "http://127.0.0.1:1/mcp", "--", "true"}, "either --url or a command"},
		{"policy not enforceable yet", []string{"run", "--policy", "p.yaml", "--", "true"}, "--policy"},
		{"bad size", []string{"run", "--max-message-size", "huge", "--", "true"}, "--max-message-size"},
		{"bad url", []string{"run", "--url", "file:///etc/passwd"}, "http:// or https://"},
		{"bad header", []string{"run", "--url", "http://127.0.0.1:1/mcp", "--header", "nonsense"}, "NAME=VALUE"},
		{"max call time below call timeout", []string{"run", "--call-timeout", "1h", "--max-call-time", "1m", "--", "true"}, "--max-call-time"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			code := cli.Run(cmdutil.New(ios), tc.args)
			if code != cmdutil.ExitUsage || !strings.Contains(errOut.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 mentioning %q", code, errOut, tc.want)
			}
		})
	}
}

// TestServerThatCannotStart is a runtime error (exit 3) that names the command.
func TestServerThatCannotStart(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	code := cli.Run(cmdutil.New(ios), []string{"run", "--", "/nonexistent/mcp-server"})
	if code != cmdutil.ExitRuntime || !strings.Contains(errOut.String(), "/nonexistent/mcp-server") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
