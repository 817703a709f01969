package sandbox

import (
	"errors"
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
	"github.com/moat-dev/moat/internal/sandbox"
)

func TestCheckOutput(t *testing.T) {
	tests := []struct {
		name    string
		report  sandbox.Report
		want    []string
		wantErr bool
	}{
		{"all there", sandbox.Report{OS: "linux", Layers: []sandbox.Layer{
			{Name: "namespaces", Available: true, Required: true, Detail: "user, net"},
			{Name: "landlock", Available: true, Required: true, Detail: "ABI 7"},
		}}, []string{"ok      namespaces", "ABI 7", "--sandbox=strict works here"}, false},
		{"userns blocked", sandbox.Report{OS: "linux", Layers: []sandbox.Layer{
			{Name: "namespaces", Required: true, Detail: "cannot create user namespaces", Fix: "sysctl kernel.apparmor_restrict_unprivileged_userns=0"},
			{Name: "seccomp", Available: true, Required: true},
		}}, []string{"MISSING namespaces", "to enable: sysctl kernel.apparmor", "will refuse to start"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			f := cmdutil.New(ios)
			cmd := newCheckCmd(f, func() sandbox.Report { return tc.report })
			cmd.SetArgs(nil)
			err := cmd.Execute()
			if tc.wantErr != errors.Is(err, cmdutil.ErrFindings) {
				t.Fatalf("err = %v, want findings error %v", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	cmd := newCheckCmd(cmdutil.New(ios), func() sandbox.Report {
		return sandbox.Report{OS: "linux", Layers: []sandbox.Layer{{Name: "landlock", Available: true, Required: true, Detail: "ABI 7"}}}
	})
	cmd.SetArgs([]string{"--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := `{
  "os": "linux",
  "layers": [
    {
      "name": "landlock",
      "available": true,
      "detail": "ABI 7",
      "required": true
    }
  ]
}
`
	if out.String() != want {
		t.Errorf("--json output:\n%s\nwant:\n%s", out.String(), want)
	}
}
