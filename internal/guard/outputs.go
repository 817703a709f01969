package guard

import (
	"fmt"
	"strings"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/sanitize"
)

// output screens a result the server returns. toolCall says the result is
// a tools/call result (a refusal then becomes an isError result).
func (g *Guard) output(kind sanitize.Kind, tool string, result []byte, toolCall bool) Verdict {
	res, err := sanitize.Document(kind, result, g.sanitizeOptions(tool))
	if err != nil {
		g.warnf("withheld a result of %s/%s: %v", g.o.Server.Name, tool, err)
		return g.blockedAnswer(toolCall, tool, "moat could not screen this result")
	}
	g.noteOutput(kind, tool, res)
	switch {
	case res.Blocked:
		return g.blockedAnswer(toolCall, tool, "the result contained text flagged as instructions ("+rules(res.Findings)+")")
	case res.Raw != nil:
		return Verdict{Action: Respond, Result: res.Raw}
	}
	return Verdict{}
}

func (g *Guard) blockedAnswer(toolCall bool, tool, why string) Verdict {
	from := g.o.Server.Name
	if tool != "" {
		from += "/" + tool
	}
	msg := fmt.Sprintf("moat blocked the output of %s: %s.", from, why)
	if toolCall {
		return Verdict{Action: Respond, Result: toolErrorResult(msg)}
	}
	return Verdict{Action: Respond, Error: &RPCError{Code: CodeBlocked, Message: msg}}
}

// serverRequest screens sampling/createMessage and elicitation/create from
// the server before the client (and its model or user) sees them.
func (g *Guard) serverRequest(m *Message, kind sanitize.Kind) Verdict {
	if len(m.Params) == 0 {
		return Verdict{}
	}
	res, err := sanitize.Document(kind, m.Params, g.sanitizeOptions(""))
	if err != nil {
		return Verdict{Action: Respond, Error: &RPCError{Code: CodeBlocked, Message: "moat could not screen this " + m.Method + " request"}}
	}
	g.noteOutput(kind, m.Method, res)
	switch {
	case res.Blocked:
		return Verdict{Action: Respond, Error: &RPCError{Code: CodeBlocked, Message: "moat blocked this " + m.Method + " request: it contained text flagged as instructions (" + rules(res.Findings) + ")"}}
	case res.Raw != nil:
		return Verdict{Replace: encodeRequest(m.ID, m.Method, res.Raw)}
	}
	return Verdict{}
}

func (g *Guard) sanitizeOptions(tool string) sanitize.Options {
	return sanitize.Options{Mode: g.o.OnInjection, Scanner: g.o.Scanner,
		Location: finding.Location{Server: g.o.Server.Name, Tool: tool, Kind: "output"}}
}

// noteOutput taints the session and records what screening found.
func (g *Guard) noteOutput(kind sanitize.Kind, what string, res sanitize.Result) {
	if res.Taint != 0 {
		g.mu.Lock()
		g.taint |= res.Taint
		g.mu.Unlock()
	}
	if len(res.Findings) == 0 && res.Secrets == 0 && res.Hidden == 0 {
		return
	}
	action := "sanitize"
	switch {
	case res.Blocked:
		action = "block"
	case len(res.Findings) > 0:
		action = g.o.OnInjection.String()
	}
	e := g.event(audit.KindScreen, action)
	e.Tool, e.Method = what, kindMethod(kind)
	e.Details = map[string]any{"findings": summary(res.Findings), "secrets_redacted": res.Secrets, "hidden_stripped": res.Hidden}
	g.audit.write(e)
	if len(res.Findings) > 0 {
		g.warnf("%s output of %s/%s (%s): %s", action, g.o.Server.Name, what, kindMethod(kind), clip(rules(res.Findings), 300))
	}
}

func kindMethod(k sanitize.Kind) string {
	switch k {
	case sanitize.ToolResult:
		return "tools/call"
	case sanitize.ResourceContents:
		return "resources/read"
	case sanitize.PromptMessages:
		return "prompts/get"
	case sanitize.SamplingRequest:
		return "sampling/createMessage"
	case sanitize.ElicitationRequest:
		return "elicitation/create"
	}
	return ""
}

func summary(fs []finding.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s", f.Severity, f.Rule, f.Location.Field))
	}
	return out
}

func rules(fs []finding.Finding) string {
	seen := map[string]bool{}
	var ids []string
	for _, f := range fs {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			ids = append(ids, f.Rule)
		}
	}
	return strings.Join(ids, ", ")
}

// toolErrorResult is a CallToolResult telling the model the call failed.
func toolErrorResult(text string) []byte {
	q := quote(text)
	return []byte(`{"content":[{"type":"text","text":` + q + `}],"isError":true}`)
}

func encodeRequest(id []byte, method string, params []byte) []byte {
	b := []byte(`{"jsonrpc":"2.0","id":`)
	b = append(b, id...)
	b = append(b, `,"method":`...)
	b = append(b, quote(method)...)
	b = append(b, `,"params":`...)
	b = append(b, params...)
	return append(b, '}')
}
