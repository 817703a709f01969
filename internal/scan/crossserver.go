package scan

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hbollon/go-edlib"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/live"
	"github.com/moat-dev/moat/internal/normalize"
)

// Cross-server rule ids.
const (
	RuleNameCollision = "tool-name-collision"
	RuleNearName      = "tool-name-near"
	RuleCrossRef      = "cross-server-reference"
	RuleToxicFlow     = "toxic-flow"
)

// liveTool is what the cross-server checks read of one tool.
type liveTool struct {
	server, name, description string
	readOnly, destructive     *bool
	openWorld                 *bool
	res                       *live.Result
}

type toolJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Annotations struct {
		ReadOnly    *bool `json:"readOnlyHint"`
		Destructive *bool `json:"destructiveHint"`
		OpenWorld   *bool `json:"openWorldHint"`
	} `json:"annotations"`
}

// group is the servers one client has active together.
type group struct {
	client  string
	servers []*live.Result
}

// CrossServer runs the checks that need every server of a client at once:
// tool shadowing (identical and near tool names, descriptions that reference
// or override another server's tools) and toxic flows (servers that together
// read private data, take in untrusted content and send data out).
func CrossServer(results []live.Result) []finding.Finding {
	seen := map[string]bool{}
	var out []finding.Finding
	add := func(f finding.Finding) {
		k := f.Fingerprint() + "|" + f.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	for _, g := range groups(results) {
		tools := groupTools(g)
		shadowing(g, tools, add)
		if f, ok := toxicFlow(g, tools); ok {
			add(f)
		}
	}
	finding.Sort(out)
	return out
}

// groups returns, per client, the servers active together: every
// user-level server plus the servers of one project (clients start a
// project's servers alongside the user's).
func groups(results []live.Result) []group {
	byClient := map[string][]*live.Result{}
	var clients []string
	for i := range results {
		r := &results[i]
		if r.Err != nil {
			continue
		}
		c := r.Spec.Source.Client
		if byClient[c] == nil {
			clients = append(clients, c)
		}
		byClient[c] = append(byClient[c], r)
	}
	sort.Strings(clients)
	var out []group
	for _, c := range clients {
		rs := byClient[c]
		projects := map[string]bool{}
		for _, r := range rs {
			if p := r.Spec.Source.Project; p != "" {
				projects[p] = true
			}
		}
		if len(projects) == 0 {
			out = append(out, group{client: c, servers: rs})
			continue
		}
		ps := make([]string, 0, len(projects))
		for p := range projects {
			ps = append(ps, p)
		}
		sort.Strings(ps)
		for _, p := range ps {
			g := group{client: c}
			for _, r := range rs {
				if r.Spec.Source.Project == "" || r.Spec.Source.Project == p {
					g.servers = append(g.servers, r)
				}
			}
			out = append(out, g)
		}
	}
	return out
}

func groupTools(g group) []liveTool {
	var out []liveTool
	for _, r := range g.servers {
		for _, raw := range r.Tools {
			var t toolJSON
			if json.Unmarshal(raw, &t) != nil || t.Name == "" {
				continue
			}
			out = append(out, liveTool{server: r.Spec.Name, name: t.Name, description: t.Description,
				readOnly: t.Annotations.ReadOnly, destructive: t.Annotations.Destructive, openWorld: t.Annotations.OpenWorld, res: r})
		}
	}
	return out
}

func sameServer(a, b *live.Result) bool {
	return a == b || (a.Spec.Key() == b.Spec.Key() && a.Spec.Name == b.Spec.Name)
}

func shadowing(g group, tools []liveTool, add func(finding.Finding)) {
	for i := range tools {
		for j := i + 1; j < len(tools); j++ {
			a, b := &tools[i], &tools[j]
			if sameServer(a.res, b.res) {
				continue
			}
			switch {
			case a.name == b.name:
				add(shadowFinding(b, RuleNameCollision, finding.High,
					fmt.Sprintf("tool %q is also offered by server %q: the model cannot tell which one it calls", b.name, a.server),
					fmt.Sprintf("%s/%s = %s/%s", a.server, a.name, b.server, b.name)))
			case nearNames(a.name, b.name):
				add(shadowFinding(b, RuleNearName, finding.Medium,
					fmt.Sprintf("tool %q is named almost like %q of server %q, so calls meant for one can reach the other", b.name, a.name, a.server),
					fmt.Sprintf("%s/%s ~ %s/%s", a.server, a.name, b.server, b.name)))
			}
		}
	}
	for i := range tools {
		crossReferences(&tools[i], tools, add)
	}
	for _, r := range g.servers {
		if r.Instructions != "" {
			t := liveTool{server: r.Spec.Name, description: r.Instructions, res: r}
			crossReferences(&t, tools, add)
		}
	}
}

func shadowFinding(t *liveTool, rule string, sev finding.Severity, msg, evidence string) finding.Finding {
	f := finding.Finding{Rule: rule, Category: finding.CatShadowing, Severity: sev, Message: msg, Evidence: evidence,
		Fix: "remove one of the servers from this client, or disable the duplicate tool in one of them"}
	f.Location = liveLoc(&t.res.Spec)
	f.Location.Kind, f.Location.Tool, f.Location.Field = "tool", t.name, "name"
	return f
}

var (
	identRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9_\-]{2,}`)
	// directiveRE is wording that steers the model away from, or ahead of,
	// another tool.
	directiveRE = regexp.MustCompile(`(?i)\b(instead of|rather than|do not use|don't use|never use|never call|before (using|calling)|always (call|use)|must (call|use)|when .{0,40} is available|other server|not the other|override|replace)`)
)

// crossReferences reports a description (or a server's instructions) that
// names a tool of another server.
func crossReferences(t *liveTool, tools []liveTool, add func(finding.Finding)) {
	if t.description == "" {
		return
	}
	own := map[string]bool{}
	for i := range tools {
		if sameServer(tools[i].res, t.res) {
			own[strings.ToLower(tools[i].name)] = true
		}
	}
	words := map[string]bool{}
	for _, w := range identRE.FindAllString(t.description, 2000) {
		words[strings.ToLower(w)] = true
	}
	for i := range tools {
		o := &tools[i]
		ln := strings.ToLower(o.name)
		if sameServer(o.res, t.res) || own[ln] || !distinctive(o.name) || !words[ln] {
			continue
		}
		sev, what := finding.Medium, "mentions"
		if directiveRE.MatchString(t.description) {
			sev, what = finding.High, "steers the model around"
		}
		f := finding.Finding{Rule: RuleCrossRef, Category: finding.CatShadowing, Severity: sev,
			Message:  fmt.Sprintf("server %q %s tool %q of server %q: a server's text should only describe its own tools", t.server, what, o.name, o.server),
			Evidence: clipText(t.description, 200),
			Fix:      "remove the server: it tries to change how the model uses another server's tools"}
		f.Location = liveLoc(&t.res.Spec)
		if t.name != "" {
			f.Location.Kind, f.Location.Tool, f.Location.Field = "tool", t.name, "description"
		} else {
			f.Location.Kind, f.Location.Field = "server", "instructions"
		}
		add(f)
	}
}

// distinctive reports whether a tool name is specific enough that seeing it
// in prose is a reference, not an ordinary word.
func distinctive(name string) bool {
	return strings.ContainsAny(name, "_-") || len(strings.Fields(normalize.SplitIdentifier(name))) > 1 || len(name) >= 8
}

func clipText(s string, n int) string {
	s = normalize.Reveal(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// abbreviations map short forms to the word they stand for in tool names.
var abbreviations = map[string]string{
	"db": "database", "msg": "message", "repo": "repository", "dir": "directory", "cfg": "config",
	"conf": "config", "doc": "document", "docs": "document", "info": "information", "fs": "filesystem",
	"str": "string", "img": "image", "pic": "image", "usr": "user", "mem": "memory", "del": "delete",
	"rm": "remove", "ls": "list", "mk": "make", "cmd": "command", "exec": "execute", "env": "environment",
	"pwd": "password", "pw": "password", "auth": "authentication", "calc": "calculate", "addr": "address",
	"qry": "query", "tbl": "table", "sql": "query", "num": "number", "val": "value", "desc": "description",
}

// nameTokens splits a tool name into canonical word stems.
func nameTokens(name string) []string {
	var out []string
	for _, w := range strings.Fields(normalize.SplitIdentifier(name)) {
		if full, ok := abbreviations[w]; ok {
			w = full
		}
		out = append(out, stem(w))
	}
	return out
}

func stem(w string) string {
	for _, suf := range []string{"ies", "ing", "es", "ed", "s"} {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			if suf == "ies" {
				return w[:len(w)-3] + "y"
			}
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

// nearNames reports tool names that differ but mean the same to a model:
// the same word stems once abbreviations are expanded (query_db,
// queryDatabase, query_databases), the same words in another order
// (file_read, read_file), or a transposed-letter typo (read_flie).
func nearNames(a, b string) bool {
	ta, tb := nameTokens(a), nameTokens(b)
	if len(ta) == 0 || len(tb) == 0 {
		return false
	}
	ja, jb := strings.Join(ta, " "), strings.Join(tb, " ")
	if ja == jb {
		return true
	}
	sa, sb := append([]string(nil), ta...), append([]string(nil), tb...)
	sort.Strings(sa)
	sort.Strings(sb)
	if strings.Join(sa, " ") == strings.Join(sb, " ") {
		return true
	}
	if len(ja) >= 6 && edlib.OSADamerauLevenshteinDistance(ja, jb) == 1 && edlib.LevenshteinDistance(ja, jb) == 2 {
		return true
	}
	return false
}
