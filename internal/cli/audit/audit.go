// Package audit implements `moat audit`: tail, show and verify the
// hash-chained audit log.
package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	auditlog "github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
)

// NewCmd returns `moat audit` and its subcommands.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the audit log",
		Long: "moat records every decision, grant, approval and pin change in a hash-chained\n" +
			"log under the state directory (" + "<state>/audit/audit.jsonl" + "). These commands\n" +
			"read it and check that no record was edited, removed, inserted or reordered.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newTailCmd(f), newShowCmd(f), newVerifyCmd(f))
	return cmd
}

// filter selects records for show.
type filter struct {
	since  time.Time
	kind   string
	server string
}

func (fl filter) match(e auditlog.Event) bool {
	if !fl.since.IsZero() && e.Time.Before(fl.since) {
		return false
	}
	if fl.kind != "" && e.Kind != fl.kind {
		return false
	}
	return fl.server == "" || e.Server == fl.server
}

// parseSince accepts an RFC 3339 time or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, cmdutil.Usagef("--since %q: give an RFC 3339 time (2026-11-23T10:00:00Z), a date (2026-11-23) or a duration (2h)", s)
}

func newShowCmd(f *cmdutil.Factory) *cobra.Command {
	var since, format string
	var fl filter
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show audit records, optionally filtered",
		Example: "  moat audit show --since 2h --kind decision\n" +
			"  moat audit show --server github --format json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return cmdutil.Usagef("unknown --format %q: use table or json", format)
			}
			t, err := parseSince(since, f.Now())
			if err != nil {
				return err
			}
			fl.since = t
			p := newPrinter(f.IO.Out, format)
			err = auditlog.ReadDir(auditlog.Dir(f.State()), func(r auditlog.Record) error {
				if fl.match(r.Event) {
					return p.print(r)
				}
				return nil
			})
			if err != nil {
				return err
			}
			return p.flush()
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only records at or after this time (RFC 3339, date, or duration ago)")
	cmd.Flags().StringVar(&fl.kind, "kind", "", "only records of this kind: decision, grant, approval, pin, screen, egress, sandbox, start")
	cmd.Flags().StringVar(&fl.server, "server", "", "only records about this server")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json (JSON Lines, the records as stored)")
	return cmd
}

// printer writes records as a table or as the stored JSON lines.
type printer struct {
	w      io.Writer
	format string
	header bool
}

func newPrinter(w io.Writer, format string) *printer { return &printer{w: w, format: format} }

func (p *printer) print(r auditlog.Record) error {
	if p.format == "json" {
		_, err := fmt.Fprintf(p.w, "%s\n", r.Raw)
		return err
	}
	if !p.header {
		p.header = true
		if _, err := fmt.Fprintf(p.w, "%-6s  %-24s  %-9s  %-8s  %-32s  %s\n", "SEQ", "TIME", "KIND", "OUTCOME", "SERVER/TOOL", "DETAIL"); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(p.w, row(r.Event))
	return err
}

func (p *printer) flush() error { return nil }

// row formats one record on one line; every field from the log is untrusted
// text and is made terminal-safe.
func row(e auditlog.Event) string {
	outcome := e.Decision
	if outcome == "" {
		outcome = e.Action
	}
	target := e.Server
	if e.Tool != "" {
		target += "/" + e.Tool
	}
	var detail []string
	add := func(k, v string) {
		if v != "" {
			detail = append(detail, k+"="+v)
		}
	}
	add("rule", e.Rule)
	add("grant", e.Grant)
	add("approval", e.Approval)
	add("actor", e.Actor)
	if e.Reason != "" {
		detail = append(detail, fmt.Sprintf("%q", e.Reason))
	}
	if len(e.Args) > 0 {
		detail = append(detail, "args="+string(e.Args))
	}
	if len(e.Details) > 0 {
		keys := make([]string, 0, len(e.Details))
		for k := range e.Details {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b, _ := json.Marshal(e.Details[k])
			detail = append(detail, k+"="+string(b))
		}
	}
	return printable(fmt.Sprintf("%-6d  %-24s  %-9s  %-8s  %-32s  %s", e.Seq, e.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		e.Kind, outcome, target, strings.Join(detail, " ")))
}

// printable escapes control and format characters (ANSI, bidi, zero-width).
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xad || (r >= 0x200b && r <= 0x200f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2060 && r <= 0x206f) || r == 0xfeff || (r >= 0xe0000 && r <= 0xe007f) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
