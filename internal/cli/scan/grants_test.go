package scan_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/iostreams"
	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/state"
)

// TestScanReportsPermanentGrants: moat's own never-expiring grants are
// reported like the runtimes' blanket approvals; expiring ones are not.
func TestScanReportsPermanentGrants(t *testing.T) {
	stateDir := t.TempDir()
	db, err := state.OpenDir(stateDir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.AddGrant(ctx, policy.Grant{Server: "db", Tool: "query", Created: day}, state.GrantMeta{Permanent: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddGrant(ctx, policy.Grant{Server: "web", Tool: "fetch", Created: day, Expires: day.Add(time.Hour)}, state.GrantMeta{}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ios, _, out, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return day }, WorkDir: t.TempDir(), HomeDir: t.TempDir(), StateDir: stateDir}
	code := cli.Run(f, []string{"scan", "--format", "json"})
	if code != 1 || !strings.Contains(out.String(), `"moat-permanent-grant"`) || !strings.Contains(out.String(), `"server": "db"`) {
		t.Fatalf("exit %d, output %s", code, out.String())
	}
	if strings.Contains(out.String(), `"server": "web"`) {
		t.Fatal("an expiring grant was reported")
	}
}
