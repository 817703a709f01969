package wrap

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// local wraps a YAML entry with a command: the command line changes, and
// moat's arguments go in front of the args list (new lines before the
// first item of a block list, so the items and their comments stay).
func (ed *yamlEditor) local(o Options) (yamlChange, *Skip) {
	name, m := ed.e.name, ed.e.node
	cmd, ok := strScalar(mapValue(m, "command"))
	if !ok || cmd == "" {
		return yamlChange{}, skipf(name, "command is not a non-empty string")
	}
	av := mapValue(m, "args")
	isNull := av != nil && av.Kind == yaml.ScalarNode && av.Tag == "!!null"
	var args []string
	if av != nil && !isNull {
		if args, ok = strSeq(av); !ok {
			return yamlChange{}, skipf(name, "args is not a list of strings")
		}
	} else if strings.ContainsAny(cmd, " \t") {
		return yamlChange{}, skipf(name, "command holds a whole command line and there is no args list; split it into command and args first (moat cannot tell how the client splits it)")
	}
	if IsMoat(append([]string{cmd}, args...)) {
		return yamlChange{}, &Skip{Server: name, Already: true}
	}
	cl, head, comment, nl, err := ed.lineOf("command")
	if err != nil {
		return yamlChange{}, skipf(name, "%v", err)
	}
	prefix := stdioArgs(name, []string{cmd})
	indent := strings.Repeat(" ", len(head))
	ed.repl[cl] = head + "command: " + yq(o.Moat) + comment + nl
	switch {
	case av == nil:
		ed.repl[cl] += indent + "args: " + yflow(prefix) + nl
	case isNull || av.Style&yaml.FlowStyle != 0:
		al, ahead, acomment, anl, err := ed.lineOf("args")
		if err != nil {
			return yamlChange{}, skipf(name, "%v", err)
		}
		ed.repl[al] = ahead + "args: " + yflow(append(prefix, args...)) + acomment + anl
	default:
		if err := ed.prependItems(av, prefix, nl); err != nil {
			return yamlChange{}, skipf(name, "%v", err)
		}
	}
	return yamlChange{set: map[string]any{"command": o.Moat, "args": anyList(append(prefix, args...))}}, nil
}

// prependItems adds items before the first item of a block list, laid out
// like it.
func (ed *yamlEditor) prependItems(seq *yaml.Node, items []string, nl string) error {
	if len(seq.Content) == 0 {
		return fmt.Errorf("args is an empty block list")
	}
	first := seq.Content[0]
	head, ok := ed.d.prefix(first)
	t := strings.TrimLeft(head, " ")
	if !ok || !strings.HasPrefix(t, "-") || strings.TrimLeft(t[1:], " ") != "" || len(t) < 2 || first.Line <= ed.e.first || first.Line > ed.e.last {
		return fmt.Errorf("the layout of args is unusual; moat only edits a block list with one item per line")
	}
	var b strings.Builder
	for _, s := range items {
		b.WriteString(head + yq(s) + nl)
	}
	if ed.ins == nil {
		ed.ins = map[int]string{}
	}
	ed.ins[first.Line] = b.String()
	return nil
}

