package policycmd

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/policy"
)

// NewCmd returns `moat policy`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Test and lint the call policy",
		Long: "moat decides every tool call on its actual arguments: allow, ask or deny.\n" +
			"Policies are read from ~/.config/moat/policy.yaml (user), .moat/policy.yaml (project:\n" +
			"may only add deny and ask rules) and --policy FILE. See docs/policy.md.",
	}
	cmd.AddCommand(newTestCmd(f), newLintCmd(f), newRulesCmd(f))
	return cmd
}

type testOpts struct {
	server, tool, args, client, session, format, failOn, annotations string
	labels, taints, policies                                         []string
}

func newTestCmd(f *cmdutil.Factory) *cobra.Command {
	o := testOpts{}
	cmd := &cobra.Command{
		Use:   "test --server S --tool T [--args JSON]",
		Short: "Show the decision for one tool call and every rule that matched",
		Long: "Evaluates one call against the built-in rules and your policy files and prints the\n" +
			"decision, the deciding rule, the reason and every matching rule.\n\n" +
			"Exit status: 0 when the evaluation succeeded, whatever the decision; with\n" +
			"--fail-on ask (or deny), 1 when the decision is at least that strict; 2 for bad\n" +
			"flags or a policy that does not load. Grants are not applied (see 'moat grants').",
		Example: "  moat policy test --server builtin --tool Bash --args '{\"command\":\"rm -rf /\"}'\n" +
			"  moat policy test --server db --label env=production --tool query --args '{\"sql\":\"DELETE FROM t WHERE id=1\"}' --format json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runTest(f, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.server, "server", "", "server name (required; builtin for the runtime's own tools)")
	fl.StringVar(&o.tool, "tool", "", "tool name (required)")
	fl.StringVar(&o.args, "args", "{}", "the call's arguments as JSON, @FILE to read a file, - for stdin")
	fl.StringArrayVar(&o.labels, "label", nil, "server label k=v (repeatable), e.g. env=production")
	fl.StringVar(&o.client, "client", "", "client or runtime name (claude, cursor …)")
	fl.StringVar(&o.session, "session", "", "session id")
	fl.StringArrayVar(&o.taints, "taint", nil, "session taint: secrets or injected (repeatable)")
	fl.StringVar(&o.annotations, "annotations", "", "tool annotations as JSON, e.g. {\"openWorldHint\":true}")
	fl.StringArrayVar(&o.policies, "policy", nil, "extra policy file, user scope (repeatable)")
	fl.StringVar(&o.format, "format", "text", "output format: text or json")
	fl.StringVar(&o.failOn, "fail-on", "", "exit 1 when the decision is at least: ask or deny")
	_ = cmd.MarkFlagRequired("server")
	_ = cmd.MarkFlagRequired("tool")
	return cmd
}

func (o testOpts) request(f *cmdutil.Factory) (policy.Request, error) {
	req := policy.Request{Client: o.client, Server: policy.Server{Name: o.server}, Tool: policy.Tool{Name: o.tool},
		Session: policy.Session{ID: o.session}, Now: f.Now()}
	args, err := readArgs(f, o.args)
	if err != nil {
		return req, err
	}
	req.Arguments = args
	for _, l := range o.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return req, cmdutil.Usagef("--label %q: use key=value", l)
		}
		if req.Server.Labels == nil {
			req.Server.Labels = map[string]string{}
		}
		req.Server.Labels[k] = v
	}
	for _, t := range o.taints {
		switch t {
		case "secrets":
			req.Session.Taint |= policy.TaintReadSecrets
		case "injected":
			req.Session.Taint |= policy.TaintInjected
		default:
			return req, cmdutil.Usagef("--taint %q: use secrets or injected", t)
		}
	}
	if o.annotations != "" {
		if !json.Valid([]byte(o.annotations)) {
			return req, cmdutil.Usagef("--annotations is not valid JSON")
		}
		req.Tool.Annotations = json.RawMessage(o.annotations)
	}
	return req, nil
}

func readArgs(f *cmdutil.Factory, s string) ([]byte, error) {
	switch {
	case s == "-":
		b := make([]byte, 0, 4096)
		buf := make([]byte, 4096)
		for len(b) <= policy.MaxArgsBytes {
			n, err := f.IO.In.Read(buf)
			b = append(b, buf[:n]...)
			if err != nil {
				break
			}
		}
		return b, nil
	case strings.HasPrefix(s, "@"):
		b, err := os.ReadFile(s[1:])
		if err != nil {
			return nil, cmdutil.Usagef("--args %s: %v", s, err)
		}
		return b, nil
	}
	return []byte(s), nil
}

type testResult struct {
	Decision string           `json:"decision"`
	Rule     string           `json:"rule"`
	Reason   string           `json:"reason"`
	Matched  []policy.Match   `json:"matched"`
	Problems []policy.Problem `json:"problems,omitempty"`
}

func runTest(f *cmdutil.Factory, o testOpts) error {
	if o.format != "text" && o.format != "json" {
		return cmdutil.Usagef("unknown --format %q: use text or json", o.format)
	}
	if o.failOn != "" && o.failOn != "ask" && o.failOn != "deny" {
		return cmdutil.Usagef("unknown --fail-on %q: use ask or deny", o.failOn)
	}
	req, err := o.request(f)
	if err != nil {
		return err
	}
	srcs, err := Sources(f, o.policies)
	if err != nil {
		return cmdutil.Usage(err)
	}
	e, probs, err := policy.Load(srcs, policy.Options{Home: f.Home()})
	if err != nil {
		for _, p := range probs {
			fmt.Fprintln(f.IO.ErrOut, p.String())
		}
		return cmdutil.Usage(err)
	}
	for _, p := range probs {
		fmt.Fprintln(f.IO.ErrOut, p.String())
	}
	d := e.Evaluate(req, nil)
	res := testResult{Decision: d.Action.String(), Rule: d.RuleID, Reason: d.Reason, Matched: d.Matched, Problems: probs}
	if o.format == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printDecision(f, res)
	}
	if fail, ok := policy.ParseAction(o.failOn); o.failOn != "" && ok && d.Action >= fail {
		return cmdutil.ErrFindings
	}
	return nil
}

func printDecision(f *cmdutil.Factory, r testResult) {
	w := f.IO.Out
	fmt.Fprintf(w, "decision: %s\nrule:     %s\nreason:   %s\n", r.Decision, r.Rule, r.Reason)
	if len(r.Matched) > 0 {
		fmt.Fprintln(w, "matched:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, m := range r.Matched {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", m.Action, m.Rule, m.Source, m.Reason)
		}
		tw.Flush()
	}
}

func newRulesCmd(f *cmdutil.Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the built-in rules",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bs := policy.Builtins()
			if format == "json" {
				return json.NewEncoder(f.IO.Out).Encode(bs)
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tACTION\tDESCRIPTION")
			for _, b := range bs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", b.ID, b.Action, b.Description)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
