// Package sandbox implements `moat sandbox`: `moat sandbox check` reports
// which confinement layers this kernel and operating system provide and
// how to enable the missing ones.
package sandbox

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/sandbox"
)

// NewCmd returns the sandbox command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Inspect the sandbox moat puts servers in (moat run --sandbox)",
		Long:  "See docs/sandbox.md for what each layer confines.",
	}
	cmd.AddCommand(newCheckCmd(f, sandbox.Check))
	return cmd
}

func newCheckCmd(f *cmdutil.Factory, check func() sandbox.Report) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Show which confinement layers this machine provides",
		Long: "moat sandbox check probes the kernel (it really creates the namespaces) and prints\n" +
			"each layer `moat run --sandbox` uses, with how to enable the missing ones. It exits\n" +
			"1 when a layer --sandbox=strict needs is missing.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := check()
			if asJSON {
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				printReport(f, r)
			}
			if len(r.Missing()) > 0 {
				return cmdutil.ErrFindings
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func printReport(f *cmdutil.Factory, r sandbox.Report) {
	out := f.IO.Out
	fmt.Fprintf(out, "sandbox layers on %s:\n", r.OS)
	for _, l := range r.Layers {
		mark := "ok     "
		if !l.Available {
			mark = "MISSING"
		}
		fmt.Fprintf(out, "  %s %-13s %s\n", mark, l.Name, l.Detail)
		if !l.Available && l.Fix != "" {
			fmt.Fprintf(out, "          to enable: %s\n", l.Fix)
		}
	}
	if m := r.Missing(); len(m) > 0 {
		fmt.Fprintf(out, "--sandbox=strict will refuse to start; --sandbox=best-effort runs without: %v\n", sandbox.Names(m))
		return
	}
	fmt.Fprintln(out, "every layer is available: --sandbox=strict works here")
}
