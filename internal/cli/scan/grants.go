package scan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/state"
)

// moatGrants reports moat's own grants that never expire: a permanent grant
// is the blanket, persistent approval the seed's Permission Problem warns
// about, so moat holds itself to the same check as the runtimes. Only when
// this machine is scanned (not --home or explicit paths), and only when the
// state database already exists: a scan never creates it.
func moatGrants(f *cmdutil.Factory, o *options) ([]finding.Finding, error) {
	if o.home != "" || len(o.targets) > 0 {
		return nil, nil
	}
	path := filepath.Join(f.State(), state.FileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	db, err := state.Open(path, state.Options{})
	if err != nil {
		return nil, fmt.Errorf("read moat's grants: %w", err)
	}
	defer db.Close()
	recs, err := db.ListPermanentGrants(context.Background())
	if err != nil {
		return nil, fmt.Errorf("read moat's grants: %w", err)
	}
	var out []finding.Finding
	for _, r := range recs {
		if r.Status(f.Now()) != "permanent" {
			continue
		}
		scope := r.Server
		if r.Tool != "" {
			scope += "/" + r.Tool
		}
		evidence := "grant " + r.ID + " on " + scope
		if r.Where != "" {
			evidence += " where " + r.Where
		}
		out = append(out, finding.Finding{
			Rule: "moat-permanent-grant", Category: finding.CatPermission, Severity: finding.High,
			Message:  fmt.Sprintf("moat grant %s on %s never expires: a permanent approval outlives the task it was given for", r.ID, scope),
			Evidence: evidence,
			Location: finding.Location{Client: "moat", Config: path, Server: r.Server, Tool: r.Tool},
			Fix:      fmt.Sprintf("revoke it (moat grants revoke %s) and grant for a duration instead (moat grant %s --for 1h)", r.ID, scope),
		})
	}
	return out, nil
}
