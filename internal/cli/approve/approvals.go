package approve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/cli/permstore"
	"github.com/moat-dev/moat/internal/secrets"
	"github.com/moat-dev/moat/internal/state"
)

// maxShownArgs caps the arguments printed for one approval.
const maxShownArgs = 16 << 10

// NewListCmd returns `moat approvals`.
func NewListCmd(f *cmdutil.Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "List tool calls waiting for your decision",
		Long: "List the pending approvals: calls a policy rule sent to \"ask\", with their full\n" +
			"arguments (secrets redacted), the rule and reason, how long ago they were asked and\n" +
			"when they expire, and the exact commands to approve or deny them.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return cmdutil.Usagef("unknown --format %q: use table or json", format)
			}
			e, err := permstore.Open(f)
			if err != nil {
				return err
			}
			defer e.Close()
			pend, err := e.DB.PendingApprovals(cmd.Context(), e.Now)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(f.IO.Out, pend)
			}
			if len(pend) == 0 {
				fmt.Fprintln(f.IO.ErrOut, "no calls are waiting for approval")
				return nil
			}
			for i, a := range pend {
				if i > 0 {
					fmt.Fprintln(f.IO.Out)
				}
				writeText(f.IO.Out, a, e.Now)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

// shownArgs returns the arguments as shown to a human: pretty-printed
// exactly as sent (duplicate keys and key order kept), secrets redacted,
// terminal controls escaped, capped. It reports whether the text is JSON.
func shownArgs(a state.Approval) (string, bool) {
	raw := bytes.TrimSpace(a.Args)
	if len(raw) == 0 {
		return "(no arguments)", false
	}
	text, isJSON := string(raw), false
	if !a.ArgsTruncated && json.Valid(raw) {
		var b bytes.Buffer
		if json.Indent(&b, raw, "", "  ") == nil {
			text, isJSON = b.String(), true
		}
	}
	text, _ = secrets.Redact(text)
	text = printable(text)
	if len(text) > maxShownArgs {
		text = strings.ToValidUTF8(text[:maxShownArgs], "") + "\n… (cut for display)"
		isJSON = false
	}
	return text, isJSON
}

func writeText(w io.Writer, a state.Approval, now time.Time) {
	tool := oneLine(a.Server) + "/" + oneLine(a.Tool)
	fmt.Fprintf(w, "%s  %s\n", a.ID, tool)
	if a.Client != "" || a.SessionID != "" {
		fmt.Fprintf(w, "  from:     client %s, session %s\n", orDash(oneLine(a.Client)), orDash(oneLine(a.SessionID)))
	}
	fmt.Fprintf(w, "  rule:     %s\n", orDash(oneLine(a.Rule)))
	fmt.Fprintf(w, "  reason:   %s\n", orDash(oneLine(a.Reason)))
	fmt.Fprintf(w, "  asked:    %s ago; expires in %s (%s)\n", cmdutil.HumanDuration(now.Sub(a.Created)), cmdutil.HumanDuration(a.Expires.Sub(now)), a.Expires.UTC().Format(time.RFC3339))
	args, _ := shownArgs(a)
	note := ""
	if a.ArgsTruncated {
		note = fmt.Sprintf(" — only the first %d of %d bytes were kept", len(a.Args), a.ArgsSize)
	}
	fmt.Fprintf(w, "  arguments (%s%s):\n", a.ArgsHash, note)
	for _, l := range strings.Split(args, "\n") {
		fmt.Fprintf(w, "    %s\n", l)
	}
	fmt.Fprintf(w, "  approve:  moat approve %s             # this exact call, once\n", a.ID)
	if a.SessionID != "" {
		fmt.Fprintf(w, "            moat approve %s --session   # these arguments, for the rest of this session\n", a.ID)
	}
	fmt.Fprintf(w, "            moat approve %s --for 1h    # these arguments, for 1h, in any session\n", a.ID)
	fmt.Fprintf(w, "  deny:     moat deny %s\n", a.ID)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// approvalJSON is the stable JSON form of a pending approval.
type approvalJSON struct {
	ID            string          `json:"id"`
	Server        string          `json:"server"`
	Tool          string          `json:"tool"`
	Client        string          `json:"client,omitempty"`
	SessionID     string          `json:"session_id,omitempty"`
	Rule          string          `json:"rule,omitempty"`
	Reason        string          `json:"reason,omitempty"`
	Created       time.Time       `json:"created"`
	Expires       time.Time       `json:"expires"`
	ArgsHash      string          `json:"args_hash"`
	Args          json.RawMessage `json:"args,omitempty"`      // when complete and valid JSON
	ArgsText      string          `json:"args_text,omitempty"` // otherwise
	ArgsTruncated bool            `json:"args_truncated,omitempty"`
	ArgsSize      int             `json:"args_size"`
	Approve       string          `json:"approve_command"`
	Deny          string          `json:"deny_command"`
}

func writeJSON(w io.Writer, pend []state.Approval) error {
	out := make([]approvalJSON, 0, len(pend))
	for _, a := range pend {
		j := approvalJSON{ID: a.ID, Server: a.Server, Tool: a.Tool, Client: a.Client, SessionID: a.SessionID, Rule: a.Rule,
			Reason: a.Reason, Created: a.Created, Expires: a.Expires, ArgsHash: a.ArgsHash, ArgsTruncated: a.ArgsTruncated,
			ArgsSize: a.ArgsSize, Approve: "moat approve " + a.ID, Deny: "moat deny " + a.ID}
		red, _ := secrets.Redact(string(a.Args))
		if !a.ArgsTruncated && json.Valid([]byte(red)) {
			var b bytes.Buffer
			if json.Compact(&b, []byte(red)) == nil {
				j.Args = b.Bytes()
			}
		}
		if j.Args == nil && red != "" {
			j.ArgsText = red
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
