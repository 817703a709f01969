package scan

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/moat-dev/moat/internal/discover"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/report"
	"github.com/moat-dev/moat/internal/scan"
)

type tableOptions struct {
	color bool
	home  string
}

var sevColor = map[finding.Severity]string{
	finding.Critical: "1;35", finding.High: "1;31", finding.Medium: "33", finding.Low: "36", finding.Info: "2",
}

type tw struct {
	w    *bufio.Writer
	opts tableOptions
}

func (t *tw) paint(code, s string) string {
	if !t.opts.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (t *tw) line(s string) { t.w.WriteString(s + "\n") }

// short writes a path with the home directory as "~".
func (t *tw) short(p string) string {
	if t.opts.home != "" {
		h := filepath.Clean(t.opts.home)
		if p == h {
			return "~"
		}
		if rel, ok := strings.CutPrefix(p, h+string(filepath.Separator)); ok {
			return "~/" + filepath.ToSlash(rel)
		}
	}
	return p
}

// writeTable groups findings client → server → findings, lists servers
// without findings briefly, and ends with summary counts.
func writeTable(w io.Writer, inv discover.Inventory, fs []finding.Finding, suppressed int, opts tableOptions) error {
	t := &tw{w: bufio.NewWriter(w), opts: opts}
	byClient := map[string][]finding.Finding{}
	for _, f := range fs {
		byClient[f.Location.Client] = append(byClient[f.Location.Client], f)
	}
	serversByClient := map[string][]inventory.ServerSpec{}
	for _, s := range inv.Servers {
		serversByClient[s.Source.Client] = append(serversByClient[s.Source.Client], s)
	}
	clients := map[string]bool{}
	for k := range byClient {
		clients[k] = true
	}
	for k := range serversByClient {
		clients[k] = true
	}
	names := make([]string, 0, len(clients))
	for k := range clients {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return discover.ClientName(names[i]) < discover.ClientName(names[j]) })
	for _, cl := range names {
		t.client(cl, serversByClient[cl], byClient[cl])
	}
	t.summary(inv, fs, suppressed)
	return t.w.Flush()
}

