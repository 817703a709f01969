package guard

import (
	"encoding/json"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/mcpdoc"
	"github.com/moat-dev/moat/internal/normalize"
)

// poison returns the findings on one definition (a tool, prompt or
// resource object) at or above the threshold. Secrets in a definition are
// not poisoning.
func (g *Guard) poison(kind, name string, raw []byte) ([]finding.Finding, error) {
	if g.o.Scanner == nil {
		return nil, nil
	}
	fs, err := mcpdoc.Inspect(g.o.Scanner, raw, finding.Location{Server: g.o.Server.Name, Kind: kind, Tool: name})
	if err != nil {
		return nil, err
	}
	return g.atThreshold(fs), nil
}

func (g *Guard) atThreshold(fs []finding.Finding) []finding.Finding {
	out := fs[:0]
	for _, f := range fs {
		if f.Severity >= g.o.PoisonThreshold && f.Category != finding.CatSecret {
			out = append(out, f)
		}
	}
	return out
}

// reportPoison says once per definition what screening found.
func (g *Guard) reportPoison(kind, name string, fs []finding.Finding, withheld bool) {
	action := "warn"
	if withheld {
		action = "withhold"
	}
	key := "poison " + kind + " " + name
	if !g.firstReport(key, action+rules(fs)) {
		return
	}
	e := g.event(audit.KindScreen, action)
	e.Tool, e.Method, e.Reason = name, kind+" definition", "definition flagged: "+rules(fs)
	e.Details = map[string]any{"findings": summary(fs)}
	g.audit.write(e)
	verb := "flagged"
	if withheld {
		verb = "withheld"
	}
	g.warnf("%s %s %s/%s: %s (evidence: %s)", verb, kind, g.o.Server.Name, safeName(name), rules(fs), clip(fs[0].Evidence, 160))
}

// maxReported bounds the memory of what was already reported.
const maxReported = 4096

// firstReport reports whether key has a new value (so stderr and the audit
// log are not repeated on every list).
func (g *Guard) firstReport(key, value string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reported[key] == value {
		return false
	}
	if len(g.reported) >= maxReported {
		clear(g.reported) // bounded: a server inventing names only repeats reports
	}
	g.reported[key] = value
	return true
}

// otherListResult screens prompts/list, resources/list and
// resources/templates/list results and withholds flagged items.
func (g *Guard) otherListResult(method string, result []byte) Verdict {
	key, kind := "prompts", "prompt"
	switch method {
	case "resources/list":
		key, kind = "resources", "resource"
	case "resources/templates/list":
		key, kind = "resourceTemplates", "resource"
	}
	doc, items, err := splitList(result, key)
	if err != nil {
		return Verdict{Action: Respond, Error: &RPCError{Code: CodeBlocked, Message: "moat could not read this " + method + " result"}}
	}
	kept := items[:0:0]
	for _, it := range items {
		name := itemName(it)
		fs, err := g.poison(kind, name, it)
		if err != nil {
			fs = []finding.Finding{{Rule: "unreadable-definition", Severity: finding.High, Message: err.Error()}}
		}
		if len(fs) > 0 {
			g.reportPoison(kind, name, fs, g.o.OnPoison == Withhold)
			if g.o.OnPoison == Withhold {
				g.hide(kind, it)
				continue
			}
		}
		kept = append(kept, it)
	}
	if len(kept) == len(items) {
		return Verdict{}
	}
	return g.replaceList(doc, key, kept, method)
}

// instructions screens (and pins) the server's instructions in the
// initialize result.
func (g *Guard) instructionsFindings(text string) []finding.Finding {
	if g.o.Scanner == nil || text == "" {
		return nil
	}
	loc := finding.Location{Server: g.o.Server.Name, Kind: "instructions", Field: "instructions"}
	return g.atThreshold(g.o.Scanner.Scan(detect.Target{Context: detect.Definition, Location: loc, Text: text}))
}

// splitList decodes a list result into its members and the items of key.
func splitList(result []byte, key string) (map[string]jsontext.Value, []jsontext.Value, error) {
	var doc map[string]jsontext.Value
	if err := unmarshal(result, &doc); err != nil {
		return nil, nil, err
	}
	var items []jsontext.Value
	if raw, ok := doc[key]; ok {
		if err := unmarshal(raw, &items); err != nil {
			return nil, nil, err
		}
	}
	return doc, items, nil
}

func (g *Guard) replaceList(doc map[string]jsontext.Value, key string, items []jsontext.Value, method string) Verdict {
	if items == nil {
		items = []jsontext.Value{}
	}
	arr, err := jsonv2.Marshal(items)
	if err == nil {
		doc[key] = arr
		var out []byte
		if out, err = marshalDoc(doc); err == nil {
			return Verdict{Action: Respond, Result: out}
		}
	}
	return Verdict{Action: Respond, Error: &RPCError{Code: CodeBlocked, Message: "moat could not rewrite this " + method + " result"}}
}

func itemName(raw []byte) string {
	var it struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	_ = unmarshal(raw, &it)
	if it.Name == "" {
		return it.URI
	}
	return it.Name
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// safeName makes a server-chosen name printable on one line, with hidden
// characters and escapes shown rather than acted on.
func safeName(s string) string {
	return strings.ReplaceAll(normalize.Reveal(clip(s, 128)), "\n", "⏎")
}

func marshalDoc(doc map[string]jsontext.Value) ([]byte, error) {
	return jsonv2.Marshal(doc, jsonv2.Deterministic(true))
}

// hide remembers a withheld prompt (by name) or resource (by URI) so that
// asking for it directly is refused too.
func (g *Guard) hide(kind string, raw []byte) {
	var it struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	_ = unmarshal(raw, &it)
	key := "prompt " + it.Name
	if kind == "resource" {
		key = "resource " + it.URI
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.hidden) < maxReported {
		g.hidden[key] = true
	}
}

// getWithheld refuses prompts/get and resources/read of a withheld item.
func (g *Guard) getWithheld(m *Message) Verdict {
	var p struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	if unmarshal(m.Params, &p) != nil {
		return Verdict{}
	}
	key := "prompt " + p.Name
	if m.Method == "resources/read" {
		key = "resource " + p.URI
	}
	g.mu.Lock()
	hidden := g.hidden[key]
	g.mu.Unlock()
	if !hidden {
		return Verdict{}
	}
	return Verdict{Action: Drop, Reason: "moat withheld this " + strings.Fields(key)[0] + ": its definition was flagged as unsafe for the model"}
}
