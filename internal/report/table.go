package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moat-dev/moat/internal/finding"
)

// maxEvidence is how many characters of evidence the table shows.
const maxEvidence = 160

// writeTable writes findings grouped by file and server, then by what they
// belong to (tool, prompt, resource …), then one block per finding, and a
// summary line. Every string from the input is made printable first: a
// finding's text came from an untrusted server and must not drive the
// terminal.
func writeTable(w io.Writer, fs []finding.Finding, opts Options) error {
	// Keep each file/server and each tool together; finding.Sort's order
	// (line, field, severity) holds inside a group.
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i].Location, fs[j].Location
		if ga, gb := groupTitle(a), groupTitle(b); ga != gb {
			return ga < gb
		}
		return subTitle(a) < subTitle(b)
	})
	bw := bufio.NewWriter(w)
	p := &printer{w: bw, color: opts.Color}
	var lastGroup, lastSub string
	for _, f := range fs {
		l := f.Location
		if g := groupTitle(l); g != lastGroup {
			if lastGroup != "" {
				p.line("")
			}
			p.line(p.paint("1", g))
			lastGroup, lastSub = g, ""
		}
		if s := subTitle(l); s != lastSub {
			p.line("  " + s)
			lastSub = s
		}
		p.finding(f)
	}
	if len(fs) > 0 {
		p.line("")
	}
	p.line(summaryLine(fs, len(opts.Errors), p))
	return bw.Flush()
}

type printer struct {
	w     *bufio.Writer
	color bool
}

func (p *printer) line(s string) {
	p.w.WriteString(s)
	p.w.WriteByte('\n')
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

var severityColor = map[finding.Severity]string{
	finding.Critical: "1;35", finding.High: "1;31", finding.Medium: "33", finding.Low: "36", finding.Info: "2",
}

func (p *printer) severity(s finding.Severity) string {
	return p.paint(severityColor[s], fmt.Sprintf("%-8s", strings.ToUpper(s.String())))
}

func (p *printer) finding(f finding.Finding) {
	head := "    " + p.severity(f.Severity) + "  " + Printable(f.Rule, 80)
	if f.Category != "" {
		head += "  [" + Printable(f.Category, 40) + "]"
	}
	p.line(head)
	const indent = "              "
	p.line(indent + Printable(f.Message, 400))
	where := Printable(f.Location.Field, 200)
	if f.Location.Line > 0 {
		if where != "" {
			where += "  "
		}
		where += "line " + strconv.Itoa(f.Location.Line)
	}
	if where != "" {
		p.line(indent + p.paint("2", "at "+where))
	}
	if f.Evidence != "" {
		p.line(indent + "evidence: " + Printable(f.Evidence, maxEvidence))
	}
	if f.Fix != "" {
		p.line(indent + "fix: " + Printable(f.Fix, 400))
	}
}

func groupTitle(l finding.Location) string {
	var parts []string
	switch {
	case l.File != "":
		parts = append(parts, Printable(l.File, 200))
	case l.Config != "":
		parts = append(parts, Printable(l.Config, 200))
	case l.Client != "":
		parts = append(parts, Printable(l.Client, 80))
	}
	if l.Server != "" {
		parts = append(parts, "server "+Printable(l.Server, 80))
	}
	if len(parts) == 0 {
		return "(no location)"
	}
	return strings.Join(parts, " · ")
}

func subTitle(l finding.Location) string {
	kind := l.Kind
	if kind == "" {
		kind = "document"
	}
	if l.Tool == "" {
		return kind
	}
	return kind + " " + Printable(l.Tool, 120)
}

func summaryLine(fs []finding.Finding, nerr int, p *printer) string {
	var b strings.Builder
	if len(fs) == 0 {
		b.WriteString("No findings.")
	} else {
		s := summarize(fs)
		noun := "findings"
		if len(fs) == 1 {
			noun = "finding"
		}
		fmt.Fprintf(&b, "%d %s:", len(fs), noun)
		for i, sev := range severities {
			if i > 0 {
				b.WriteByte(',')
			}
			n := s.BySeverity[sev.String()]
			text := fmt.Sprintf(" %d %s", n, sev)
			if n > 0 {
				text = p.paint(severityColor[sev], text)
			}
			b.WriteString(text)
		}
	}
	if nerr > 0 {
		fmt.Fprintf(&b, " (%d input error", nerr)
		if nerr > 1 {
			b.WriteByte('s')
		}
		b.WriteString(", see stderr)")
	}
	return b.String()
}

// Printable makes untrusted text safe and readable on one terminal line:
// newlines and tabs become \n and \t, other control and invisible format
// characters (ANSI escapes, bidi overrides, zero-width, Unicode tags)
// become <U+XXXX>, invalid UTF-8 becomes <0xNN>. The result is cut to max
// characters with "…".
func Printable(s string, max int) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if n >= max {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "<0x%02X>", s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || isVariationSelector(r) ||
			r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
		i += size
		n++
	}
	return b.String()
}

func isVariationSelector(r rune) bool {
	return r >= 0xfe00 && r <= 0xfe0f || r >= 0xe0100 && r <= 0xe01ef
}
