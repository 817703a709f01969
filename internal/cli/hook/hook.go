// Package hookcmd implements `moat hook RUNTIME` (decide one hook event of an
// agent runtime on stdin) and `moat hook install|uninstall RUNTIME`.
package hookcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/hook"
)

// hookMemoryLimit is the heap size at which a hook process collects
// garbage (it does not collect before).
const hookMemoryLimit = 256 << 20

type options struct {
	event    string
	policies []string
	failOpen bool
	timeout  time.Duration
}

// NewCmd returns the hook command with its install and uninstall
// sub-commands.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:   "hook RUNTIME",
		Short: "Decide an agent runtime's hook event (stdin) with moat's policy and screening",
		Long: "moat hook reads one hook event of an agent runtime (claude, codex, copilot, cursor, gemini,\n" +
			"windsurf) on stdin, decides it with the same policy and screening as `moat run`, answers in\n" +
			"that runtime's own format and records the decision in the audit log. When it cannot decide\n" +
			"(malformed input, unknown event, a policy that fails to load, a timeout) it blocks.",
		Example: "  echo '{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"rm -rf ~\"}}' | moat hook claude\n" +
			"  moat hook install claude --user",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := hook.ParseRuntime(args[0])
			if err != nil {
				return cmdutil.Usage(err)
			}
			return run(cmd.Context(), f, rt, o)
		},
	}
	cmd.Flags().StringVar(&o.event, "event", "", "event name, for runtimes that do not send it (Copilot CLI)")
	cmd.Flags().StringArrayVar(&o.policies, "policy", nil, "extra policy file (repeatable)")
	cmd.Flags().BoolVar(&o.failOpen, "fail-open", false, "allow (audited) instead of blocking when moat cannot decide")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 20*time.Second, "give up and block after this long")
	cmd.AddCommand(newInstallCmd(f, true), newInstallCmd(f, false))
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, rt hook.Runtime, o options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	// A hook process lives for one decision and keeps what it loads (the
	// catalogues), so collecting garbage on the usual schedule is wasted
	// work: collect only when the heap nears a soft limit, which still
	// bounds it for a large event.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(hookMemoryLimit))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	h := &handler{f: f, rt: rt, opts: o}
	reply := h.handle(ctx)
	if len(reply.Stdout) > 0 {
		if _, err := f.IO.Out.Write(reply.Stdout); err != nil {
			return fmt.Errorf("write hook answer: %w", err)
		}
	}
	if reply.Stderr != "" {
		fmt.Fprint(f.IO.ErrOut, reply.Stderr)
	}
	if reply.Exit != 0 {
		return &cmdutil.SilentError{Code: reply.Exit}
	}
	return nil
}

// readInput reads stdin up to hook.MaxInput+1 bytes, giving up when ctx ends.
func readInput(ctx context.Context, r io.Reader) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r, hook.MaxInput+1))
		ch <- result{b, err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			return nil, fmt.Errorf("read hook input: %w", res.err)
		}
		if len(res.b) > hook.MaxInput {
			return nil, fmt.Errorf("hook input is over the %d-byte limit", hook.MaxInput)
		}
		return res.b, nil
	case <-ctx.Done():
		return nil, errors.New("timed out reading the hook input from stdin")
	}
}