// remote turns a YAML remote entry (Continue: type sse / streamable-http,
// url, requestOptions.headers) into a local one running moat run --url.
func (ed *yamlEditor) remote(o Options) (yamlChange, wrapped, *Skip) {
	name, m := ed.e.name, ed.e.node
	u, ok := strScalar(mapValue(m, "url"))
	if !ok {
		return yamlChange{}, wrapped{}, skipf(name, "no command and no url string")
	}
	if p := urlProblem(u); p != "" {
		return yamlChange{}, wrapped{}, skipf(name, "%s", p)
	}
	if mapIndex(m, "args") >= 0 {
		return yamlChange{}, wrapped{}, skipf(name, "the entry has both a url and args; fix it first")
	}
	for _, k := range append([]string{"apiKey"}, authMembers...) {
		if mapIndex(m, k) >= 0 {
			return yamlChange{}, wrapped{}, skipf(name, "%q: the client authenticates to this server itself, which moat run cannot do yet", k)
		}
	}
	hs, hkey, skp := yamlHeaders(name, m)
	if skp != nil {
		return yamlChange{}, wrapped{}, skp
	}
	ce := clientEnvs[o.Client]
	plan, problem := planHeaders(hs, ce, o.Client)
	if problem != "" {
		return yamlChange{}, wrapped{}, skipf(name, "%s", problem)
	}
	if len(plan.vars) > 0 && (mapIndex(m, "env") >= 0 || mapIndex(m, ce.member) >= 0) {
		return yamlChange{}, wrapped{}, skipf(name, "the remote entry already has %q, where moat would put its credential headers; remove it first", ce.member)
	}
	ul, head, comment, nl, err := ed.lineOf("url")
	if err != nil {
		return yamlChange{}, wrapped{}, skipf(name, "%v", err)
	}
	indent := strings.Repeat(" ", len(head))
	args := remoteArgs(name, u, plan.args)
	ch := yamlChange{set: map[string]any{"command": o.Moat, "args": anyList(args)}, remove: []string{"url"}}
	text := head + "command: " + yq(o.Moat) + comment + nl + indent + "args: " + yflow(args) + nl
	if len(plan.vars) > 0 {
		env := map[string]any{}
		text += indent + ce.member + ":" + nl
		for i, h := range hs {
			if v, ok := plan.envOf[i]; ok {
				text += indent + "  " + v + ": " + yq(h.value) + nl
				env[v] = h.value
			}
		}
		ch.set[ce.member] = env
	}
	ed.repl[ul] = text
	if tv := mapValue(m, "type"); tv != nil {
		if _, ok := strScalar(tv); ok {
			tl, thead, tcomment, tnl, err := ed.lineOf("type")
			if err != nil {
				return yamlChange{}, wrapped{}, skipf(name, "%v", err)
			}
			ed.repl[tl] = thead + "type: stdio" + tcomment + tnl
			ch.set["type"] = "stdio"
		}
	}
	if hkey != "" {
		first, last := ed.extent(mapIndex(m, hkey))
		if first == ed.e.first {
			return yamlChange{}, wrapped{}, skipf(name, "%s is the entry's first key; move it below url first", hkey)
		}
		for l := first; l <= last; l++ {
			ed.drop[l] = true
		}
		ch.remove = append(ch.remove, hkey)
	}
	w := wrapped{env: plan.vars, secrets: plan.secrets}
	if len(hs) == 0 {
		w.note = fmt.Sprintf(remoteNote, name, name)
	}
	return ch, w, nil
}

// yamlHeaders reads the headers of a remote entry: requestOptions.headers
// (Continue; requestOptions must hold nothing else, since moat run cannot
// apply its other options) or headers. It returns the key to remove.
func yamlHeaders(name string, m *yaml.Node) ([]header, string, *Skip) {
	ro, hv := mapValue(m, "requestOptions"), mapValue(m, "headers")
	key := ""
	switch {
	case ro != nil && hv != nil:
		return nil, "", skipf(name, "the entry has both headers and requestOptions; fix it first")
	case ro != nil:
		if ro.Kind != yaml.MappingNode {
			return nil, "", skipf(name, "requestOptions is not a mapping")
		}
		for i := 0; i+1 < len(ro.Content); i += 2 {
			if k := ro.Content[i].Value; k != "headers" {
				return nil, "", skipf(name, "requestOptions.%s: moat run cannot apply it, so moat left the server alone", k)
			}
		}
		hv, key = mapValue(ro, "headers"), "requestOptions"
	case hv != nil:
		key = "headers"
	default:
		return nil, "", nil
	}
	if hv == nil || hv.Kind != yaml.MappingNode {
		return nil, "", skipf(name, "headers is not a mapping")
	}
	var out []header
	for i := 0; i+1 < len(hv.Content); i += 2 {
		k, ok1 := strScalar(hv.Content[i])
		v, ok2 := strScalar(hv.Content[i+1])
		if !ok1 || !ok2 {
			return nil, "", skipf(name, "header names and values must be strings")
		}
		out = append(out, header{k, v})
	}
	return out, key, nil
}
