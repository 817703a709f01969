// Package cli builds the moat command tree and maps command errors to exit
// codes. Each noun lives in its own sub-package; this package only wires them.
package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/approve"
	auditcmd "github.com/moat-dev/moat/internal/cli/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/cli/grant"
	hookcmd "github.com/moat-dev/moat/internal/cli/hook"
	"github.com/moat-dev/moat/internal/cli/inspect"
	"github.com/moat-dev/moat/internal/cli/pins"
	policycmd "github.com/moat-dev/moat/internal/cli/policy"
	"github.com/moat-dev/moat/internal/cli/run"
	sandboxcmd "github.com/moat-dev/moat/internal/cli/sandbox"
	scancmd "github.com/moat-dev/moat/internal/cli/scan"
	"github.com/moat-dev/moat/internal/cli/version"
	vetcmd "github.com/moat-dev/moat/internal/cli/vet"
	wrapcmd "github.com/moat-dev/moat/internal/cli/wrap"
	"github.com/moat-dev/moat/internal/iostreams"
)

// commands lists the constructors of every top-level command.
var commands = []func(*cmdutil.Factory) *cobra.Command{
	version.NewCmd,
	run.NewCmd,
	inspect.NewCmd,
	scancmd.NewCmd,
	grant.NewCmd,
	grant.NewListCmd,
	approve.NewListCmd,
	approve.NewCmd,
	approve.NewDenyCmd,
	auditcmd.NewCmd,
	policycmd.NewCmd,
	hookcmd.NewCmd,
	sandboxcmd.NewCmd,
	vetcmd.NewCmd,
	pins.NewCmd,
	wrapcmd.NewCmd, wrapcmd.NewUnwrapCmd,
}

// NewRoot builds the root command.
func NewRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "moat",
		Short: "Security for the Model Context Protocol",
		Long: "moat inspects what MCP servers tell a model, decides every tool call on its real\n" +
			"arguments, confines servers and records what happened.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.Usage(fmt.Errorf("%w\nrun '%s --help' for usage", err, c.CommandPath()))
	})
	for _, mk := range commands {
		root.AddCommand(mk(f))
	}
	return root
}

// Main runs moat with args and returns the process exit code.
func Main(args []string, ios *iostreams.IOStreams) int {
	return Run(cmdutil.New(ios), args)
}

// Run runs the command tree with a prepared Factory (tests use this).
func Run(f *cmdutil.Factory, args []string) int {
	root := NewRoot(f)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		var silent *cmdutil.SilentError
		if !errors.Is(err, cmdutil.ErrFindings) && !errors.As(err, &silent) {
			if isCobraUsage(err) {
				err = cmdutil.Usage(err)
			}
			fmt.Fprintf(f.IO.ErrOut, "moat: %v\n", err)
		}
	}
	return ExitCode(err)
}

// isCobraUsage recognises cobra's own argument errors (unknown command,
// wrong number of arguments), which it returns as plain errors.
func isCobraUsage(err error) bool {
	var usage *cmdutil.UsageError
	if errors.As(err, &usage) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
