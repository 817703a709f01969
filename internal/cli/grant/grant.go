package grant

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/cli/permstore"
	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/state"
)

type grantOpts struct {
	where     string
	dur       time.Duration
	once      bool
	session   string
	permanent bool
	reason    string
}

// NewCmd returns `moat grant`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	var o grantOpts
	cmd := &cobra.Command{
		Use:   "grant SERVER[/TOOL]",
		Short: "Allow calls to a server's tool for a limited time",
		Long: "Create a narrow, expiring permission that turns the policy's \"ask\" into \"allow\"\n" +
			"for SERVER's TOOL (every tool of SERVER when TOOL is omitted), optionally only for\n" +
			"calls whose arguments satisfy --where (a CEL condition) or only in one --session.\n" +
			"Grants last 1h by default and at most 24h; --permanent grants never expire and are\n" +
			"reported by moat scan. Grants never override a deny rule.",
		Example: "  moat grant github/create_issue --for 30m --reason 'triage'\n" +
			"  moat grant filesystem/write_file --where 'args.path.startsWith(\"/tmp/\")'\n" +
			"  moat grant fetch --once",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dur = durOrZero(cmd, o.dur)
			return runGrant(cmd, f, args[0], o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.where, "where", "", "CEL condition on the call's arguments, e.g. 'args.path.startsWith(\"/tmp/\")'")
	fl.DurationVar(&o.dur, "for", state.DefaultGrantDuration, "how long the grant lasts (at most 24h)")
	fl.BoolVar(&o.once, "once", false, "the grant is used up by the first call it allows")
	fl.StringVar(&o.session, "session", "", "only calls in this client session")
	fl.BoolVar(&o.permanent, "permanent", false, "never expire (risky: reported by moat scan)")
	fl.StringVar(&o.reason, "reason", "", "why, for the audit log")
	return cmd
}

// durOrZero returns 0 when --for was not given, so the default applies.
func durOrZero(cmd *cobra.Command, d time.Duration) time.Duration {
	if !cmd.Flags().Changed("for") {
		return 0
	}
	if d == 0 {
		return -1 // explicit zero is invalid
	}
	return d
}

// parseTarget splits SERVER[/TOOL] at the last slash (MCP tool names have
// none; server names might).
func parseTarget(s string) (server, tool string, err error) {
	s = strings.TrimSpace(s)
	server, tool = s, ""
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		server, tool = s[:i], s[i+1:]
		if tool == "" {
			return "", "", cmdutil.Usagef("%q: empty tool name after '/'", s)
		}
	}
	if server == "" {
		return "", "", cmdutil.Usagef("%q: give a server name, e.g. github or github/create_issue", s)
	}
	return server, tool, nil
}

func (o grantOpts) validate() error {
	switch {
	case o.permanent && o.dur != 0:
		return cmdutil.Usagef("--permanent and --for exclude each other")
	case o.permanent && o.once:
		return cmdutil.Usagef("--permanent and --once exclude each other")
	case o.dur < 0:
		return cmdutil.Usagef("--for must be a positive duration such as 30m or 2h")
	}
	if o.where != "" {
		if err := policy.CompileWhere(o.where); err != nil {
			return cmdutil.Usagef("--where %q: %v", o.where, err)
		}
	}
	return nil
}

func runGrant(cmd *cobra.Command, f *cmdutil.Factory, target string, o grantOpts) error {
	server, tool, err := parseTarget(target)
	if err != nil {
		return err
	}
	if err := o.validate(); err != nil {
		return err
	}
	if err := cmdutil.RequireHuman(f, "moat grant", "grant itself permissions"); err != nil {
		return err
	}
	e, err := permstore.Open(f)
	if err != nil {
		return err
	}
	defer e.Close()
	g := policy.Grant{Server: server, Tool: tool, Where: o.where, SessionID: o.session, Once: o.once, Created: e.Now}
	if !o.permanent {
		d := o.dur
		if d == 0 {
			d = e.DB.DefaultGrant()
		}
		if d > e.DB.MaxGrant() {
			return cmdutil.Usagef("--for %s is longer than the maximum grant of %s; use a shorter duration (or --permanent, which moat scan reports)", d, e.DB.MaxGrant())
		}
		g.Expires = e.Now.Add(d)
	}
	g, err = e.DB.AddGrant(cmd.Context(), g, state.GrantMeta{CreatedBy: cmdutil.Actor(f), Reason: o.reason, Permanent: o.permanent})
	if errors.Is(err, state.ErrInvalidInput) || errors.Is(err, state.ErrTooLong) {
		return cmdutil.Usage(err)
	}
	if err != nil {
		return err
	}
	if err := e.Log.Write(grantEvent(f, g, "create", o.reason)); err != nil {
		return fmt.Errorf("grant %s was created but not audited: %w", g.ID, err)
	}
	return printGrant(f, g, o, e.Now)
}

func grantEvent(f *cmdutil.Factory, g policy.Grant, action, reason string) audit.Event {
	d := map[string]any{"once": g.Once}
	if g.Where != "" {
		d["where"] = g.Where
	}
	if g.Expires.IsZero() {
		d["permanent"] = true
	} else {
		d["expires"] = g.Expires.UTC().Format(time.RFC3339Nano)
	}
	return audit.Event{Kind: audit.KindGrant, Action: action, Actor: cmdutil.Actor(f), Server: g.Server, Tool: g.Tool,
		Session: g.SessionID, Grant: g.ID, ArgsHash: g.ArgsHash, Reason: reason, Details: d}
}

func printGrant(f *cmdutil.Factory, g policy.Grant, o grantOpts, now time.Time) error {
	scope := printable(g.Server) + "/" + printable(g.Tool)
	if g.Tool == "" {
		scope = printable(g.Server) + " (every tool)"
		fmt.Fprintf(f.IO.ErrOut, "warning: this grant covers every tool of %s; name a tool to narrow it\n", printable(g.Server))
	}
	if o.permanent {
		fmt.Fprintf(f.IO.ErrOut, "warning: permanent grant: it never expires and moat scan will report it; revoke with 'moat grants revoke %s'\n", g.ID)
	}
	fmt.Fprintf(f.IO.Out, "granted %s: %s\n", g.ID, scope)
	if g.Where != "" {
		fmt.Fprintf(f.IO.Out, "  where:   %s\n", printable(g.Where))
	}
	if g.SessionID != "" {
		fmt.Fprintf(f.IO.Out, "  session: %s\n", printable(g.SessionID))
	}
	if g.Once {
		fmt.Fprintf(f.IO.Out, "  once:    used up by the first call it allows\n")
	}
	fmt.Fprintf(f.IO.Out, "  expires: %s\n", expiry(g.Expires, now))
	return nil
}
