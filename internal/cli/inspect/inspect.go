// Package inspect implements `moat inspect`: read saved MCP messages (a
// tools/list result, a captured JSON Lines session, any JSON-RPC message or
// bare result) from files or stdin, walk every model-visible string and
// report what the detection engine finds.
package inspect

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/jsonin"
	"github.com/moat-dev/moat/internal/report"
)

// Options are the parsed flags and arguments.
type Options struct {
	Files   []string
	Format  string
	FailOn  string
	Server  string
	MaxSize string
	Input   string
	// StrictInput makes any input error exit 2 even when other documents
	// were read.
	StrictInput bool
}

// config is Options validated.
type config struct {
	files   []string
	format  string
	failOn  finding.Severity
	server  string
	maxSize int64
	mode    jsonin.Mode
	strict  bool
}

// newScanner builds the detection engine; tests replace it.
var newScanner = func() (detect.Scanner, error) {
	e, err := detect.New(detect.Options{})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// NewCmd returns the inspect command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "inspect [FILE...|-]",
		Short: "Inspect saved MCP messages for tool poisoning, prompt injection and secrets",
		Long: `Inspect saved MCP messages: a tools/list result, a captured session in JSON Lines,
any JSON-RPC message, batch or bare result (prompts, resources, tool results).
Every model-visible string is checked: tool names, descriptions and every string
in their schemas, server instructions, tool results, resource contents, prompt
messages, sampling and elicitation requests, tool call arguments.

A file holds one JSON document (pretty-printed or not) or JSON Lines (one
document per line). With no FILE, or with -, stdin is read.

Exit status: 0 nothing at or above --fail-on, 1 findings at or above --fail-on,
2 usage error or no readable document (or any unreadable one with
--strict-input), 3 internal failure.`,
		Example: `  moat inspect tools.json
  moat inspect --format json session.jsonl > findings.json
  moat inspect --format sarif --fail-on medium captures/*.json > moat.sarif
  some-capture-tool | moat inspect -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			return run(f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Format, "format", "f", "table", "output format: table, json or sarif")
	fl.StringVar(&o.FailOn, "fail-on", "high", "exit 1 when a finding is at or above this severity: info, low, medium, high, critical or none")
	fl.StringVar(&o.Server, "server", "", "server name to report (default: the serverInfo.name the input declares)")
	fl.StringVar(&o.MaxSize, "max-size", "16MiB", "largest line or document read, e.g. 512KiB, 64MiB")
	fl.StringVar(&o.Input, "input", "auto", "input framing: auto, json (one document per file) or jsonl (one per line)")
	fl.BoolVar(&o.StrictInput, "strict-input", false, "exit 2 after the report when any line or document could not be read")
	return cmd
}

func (o *Options) validate(f *cmdutil.Factory) (config, error) {
	c := config{format: o.Format, server: o.Server, strict: o.StrictInput}
	if !contains(report.Formats, o.Format) {
		return c, cmdutil.Usagef("unknown --format %q: use %s", o.Format, strings.Join(report.Formats, ", "))
	}
	var err error
	if c.failOn, err = finding.ParseSeverity(o.FailOn); err != nil {
		return c, cmdutil.Usage(fmt.Errorf("--fail-on: %w", err))
	}
	if c.maxSize, err = jsonin.ParseSize(o.MaxSize); err != nil {
		return c, cmdutil.Usage(fmt.Errorf("--max-size: %w", err))
	}
	if c.mode, err = jsonin.ParseMode(o.Input); err != nil {
		return c, cmdutil.Usage(fmt.Errorf("--input: %w", err))
	}
	c.files = o.Files
	if len(c.files) == 0 {
		if f.IO.IsStdinTTY() {
			return c, cmdutil.Usagef("no input: name a FILE, or pipe JSON into 'moat inspect -' (try 'moat inspect examples/demo/poisoned-tools.json')")
		}
		c.files = []string{"-"}
	}
	stdin := 0
	for _, name := range c.files {
		if name == "-" {
			if stdin++; stdin > 1 {
				return c, cmdutil.Usagef("stdin (-) named more than once")
			}
			continue
		}
		if err := checkFile(name); err != nil {
			return c, err
		}
	}
	return c, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
