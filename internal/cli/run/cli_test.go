package run_test

import (
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
)

// TestUsageErrors runs `moat run` in process: flag mistakes are usage
// errors (exit 2).
func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no server", []string{"run"}, "missing server command"},
		{"both url and command", []string{"run", "--url", "http://127.0.0.1:1/mcp", "--", "true"}, "either --url or a command"},
		{"bad on-poison", []string{"run", "--on-poison", "ignore", "--", "true"}, "--on-poison"},
		{"bad on-injection", []string{"run", "--on-injection", "drop", "--", "true"}, "--on-injection"},
		{"bad on-shadow", []string{"run", "--on-shadow", "block", "--", "true"}, "--on-shadow"},
		{"bad poison threshold", []string{"run", "--poison-threshold", "info", "--", "true"}, "--poison-threshold"},
		{"bad label", []string{"run", "--label", "production", "--", "true"}, "--label"},
		{"bad ask timeout", []string{"run", "--ask-timeout", "0s", "--", "true"}, "--ask-timeout"},
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
