// Package pins implements `moat pins`: review and approve the tool
// definitions `moat run` pinned (trust on first use). A tool whose
// definition changed, or that appeared after the first use, is withheld by
// moat run until it is approved here.
package pins

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/guard"
	"github.com/moat-dev/moat/internal/normalize"
	"github.com/moat-dev/moat/internal/pin"
	"github.com/moat-dev/moat/internal/state"
)

// NewCmd returns `moat pins`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pins [list | diff SERVER | approve SERVER[/TOOL] | reset SERVER]",
		Short: "Review and approve the tool definitions moat run pinned",
		Long: "moat run pins every tool definition (and the server's instructions) the first time it\n" +
			"sees a server, keyed by the server's name and how it is started. A tool that changes\n" +
			"later, or that appears later, is withheld from the model until you approve it here.\n" +
			"SERVER is the --name given to moat run. See docs/pins.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return withDB(cmd.Context(), f, list) },
	}
	cmd.AddCommand(
		&cobra.Command{Use: "list", Short: "List pinned servers and tools with their status", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return withDB(cmd.Context(), f, list) }},
		&cobra.Command{Use: "diff SERVER", Short: "Show what changed in withheld tools", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withDB(cmd.Context(), f, func(e *env) error { return diff(e, args[0]) })
			}},
		&cobra.Command{Use: "approve SERVER[/TOOL]", Short: "Approve the current definitions of a server's tools (or one tool)", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withDB(cmd.Context(), f, func(e *env) error { return approve(e, args[0]) })
			}},
		&cobra.Command{Use: "reset SERVER", Short: "Forget a server's pins; the next moat run trusts it anew", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withDB(cmd.Context(), f, func(e *env) error { return reset(e, args[0]) })
			}},
	)
	return cmd
}

// env is what every subcommand works with.
type env struct {
	ctx context.Context
	f   *cmdutil.Factory
	db  *state.DB
	out io.Writer
	now time.Time
}

func withDB(ctx context.Context, f *cmdutil.Factory, run func(*env) error) error {
	if ctx == nil {
		ctx = context.Background()
	}
	db, err := state.OpenDir(f.State(), state.Options{})
	if err != nil {
		return fmt.Errorf("open the state database: %w", err)
	}
	defer db.Close()
	return run(&env{ctx: ctx, f: f, db: db, out: f.IO.Out, now: f.Now()})
}