func (t *tw) client(cl string, servers []inventory.ServerSpec, fs []finding.Finding) {
	t.line(t.paint("1", report.Printable(discover.ClientName(cl), 80)))
	byServer := map[string][]finding.Finding{}
	var general []finding.Finding
	for _, f := range fs {
		if f.Location.Server == "" {
			general = append(general, f)
			continue
		}
		byServer[f.Location.Server] = append(byServer[f.Location.Server], f)
	}
	shown := map[string]bool{}
	for _, s := range servers {
		if shown[s.Name] {
			continue
		}
		shown[s.Name] = true
		t.server(s, byServer[s.Name])
		delete(byServer, s.Name)
	}
	// Findings about servers named only in settings (permission rules).
	rest := make([]string, 0, len(byServer))
	for k := range byServer {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, name := range rest {
		t.line("  " + report.Printable(name, 80) + t.paint("2", "  (named in settings)"))
		for _, f := range byServer[name] {
			t.finding(f, true)
		}
	}
	if len(general) > 0 {
		bySeverity(general)
		t.line("  " + t.paint("2", "client settings"))
		for _, f := range general {
			t.finding(f, true)
		}
	}
	t.line("")
}

func (t *tw) server(s inventory.ServerSpec, fs []finding.Finding) {
	where := t.short(s.Source.File)
	if s.Source.Line > 0 {
		where += ":" + strconv.Itoa(s.Source.Line)
	}
	what := string(s.Source.Scope)
	if s.Disabled {
		what += ", disabled"
	}
	t.line(fmt.Sprintf("  %s  %s", report.Printable(s.Name, 80), t.paint("2", report.Printable(fmt.Sprintf("%s  (%s, %s)", target(s), what, where), 240))))
	bySeverity(fs)
	for _, f := range fs {
		t.finding(f, false)
	}
}

// target is a one-line description of what the server runs or reaches.
func target(s inventory.ServerSpec) string {
	r := scan.RedactServer(s)
	if r.Command != "" {
		return strings.Join(append([]string{r.Command}, r.Args...), " ")
	}
	return string(r.Transport) + " " + r.URL
}

func (t *tw) finding(f finding.Finding, withFile bool) {
	sev := t.paint(sevColor[f.Severity], fmt.Sprintf("%-8s", strings.ToUpper(f.Severity.String())))
	head := "    " + sev + " " + report.Printable(f.Rule, 60)
	if f.Location.Tool != "" && (f.Location.Kind == "tool" || f.Location.Kind == "prompt" || f.Location.Kind == "resource") {
		head += "  " + t.paint("2", f.Location.Kind+" ") + report.Printable(f.Location.Tool, 80)
	}
	if f.Location.Field != "" {
		head += "  " + t.paint("2", report.Printable(f.Location.Field, 80))
	}
	if withFile && f.Location.File != "" {
		at := t.short(f.Location.File)
		if f.Location.Line > 0 {
			at += ":" + strconv.Itoa(f.Location.Line)
		}
		head += "  " + t.paint("2", report.Printable(at, 200))
	}
	t.line(head)
	const ind = "             "
	t.line(ind + report.Printable(f.Message, 400))
	if f.Evidence != "" {
		t.line(ind + "evidence: " + report.Printable(f.Evidence, 160))
	}
	if f.Fix != "" {
		t.line(ind + t.paint("32", "fix: ") + report.Printable(f.Fix, 400))
	}
}

func (t *tw) summary(inv discover.Inventory, fs []finding.Finding, suppressed int) {
	clients := map[string]bool{}
	for _, s := range inv.Servers {
		clients[s.Source.Client] = true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d servers in %d clients, %d config files read. ", len(inv.Servers), len(clients), len(inv.Files))
	if len(fs) == 0 {
		b.WriteString("No findings.")
	} else {
		s := finding.Summarize(fs)
		fmt.Fprintf(&b, "%d findings:", len(fs))
		for i, sev := range []finding.Severity{finding.Critical, finding.High, finding.Medium, finding.Low, finding.Info} {
			if i > 0 {
				b.WriteByte(',')
			}
			n := s.BySeverity[sev.String()]
			txt := fmt.Sprintf(" %d %s", n, sev)
			if n > 0 {
				txt = t.paint(sevColor[sev], txt)
			}
			b.WriteString(txt)
		}
	}
	if suppressed > 0 {
		fmt.Fprintf(&b, " (%d suppressed)", suppressed)
	}
	if len(inv.Warnings) > 0 {
		fmt.Fprintf(&b, " (%d warnings on stderr)", len(inv.Warnings))
	}
	t.line(b.String())
}

// serverJSON is one server in the JSON report's "servers" inventory.
type serverJSON struct {
	inventory.ServerSpec
	Packages []packageJSON `json:"packages,omitempty"`
}

type packageJSON struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name,omitempty"`
	Version   string `json:"version,omitempty"`
	Digest    string `json:"digest,omitempty"`
	Spec      string `json:"spec"`
	Runner    string `json:"runner"`
	Pinned    bool   `json:"pinned"`
}

// serversJSON is the redacted inventory for the JSON report.
func serversJSON(inv discover.Inventory) []serverJSON {
	out := make([]serverJSON, 0, len(inv.Servers))
	for _, s := range inv.Servers {
		r := scan.RedactServer(s)
		sj := serverJSON{ServerSpec: r}
		for _, p := range scan.Packages(s.Argv()) {
			sj.Packages = append(sj.Packages, packageJSON{
				Ecosystem: string(p.Ecosystem), Name: p.Name, Version: p.Version, Digest: p.Digest,
				Spec: scan.RedactValue("", p.Spec), Runner: p.Runner, Pinned: p.Remote == "" && p.Pinned(),
			})
		}
		out = append(out, sj)
	}
	return out
}

// bySeverity orders one group's findings highest severity first.
func bySeverity(fs []finding.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Severity != fs[j].Severity {
			return fs[i].Severity > fs[j].Severity
		}
		return fs[i].Rule < fs[j].Rule
	})
}
