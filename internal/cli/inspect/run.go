package inspect

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/moat-dev/moat/internal/buildinfo"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/jsonin"
	"github.com/moat-dev/moat/internal/mcpdoc"
	"github.com/moat-dev/moat/internal/report"
)

// stdinName is the file name findings from stdin carry.
const stdinName = "stdin"

// maxStoredErrors bounds the input errors kept for the report; stderr
// shows the first maxPrintedErrors.
const (
	maxStoredErrors  = 1000
	maxPrintedErrors = 20
)

// result accumulates what the inputs produced.
type result struct {
	findings []finding.Finding
	errors   []report.InputError
	nerrors  int // including those not stored
	docs     int
}

func (r *result) addError(file string, line int, msg string) {
	r.nerrors++
	if len(r.errors) < maxStoredErrors {
		r.errors = append(r.errors, report.InputError{File: file, Line: line, Message: msg})
	}
}

func run(f *cmdutil.Factory, o *Options) error {
	c, err := o.validate(f)
	if err != nil {
		return err
	}
	scanner, err := newScanner()
	if err != nil {
		return fmt.Errorf("start the detection engine: %w", err)
	}
	res := &result{}
	for _, name := range c.files {
		inspectFile(f, c, scanner, name, res)
	}
	printErrors(f, res)
	if res.docs == 0 {
		if res.nerrors == 0 {
			return cmdutil.Usagef("no JSON document in the input")
		}
		return cmdutil.Usagef("no valid JSON document in the input (%d input error(s) above)", res.nerrors)
	}
	opts := report.Options{
		Format:  c.format,
		Color:   c.format == "table" && f.IO.ColorEnabled(),
		Tool:    "moat",
		Version: buildinfo.Get().Version,
		Errors:  res.errors,
		SrcRoot: f.WorkDir,
		Rules:   ruleCatalog(scanner),
	}
	if c.format == "json" {
		opts.Extra = map[string]any{"documents": res.docs}
	}
	if err := report.Write(f.IO.Out, res.findings, opts); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if c.strict && res.nerrors > 0 {
		return cmdutil.Usagef("%d input error(s) with --strict-input: part of the input was not inspected", res.nerrors)
	}
	if finding.AtOrAbove(res.findings, c.failOn) > 0 {
		return cmdutil.ErrFindings
	}
	return nil
}

// ruleCatalog describes the engine's rules for SARIF; a scanner that is not
// the engine (tests) has none, and rules are then described from findings.
func ruleCatalog(s detect.Scanner) report.RuleCatalog {
	e, ok := s.(*detect.Engine)
	if !ok {
		return nil
	}
	m := report.RuleMap{}
	for _, r := range e.Rules() {
		m[r.ID] = report.RuleInfo{ID: r.ID, Description: r.Description, Help: r.Fix,
			Severity: r.Severity, Category: r.Category}
	}
	return m
}

func checkFile(name string) error {
	st, err := os.Stat(name)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return cmdutil.Usagef("%s: no such file", name)
	case err != nil:
		return cmdutil.Usagef("%s: cannot read: %v", name, err)
	case st.IsDir():
		return cmdutil.Usagef("%s is a directory: name the JSON files in it (e.g. %s/*.json)", name, name)
	}
	return nil
}

// inspectFile reads one input and scans every document in it. Problems
// with a line or document are recorded and reading goes on.
func inspectFile(f *cmdutil.Factory, c config, scanner detect.Scanner, name string, res *result) {
	var in io.Reader = f.IO.In
	display := stdinName
	if name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			res.addError(name, 0, fmt.Sprintf("cannot read: %v", err))
			return
		}
		defer fh.Close()
		in, display = fh, name
	}
	rd := jsonin.NewReader(in, display, jsonin.Options{MaxSize: c.maxSize, Mode: c.mode})
	sess := &mcpdoc.Session{} // server name and tool-call pairing of this file
	for {
		d, err := rd.Next()
		if err == io.EOF {
			return
		}
		var ie *jsonin.Error
		if errors.As(err, &ie) {
			res.addError(ie.File, ie.Line, ie.Err.Error())
			continue
		}
		if err != nil {
			res.addError(display, 0, err.Error())
			return
		}
		doc, err := mcpdoc.Decode(d.Data, d.Line, mcpdoc.Limits{})
		if err != nil {
			line, msg := d.Line, err.Error()
			var se *mcpdoc.SyntaxError
			if errors.As(err, &se) {
				line, msg = se.Line, "invalid JSON: "+se.Msg
			}
			res.addError(display, line, msg)
			continue
		}
		res.docs++
		base := finding.Location{File: display, Line: d.Line, Server: c.server}
		sess.Walk(&doc, base, mcpdoc.Limits{}, func(t detect.Target) {
			res.findings = append(res.findings, scanner.Scan(t)...)
		})
	}
}

func printErrors(f *cmdutil.Factory, res *result) {
	for i, e := range res.errors {
		if i == maxPrintedErrors {
			fmt.Fprintf(f.IO.ErrOut, "moat: … and %d more input errors (all are in --format json output)\n", res.nerrors-maxPrintedErrors)
			return
		}
		if e.Line > 0 {
			fmt.Fprintf(f.IO.ErrOut, "moat: %s:%d: %s\n", e.File, e.Line, e.Message)
		} else {
			fmt.Fprintf(f.IO.ErrOut, "moat: %s: %s\n", e.File, e.Message)
		}
	}
	if res.nerrors > len(res.errors) && len(res.errors) < maxPrintedErrors {
		fmt.Fprintf(f.IO.ErrOut, "moat: … and %d more input errors\n", res.nerrors-len(res.errors))
	}
}
