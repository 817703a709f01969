package policycmd

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/policy"
)

func newLintCmd(f *cmdutil.Factory) *cobra.Command {
	var format string
	var project bool
	cmd := &cobra.Command{
		Use:   "lint [FILE…]",
		Short: "Check policy files: unknown keys, bad regexes, CEL errors, rules a project may not contain",
		Long: "Checks each FILE (default: your user policy and the project policy) strictly and\n" +
			"compiles every regex and CEL expression. A file named .moat/policy.yaml, or any file\n" +
			"with --project, is checked as a project policy (deny and ask rules only).\n\n" +
			"Exit status: 0 when there are no errors (warnings are printed), 2 on errors.",
		RunE: func(cmd *cobra.Command, files []string) error {
			if format != "text" && format != "json" {
				return cmdutil.Usagef("unknown --format %q: use text or json", format)
			}
			return runLint(f, files, project, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().BoolVar(&project, "project", false, "check FILE as a project policy")
	return cmd
}

func runLint(f *cmdutil.Factory, files []string, project bool, format string) error {
	var srcs []policy.Source
	if len(files) == 0 {
		all, err := Sources(f, nil)
		if err != nil {
			return cmdutil.Usage(err)
		}
		srcs = all
		if len(srcs) == 0 {
			fmt.Fprintf(f.IO.ErrOut, "no policy files: %s and %s do not exist\n", UserFile(f), ProjectFile)
		}
	}
	for _, file := range files {
		scope := policy.ScopeCLI
		if project || strings.HasSuffix(filepath.ToSlash(file), ProjectFile) {
			scope = policy.ScopeProject
		}
		s, err := readSource(file, scope, false)
		if err != nil {
			return cmdutil.Usage(err)
		}
		srcs = append(srcs, *s)
	}
	var probs []policy.Problem
	errs := 0
	for _, s := range srcs {
		_, ps, _ := policy.Load([]policy.Source{s}, policy.Options{Home: f.Home(), EagerCEL: true})
		for _, p := range ps {
			if s.Scope == policy.ScopeProject && p.Warning {
				p.Warning = false // in lint, what a project file may not do is an error
			}
			if !p.Warning {
				errs++
			}
			probs = append(probs, p)
		}
	}
	if format == "json" {
		if probs == nil {
			probs = []policy.Problem{}
		}
		if err := json.NewEncoder(f.IO.Out).Encode(map[string]any{"problems": probs, "errors": errs}); err != nil {
			return err
		}
	} else {
		for _, p := range probs {
			fmt.Fprintln(f.IO.Out, p.String())
		}
		if errs == 0 {
			fmt.Fprintf(f.IO.ErrOut, "%d file(s) checked: no errors\n", len(srcs))
		}
	}
	if errs > 0 {
		return &cmdutil.SilentError{Code: cmdutil.ExitUsage}
	}
	return nil
}
