package vet

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/vet"
)

func write(f *cmdutil.Factory, o *options, results []vet.Result) error {
	if o.format == "json" {
		return writeJSON(f.IO.Out, results)
	}
	return writeTable(f.IO.Out, results, f.IO.ColorEnabled())
}

// writeJSON prints one result as an object, several as an array.
func writeJSON(w io.Writer, results []vet.Result) error {
	var v any = results
	if len(results) == 1 {
		v = results[0]
	}
	if results == nil {
		v = []vet.Result{}
	}
	if err := json.MarshalWrite(w, v, jsontext.WithIndent("  ")); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

var mark = map[vet.Status]string{vet.Green: "✓ green", vet.Red: "✗ red", vet.Unknown: "? unknown"}

var verdictColor = map[vet.Verdict]string{vet.OK: "32", vet.Review: "33", vet.Avoid: "1;31"}

// writeTable prints, per target, the checklist in the seed's form
// (Signal | Green flag | Red flag | This package), the verdict and the
// reasons.
func writeTable(out io.Writer, results []vet.Result, color bool) error {
	w := bufio.NewWriter(out)
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	for i, r := range results {
		if i > 0 {
			w.WriteString("\n")
		}
		name := r.Target
		if r.Version != "" && !strings.Contains(name, r.Version) {
			name += " (" + r.Version + ")"
		}
		fmt.Fprintf(w, "%s: %s\n\n", name, paint(verdictColor[r.Verdict], strings.ToUpper(string(r.Verdict))))
		w.WriteString("| Signal | Green flag | Red flag | This package |\n|---|---|---|---|\n")
		for _, s := range r.Signals {
			this := mark[s.Status]
			if s.Value != "" {
				this += ": " + s.Value
			}
			if s.Reason != "" {
				this += " — " + s.Reason
			}
			if s.Critical {
				this += " (critical)"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", cell(s.Signal), cell(s.GreenFlag), cell(s.RedFlag), cell(this))
		}
		if len(r.Reasons) > 0 {
			w.WriteString("\nReasons:\n")
			for _, x := range r.Reasons {
				fmt.Fprintf(w, "  - %s\n", clean(x))
			}
		}
	}
	return w.Flush()
}

// cell makes a value safe inside a pipe table: no pipes, no line breaks,
// no control characters (metadata is untrusted).
func cell(s string) string {
	return strings.ReplaceAll(clean(s), "|", `\|`)
}

// clean removes control characters (terminal escapes in untrusted
// metadata) and folds line breaks to spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r):
			return -1 // controls, and format characters (bidi overrides, zero-width)
		}
		return r
	}, s)
}
