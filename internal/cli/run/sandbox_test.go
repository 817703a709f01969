package run

import (
	"errors"
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
)

// TestSandboxFlagErrors: sandbox flags that cannot be honoured are usage
// errors before anything starts.
func TestSandboxFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--allow-host", "example.com", "--", "true"}, "only apply with --sandbox"},
		{[]string{"--sandbox-profile", "fetch", "--", "true"}, "only apply with --sandbox"},
		{[]string{"--sandbox=maybe", "--", "true"}, "use strict, best-effort or off"},
		{[]string{"--sandbox", "--url", "https://mcp.example.com/mcp"}, "does not apply to --url"},
		{[]string{"--sandbox", "--sandbox-profile", "everything", "--", "true"}, "unknown sandbox profile"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := cmdutil.New(ios)
			f.StateDir = t.TempDir()
			cmd := NewCmd(f)
			cmd.SetArgs(tc.args)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			var usage *cmdutil.UsageError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &usage) {
				t.Fatalf("moat run %v: err = %v, want a usage error containing %q", tc.args, err, tc.want)
			}
		})
	}
}
