// Package version implements `moat version`.
package version

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/buildinfo"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
)

// NewCmd returns the version command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print moat's version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := buildinfo.Get()
			switch format {
			case "json":
				enc := json.NewEncoder(f.IO.Out)
				return enc.Encode(info)
			case "text", "":
				_, err := fmt.Fprintf(f.IO.Out, "moat %s\ncommit %s\n%s %s\n", info.Version, info.Commit, info.GoVersion, info.Platform)
				return err
			default:
				return cmdutil.Usagef("unknown --format %q: use text or json", format)
			}
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