// servers resolves SERVER (a name or a full identity) to pin identities.
func (e *env) servers(name string) ([]string, error) {
	all, err := e.db.PinServers(e.ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range all {
		if id == name || guard.IdentityName(id) == name {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, cmdutil.Usagef("no pins for server %q; `moat pins list` shows the pinned servers", name)
	}
	return out, nil
}

// toolView is one tool's pin with its pending candidate, if any.
type toolView struct {
	main state.Pin
	cand *state.Pin
}

func (e *env) tools(identity string) ([]toolView, error) {
	rows, err := e.db.Pins(e.ctx, identity)
	if err != nil {
		return nil, err
	}
	byName := map[string]*toolView{}
	var names []string
	for _, p := range rows {
		name := strings.TrimSuffix(p.Tool, guard.CandidateSuffix)
		v := byName[name]
		if v == nil {
			v = &toolView{}
			byName[name] = v
			names = append(names, name)
		}
		if name != p.Tool {
			c := p
			v.cand = &c
		} else {
			v.main = p
		}
	}
	sort.Strings(names)
	out := make([]toolView, 0, len(names))
	for _, n := range names {
		if byName[n].main.Tool != "" {
			out = append(out, *byName[n])
		}
	}
	return out, nil
}

func status(v toolView) string {
	switch {
	case v.cand != nil:
		return "changed, withheld until approved"
	case v.main.Status == state.PinPending:
		return "new, withheld until approved"
	case v.main.Status == state.PinRejected:
		return "rejected"
	}
	return "approved"
}

func list(e *env) error {
	ids, err := e.db.PinServers(e.ctx)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		fmt.Fprintln(e.out, "No pins yet: moat run pins a server's tools the first time it lists them.")
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tTOOL\tSTATUS\tFIRST SEEN\tHASH")
	for _, id := range ids {
		vs, err := e.tools(id)
		if err != nil {
			return err
		}
		for _, v := range vs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", id, show(v.main.Tool), status(v), v.main.FirstSeen.UTC().Format(time.DateOnly), clip(v.main.DefHash, 19))
		}
	}
	return tw.Flush()
}

func diff(e *env, name string) error {
	ids, err := e.servers(name)
	if err != nil {
		return err
	}
	pendingAny := false
	for _, id := range ids {
		vs, err := e.tools(id)
		if err != nil {
			return err
		}
		for _, v := range vs {
			switch {
			case v.cand != nil:
				pendingAny = true
				fmt.Fprintf(e.out, "%s %s: changed since approved (%s → %s)\n", id, show(v.main.Tool), clip(v.main.DefHash, 19), clip(v.cand.DefHash, 19))
				for _, d := range pin.FieldDiffs([]byte(v.main.DefJSON), []byte(v.cand.DefJSON)) {
					fmt.Fprintf(e.out, "  %s\n    - %s\n    + %s\n", d.Path, normalize.Reveal(d.Old), normalize.Reveal(d.New))
				}
			case v.main.Status == state.PinPending:
				pendingAny = true
				fmt.Fprintf(e.out, "%s %s: new, not yet approved\n  %s\n", id, show(v.main.Tool), normalize.Reveal(clip(v.main.DefJSON, 4000)))
			}
		}
	}
	if !pendingAny {
		fmt.Fprintf(e.out, "Nothing withheld for %s: every pinned definition is approved.\n", name)
		return nil
	}
	fmt.Fprintf(e.out, "\nApprove with `moat pins approve %s` (all) or `moat pins approve %s/TOOL`.\n", name, name)
	return nil
}

func approve(e *env, target string) error {
	if err := cmdutil.RequireHuman(e.f, "moat pins approve", "approve tool definitions itself"); err != nil {
		return err
	}
	name, tool, _ := strings.Cut(target, "/")
	ids, err := e.servers(name)
	if err != nil {
		return err
	}
	n := 0
	for _, id := range ids {
		vs, err := e.tools(id)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if tool != "" && v.main.Tool != tool {
				continue
			}
			done, err := e.approveOne(id, v)
			if err != nil {
				return err
			}
			if done {
				n++
				fmt.Fprintf(e.out, "approved %s %s\n", id, show(v.main.Tool))
			}
		}
	}
	if n == 0 {
		fmt.Fprintf(e.out, "Nothing to approve for %s.\n", target)
	}
	return nil
}

func (e *env) approveOne(id string, v toolView) (bool, error) {
	switch {
	case v.cand != nil:
		p := state.Pin{Server: id, Tool: v.main.Tool, DefHash: v.cand.DefHash, DefJSON: v.cand.DefJSON,
			FirstSeen: v.main.FirstSeen, ApprovedAt: e.now, Status: state.PinApproved}
		if err := e.db.PutPin(e.ctx, p); err != nil {
			return false, err
		}
		if _, err := e.db.DeletePin(e.ctx, id, v.cand.Tool); err != nil {
			return false, err
		}
	case v.main.Status != state.PinApproved:
		if err := e.db.SetPinStatus(e.ctx, id, v.main.Tool, state.PinApproved, e.now); err != nil {
			return false, err
		}
	default:
		return false, nil
	}
	return true, e.audit("approve", id, v.main.Tool)
}

func reset(e *env, name string) error {
	if err := cmdutil.RequireHuman(e.f, "moat pins reset", "approve tool definitions itself"); err != nil {
		return err
	}
	ids, err := e.servers(name)
	if err != nil {
		return err
	}
	for _, id := range ids {
		n, err := e.db.DeletePin(e.ctx, id, "")
		if err != nil {
			return err
		}
		if err := e.audit("reset", id, ""); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "forgot %d pins of %s; the next moat run pins its tools anew\n", n, id)
	}
	return nil
}

func (e *env) audit(action, id, tool string) error {
	sink, err := audit.OpenDefault(e.f.State(), e.f.Now)
	if err != nil {
		return fmt.Errorf("open the audit log: %w", err)
	}
	user := e.f.IO.Getenv("USER")
	if user == "" {
		user = "local"
	}
	werr := sink.Write(audit.Event{Kind: audit.KindPin, Action: action, Actor: "user:" + user + " (moat pins)",
		Server: guard.IdentityName(id), Tool: tool, Details: map[string]any{"identity": id}})
	return errorsJoin(werr, sink.Close())
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func show(tool string) string {
	if tool == guard.InstructionsPin {
		return "(server instructions)"
	}
	return normalize.Reveal(tool)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
