package approve

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/cli/permstore"
	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/state"
)

type approveOpts struct {
	once    bool
	session bool
	dur     time.Duration
	anyArgs bool
	reason  string
}

// NewCmd returns `moat approve`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	var o approveOpts
	cmd := &cobra.Command{
		Use:   "approve ID",
		Short: "Allow a call waiting for approval",
		Long: "Answer a pending approval (see 'moat approvals') with a grant. By default the grant\n" +
			"covers only that exact call (the same arguments), once, in the asking session.\n" +
			"--session keeps allowing those arguments for the rest of the session; --for D allows\n" +
			"them for D in any session. --any-args widens either to every call of that tool.",
		Example: "  moat approve k7m2qx\n  moat approve k7m2qx --session\n  moat approve k7m2qx --for 30m",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runApprove(cmd, f, args[0], o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.once, "once", false, "this exact call, once (the default)")
	fl.BoolVar(&o.session, "session", false, "these arguments for the rest of the asking session")
	fl.DurationVar(&o.dur, "for", 0, "these arguments for this long, in any session (at most 24h)")
	fl.BoolVar(&o.anyArgs, "any-args", false, "widen to every call of the tool, whatever the arguments")
	fl.StringVar(&o.reason, "reason", "", "why, for the audit log")
	return cmd
}

func (o approveOpts) options(cmd *cobra.Command, by string) (state.ApproveOptions, error) {
	n := 0
	for _, set := range []bool{o.once, o.session, cmd.Flags().Changed("for")} {
		if set {
			n++
		}
	}
	if n > 1 {
		return state.ApproveOptions{}, cmdutil.Usagef("choose one of --once, --session and --for")
	}
	opts := state.ApproveOptions{Scope: state.ScopeOnce, AnyArgs: o.anyArgs, By: by}
	switch {
	case o.session:
		opts.Scope = state.ScopeSession
	case cmd.Flags().Changed("for"):
		if o.dur <= 0 {
			return opts, cmdutil.Usagef("--for must be a positive duration such as 30m or 2h")
		}
		opts.Scope, opts.For = state.ScopeFor, o.dur
	}
	return opts, nil
}

func runApprove(cmd *cobra.Command, f *cmdutil.Factory, arg string, o approveOpts) error {
	id, err := parseID(arg)
	if err != nil {
		return err
	}
	opts, err := o.options(cmd, cmdutil.Actor(f))
	if err != nil {
		return err
	}
	if err := cmdutil.RequireHuman(f, "moat approve", "grant itself permissions"); err != nil {
		return err
	}
	e, err := permstore.Open(f)
	if err != nil {
		return err
	}
	defer e.Close()
	g, err := e.DB.Approve(cmd.Context(), id, opts, e.Now)
	if err != nil {
		auditExpired(e, f, id, err)
		return decisionError(id, err)
	}
	ev := audit.Event{Kind: audit.KindApproval, Action: "approve", Actor: cmdutil.Actor(f), Server: g.Server, Tool: g.Tool,
		Session: g.SessionID, Approval: id, Grant: g.ID, ArgsHash: g.ArgsHash, Reason: o.reason,
		Details: map[string]any{"scope": scopeName(opts), "any_args": opts.AnyArgs, "expires": g.Expires.UTC().Format(time.RFC3339Nano)}}
	if err := e.Log.Write(ev); err != nil {
		return fmt.Errorf("approval %s was granted (%s) but not audited: %w", id, g.ID, err)
	}
	fmt.Fprintf(f.IO.Out, "approved %s: %s/%s, %s (grant %s, expires %s)\n", id, oneLine(g.Server), oneLine(g.Tool),
		describe(g, opts), g.ID, g.Expires.UTC().Format(time.RFC3339))
	if opts.AnyArgs {
		fmt.Fprintf(f.IO.ErrOut, "warning: --any-args allows every call of %s/%s until the grant expires; revoke with 'moat grants revoke %s'\n", oneLine(g.Server), oneLine(g.Tool), g.ID)
	}
	return nil
}

func scopeName(o state.ApproveOptions) string {
	switch o.Scope {
	case state.ScopeSession:
		return "session"
	case state.ScopeFor:
		return "for " + o.For.String()
	}
	return "once"
}

func describe(g policy.Grant, o state.ApproveOptions) string {
	args := "these exact arguments"
	if o.AnyArgs {
		args = "any arguments"
	}
	switch o.Scope {
	case state.ScopeSession:
		return args + " for the rest of the session"
	case state.ScopeFor:
		return args + " for " + cmdutil.HumanDuration(o.For) + " in any session"
	}
	return args + ", once"
}

// auditExpired records that a decision found the approval expired.
func auditExpired(e *permstore.Env, f *cmdutil.Factory, id string, err error) {
	if !isExpired(err) {
		return
	}
	_ = e.Log.Write(audit.Event{Kind: audit.KindApproval, Action: "expire", Actor: cmdutil.Actor(f), Approval: id})
}

// NewDenyCmd returns `moat deny`.
func NewDenyCmd(f *cmdutil.Factory) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "deny ID",
		Short: "Refuse a call waiting for approval",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			e, err := permstore.Open(f)
			if err != nil {
				return err
			}
			defer e.Close()
			a, _ := e.DB.GetApproval(cmd.Context(), id)
			if err := e.DB.Deny(cmd.Context(), id, cmdutil.Actor(f), e.Now); err != nil {
				auditExpired(e, f, id, err)
				return decisionError(id, err)
			}
			ev := audit.Event{Kind: audit.KindApproval, Action: "deny", Actor: cmdutil.Actor(f), Server: a.Server, Tool: a.Tool,
				Session: a.SessionID, Approval: id, ArgsHash: a.ArgsHash, Reason: reason}
			if err := e.Log.Write(ev); err != nil {
				return fmt.Errorf("approval %s was denied but not audited: %w", id, err)
			}
			fmt.Fprintf(f.IO.Out, "denied %s: %s/%s\n", id, oneLine(a.Server), oneLine(a.Tool))
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the audit log")
	return cmd
}
