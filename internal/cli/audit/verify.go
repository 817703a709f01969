package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	auditlog "github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
)

func newVerifyCmd(f *cmdutil.Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "verify [PATH]",
		Short: "Check that no audit record was edited, removed, inserted or reordered",
		Long: "Verify the hash chain of the audit log directory (default: the state directory's)\n" +
			"or of one file. Exit 0 when intact, 1 when damaged or tampered with (each break is\n" +
			"reported with file, line, seq and the expected and found hashes).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return cmdutil.Usagef("unknown --format %q: use text or json", format)
			}
			path := auditlog.Dir(f.State())
			if len(args) == 1 {
				path = args[0]
			}
			rep, err := auditlog.Verify(path)
			if errors.Is(err, os.ErrNotExist) {
				return cmdutil.Usagef("no audit log at %s", path)
			}
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				printReport(f, rep)
			}
			if !rep.Intact() {
				return cmdutil.ErrFindings
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func printReport(f *cmdutil.Factory, rep auditlog.Report) {
	w := f.IO.Out
	if rep.Intact() {
		fmt.Fprintf(w, "audit log intact: %d records in %d file(s), seq %d..%d\n", rep.Records, len(rep.Files), rep.FirstSeq, rep.LastSeq)
	} else {
		fmt.Fprintf(w, "audit log DAMAGED or TAMPERED WITH: %d problem(s) in %d records, %d file(s)\n", len(rep.Problems), rep.Records, len(rep.Files))
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  %s\n", printable(p.String()))
		}
		if rep.Truncated {
			fmt.Fprintln(w, "  … more problems not shown")
		}
	}
	if rep.LogID != "" {
		fmt.Fprintf(w, "log id: %s\n", rep.LogID)
	}
	if rep.LastHash != "" {
		fmt.Fprintf(w, "head:   seq %d sha256 %s\n", rep.LastSeq, rep.LastHash)
		fmt.Fprintln(w, "        (keep this hash somewhere else: a later verify that does not reach it means the log was rewritten)")
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", printable(n))
	}
}
