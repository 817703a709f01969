package grant

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/cli/permstore"
	"github.com/moat-dev/moat/internal/state"
)

// NewListCmd returns `moat grants` with its list and revoke subcommands.
func NewListCmd(f *cmdutil.Factory) *cobra.Command {
	var lo listOpts
	cmd := &cobra.Command{
		Use:   "grants",
		Short: "List or revoke grants",
		Long:  "List the grants in force (or all with --all), or revoke one.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runList(cmd, f, lo)
		},
	}
	addListFlags(cmd, &lo)
	list := &cobra.Command{
		Use:   "list",
		Short: "List grants (the default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runList(cmd, f, lo)
		},
	}
	addListFlags(list, &lo)
	var reason string
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a grant now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRevoke(cmd, f, args[0], reason)
		},
	}
	revoke.Flags().StringVar(&reason, "reason", "", "why, for the audit log")
	cmd.AddCommand(list, revoke)
	return cmd
}

type listOpts struct {
	all    bool
	format string
}

func addListFlags(cmd *cobra.Command, lo *listOpts) {
	cmd.Flags().BoolVar(&lo.all, "all", false, "include expired, used and revoked grants")
	cmd.Flags().StringVar(&lo.format, "format", "table", "output format: table or json")
}

// grantJSON is the stable JSON form of a grant in `moat grants --format json`.
type grantJSON struct {
	ID         string     `json:"id"`
	Server     string     `json:"server"`
	Tool       string     `json:"tool,omitempty"`
	Where      string     `json:"where,omitempty"`
	ArgsHash   string     `json:"args_hash,omitempty"`
	SessionID  string     `json:"session_id,omitempty"`
	Once       bool       `json:"once,omitempty"`
	Created    time.Time  `json:"created"`
	Expires    *time.Time `json:"expires"` // null for permanent grants
	Status     string     `json:"status"`
	CreatedBy  string     `json:"created_by,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	ApprovalID string     `json:"approval_id,omitempty"`
}

func runList(cmd *cobra.Command, f *cmdutil.Factory, lo listOpts) error {
	if lo.format != "table" && lo.format != "json" {
		return cmdutil.Usagef("unknown --format %q: use table or json", lo.format)
	}
	e, err := permstore.Open(f)
	if err != nil {
		return err
	}
	defer e.Close()
	recs, err := e.DB.ListGrants(cmd.Context(), lo.all, e.Now)
	if err != nil {
		return err
	}
	if lo.format == "json" {
		out := make([]grantJSON, 0, len(recs))
		for _, r := range recs {
			j := grantJSON{ID: r.ID, Server: r.Server, Tool: r.Tool, Where: r.Where, ArgsHash: r.ArgsHash, SessionID: r.SessionID,
				Once: r.Once, Created: r.Created, Status: r.Status(e.Now), CreatedBy: r.CreatedBy, Reason: r.Reason, ApprovalID: r.ApprovalID}
			if !r.Expires.IsZero() {
				exp := r.Expires
				j.Expires = &exp
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(recs) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "no grants in force")
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSERVER/TOOL\tSCOPE\tSTATUS\tEXPIRES\tREASON")
	for _, r := range recs {
		tool := r.Tool
		if tool == "" {
			tool = "*"
		}
		fmt.Fprintf(tw, "%s\t%s/%s\t%s\t%s\t%s\t%s\n", r.ID, printable(r.Server), printable(tool), scope(r),
			r.Status(e.Now), expiry(r.Expires, e.Now), printable(clip(r.Reason, 60)))
	}
	return tw.Flush()
}

// scope summarises what narrows a grant.
func scope(r state.GrantRecord) string {
	s := ""
	add := func(x string) {
		if s != "" {
			s += ", "
		}
		s += x
	}
	if r.ArgsHash != "" {
		add("exact args " + clip(r.ArgsHash, 19))
	}
	if r.Where != "" {
		add("where " + printable(clip(r.Where, 40)))
	}
	if r.SessionID != "" {
		add("session " + printable(clip(r.SessionID, 16)))
	}
	if r.Once {
		add("once")
	}
	if s == "" {
		return "any args"
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func runRevoke(cmd *cobra.Command, f *cmdutil.Factory, arg, reason string) error {
	id, err := state.ParseGrantID(arg)
	if err != nil {
		return cmdutil.Usage(err)
	}
	e, err := permstore.Open(f)
	if err != nil {
		return err
	}
	defer e.Close()
	err = e.DB.RevokeGrant(cmd.Context(), id, e.Now)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return cmdutil.Usagef("no grant %s: see 'moat grants --all'", id)
	case errors.Is(err, state.ErrRevoked):
		return cmdutil.Usagef("grant %s was already revoked", id)
	case err != nil:
		return err
	}
	r, err := e.DB.GetGrant(cmd.Context(), id)
	if err != nil {
		return err
	}
	if err := e.Log.Write(grantEvent(f, r.Grant, "revoke", reason)); err != nil {
		return fmt.Errorf("grant %s was revoked but not audited: %w", id, err)
	}
	fmt.Fprintf(f.IO.Out, "revoked %s\n", id)
	return nil
}
