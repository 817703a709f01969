package wrap

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/tailscale/hujson"
)

// wrapped is what wrapping one entry produced besides the new text.
type wrapped struct {
	note    string   // for the user
	env     []string // variables added to carry header values
	secrets []string // literal credentials moved into the environment
}

// wrapEntry rewrites one server object in place. It returns what the
// caller must know, or why the entry was left alone.
func wrapEntry(name string, e *hujson.Object, o Options) (wrapped, *Skip) {
	if d, ok := duplicateName(e); ok {
		return wrapped{}, skipf(name, "member %q appears twice in the entry; fix it first", d)
	}
	if ci := memberIndex(e, "command"); ci >= 0 {
		return wrapped{}, wrapCommand(name, e, ci, o)
	}
	return wrapRemote(name, e, o)
}

func skipf(name, format string, a ...any) *Skip {
	return &Skip{Server: name, Reason: fmt.Sprintf(format, a...)}
}

// wrapCommand wraps a local server: command + args, opencode's command
// list, or Zed's older {"command": {"path", "args"}}.
func wrapCommand(name string, e *hujson.Object, ci int, o Options) *Skip {
	cmd := &e.Members[ci].Value
	switch c := cmd.Value.(type) {
	case hujson.Literal:
		return wrapPathArgs(name, e, ci, o)
	case *hujson.Array:
		argv, ok := strArray(cmd)
		if !ok || len(argv) == 0 || argv[0] == "" {
			return skipf(name, "command is not a non-empty list of strings")
		}
		if IsMoat(argv) {
			return &Skip{Server: name, Already: true}
		}
		prependElems(cmd, append([]string{o.Moat}, stdioArgs(name, nil)...))
		return nil
	case *hujson.Object:
		pi := memberIndex(c, "path")
		if pi < 0 {
			return skipf(name, "command object has no path")
		}
		return wrapPathArgs(name, c, pi, o)
	}
	return skipf(name, "command is neither a string, a list nor an object")
}

// wrapPathArgs wraps obj's string member at ci (the executable) and its
// "args" list.
func wrapPathArgs(name string, obj *hujson.Object, ci int, o Options) *Skip {
	exe, ok := litString(&obj.Members[ci].Value)
	if !ok || exe == "" {
		return skipf(name, "command is not a non-empty string")
	}
	ai := memberIndex(obj, "args")
	var args []string
	if ai >= 0 {
		if args, ok = strArray(&obj.Members[ai].Value); !ok {
			return skipf(name, "args is not a list of strings")
		}
	} else if strings.ContainsAny(exe, " \t") {
		return skipf(name, "command holds a whole command line and there is no args list; split it into command and args first (moat cannot tell how the client splits it)")
	}
	if IsMoat(append([]string{exe}, args...)) {
		return &Skip{Server: name, Already: true}
	}
	obj.Members[ci].Value.Value = hujson.Literal(quote(o.Moat))
	prefix := stdioArgs(name, []string{exe})
	if ai >= 0 {
		prependElems(&obj.Members[ai].Value, prefix)
	} else {
		insertAfter(obj, ci, "args", newArray(prefix))
	}
	return nil
}

// wrapRemote turns a remote entry (url / serverUrl / httpUrl) into a local
// one that runs moat run --url. Credential headers move into the entry's
// environment: the headers member is renamed to the client's environment
// member, its credential members renamed to MOAT_HDR_* variables (values
// and comments kept) and its plain members dropped (they become --header).
func wrapRemote(name string, e *hujson.Object, o Options) (wrapped, *Skip) {
	ui, u, skip := remoteURL(name, e)
	if skip != nil {
		return wrapped{}, skip
	}
	if memberIndex(e, "args") >= 0 {
		return wrapped{}, skipf(name, "the entry has both a url and args; fix it first")
	}
	for _, k := range authMembers {
		if memberIndex(e, k) >= 0 {
			return wrapped{}, skipf(name, "%q: the client authenticates to this server itself, which moat run cannot do yet", k)
		}
	}
	hs, skip := entryHeaders(name, e)
	if skip != nil {
		return wrapped{}, skip
	}
	ce := clientEnvs[o.Client]
	plan, problem := planHeaders(hs, ce, o.Client)
	if problem != "" {
		return wrapped{}, skipf(name, "%s", problem)
	}
	if len(plan.vars) > 0 {
		for _, k := range []string{"env", "environment"} {
			if memberIndex(e, k) >= 0 {
				return wrapped{}, skipf(name, "the remote entry already has %q, where moat would put its credential headers; remove it first", k)
			}
		}
	}
	local := false
	for _, k := range []string{"type", "transport", "transportType"} {
		if i := memberIndex(e, k); i >= 0 {
			if s, ok := litString(&e.Members[i].Value); ok {
				nv := "stdio"
				if s == "remote" { // opencode
					nv, local = "local", true
				}
				e.Members[i].Value.Value = hujson.Literal(quote(nv))
			}
		}
	}
	um := &e.Members[ui]
	um.Name.Value = hujson.Literal(quote("command"))
	args := remoteArgs(name, u, plan.args)
	if local {
		um.Value.Value = newArray(append([]string{o.Moat}, args...))
	} else {
		um.Value.Value = hujson.Literal(quote(o.Moat))
		insertAfter(e, ui, "args", newArray(args))
	}
	for _, k := range []string{"url", "serverUrl", "httpUrl"} {
		for i := memberIndex(e, k); i >= 0; i = memberIndex(e, k) {
			removeMember(e, i)
		}
	}
	if hi := memberIndex(e, "headers"); hi >= 0 {
		if len(plan.vars) == 0 {
			removeMember(e, hi)
		} else {
			headersToEnv(&e.Members[hi], ce.member, plan)
		}
	}
	w := wrapped{env: plan.vars, secrets: plan.secrets}
	if len(hs) == 0 {
		w.note = fmt.Sprintf(remoteNote, name, name)
	}
	return w, nil
}

// remoteURL returns the member index and value of the entry's URL (url,
// serverUrl or httpUrl; the first one written), checked for moat run.
func remoteURL(name string, e *hujson.Object) (int, string, *Skip) {
	ui, u := -1, ""
	for _, k := range []string{"url", "serverUrl", "httpUrl"} {
		i := memberIndex(e, k)
		if i < 0 {
			continue
		}
		s, ok := litString(&e.Members[i].Value)
		if !ok {
			return 0, "", skipf(name, "%s is not a string", k)
		}
		if ui < 0 {
			ui, u = i, s
		}
	}
	if ui < 0 {
		return 0, "", skipf(name, "no command and no url")
	}
	if p := urlProblem(u); p != "" {
		return 0, "", skipf(name, "%s", p)
	}
	return ui, u, nil
}

// headersToEnv renames the headers member to the environment member, keeps
// the credential members under their variable names and drops the others.
func headersToEnv(m *hujson.ObjectMember, envMember string, plan headerPlan) {
	m.Name.Value = hujson.Literal(quote(envMember))
	ho := objOf(&m.Value)
	for i := len(ho.Members) - 1; i >= 0; i-- {
		if v, ok := plan.envOf[i]; ok {
			ho.Members[i].Name.Value = hujson.Literal(quote(v))
		} else {
			removeMember(ho, i)
		}
	}
}

// entryHeaders reads "headers".
func entryHeaders(name string, e *hujson.Object) ([]header, *Skip) {
	hi := memberIndex(e, "headers")
	if hi < 0 {
		return nil, nil
	}
	ho := objOf(&e.Members[hi].Value)
	if ho == nil {
		return nil, skipf(name, "headers is not an object")
	}
	if d, ok := duplicateName(ho); ok {
		return nil, skipf(name, "header %q appears twice; fix it first", d)
	}
	var out []header
	for i := range ho.Members {
		k, ok1 := litString(&ho.Members[i].Name)
		v, ok2 := litString(&ho.Members[i].Value)
		if !ok1 || !ok2 {
			return nil, skipf(name, "header values must be strings")
		}
		out = append(out, header{k, v})
	}
	return out, nil
}

// urlProblem says why a URL cannot be handed to moat run --url.
func urlProblem(u string) string {
	if refersToEnv(u) {
		return "the url takes part of its value from the environment, which would end up on moat run's command line"
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Sprintf("url %q is not an http(s) URL moat run can reach", u)
	}
	if p.User != nil {
		return "the url carries a user name or password, which must not go on a command line"
	}
	for k, vs := range p.Query() {
		for _, v := range vs {
			if headerProblem(k, v) != "" {
				return "the url's query carries a credential, which must not go on a command line"
			}
		}
	}
	return ""
}

// newArray is a one-line array of strings.
func newArray(items []string) *hujson.Array {
	arr := &hujson.Array{}
	for i, s := range items {
		v := hujson.Value{Value: hujson.Literal(quote(s))}
		if i > 0 {
			v.BeforeExtra = hujson.Extra(" ")
		}
		arr.Elements = append(arr.Elements, v)
	}
	return arr
}

// prependElems puts items before an array's elements, following its layout
// (one per line when the array is laid out that way).
func prependElems(v *hujson.Value, items []string) {
	arr := v.Value.(*hujson.Array)
	var first, sep hujson.Extra = nil, hujson.Extra(" ")
	if len(arr.Elements) > 0 {
		if ind := indentOf(arr.Elements[0].BeforeExtra); ind != nil {
			first, sep = ind, ind
		} else if len(arr.Elements) > 1 && isSpace(arr.Elements[1].BeforeExtra) {
			sep = clone(arr.Elements[1].BeforeExtra) // compact or spaced, like the rest
			if sep == nil {
				sep = hujson.Extra{}
			}
		}
	}
	news := make([]hujson.Value, len(items))
	for i, s := range items {
		news[i] = hujson.Value{Value: hujson.Literal(quote(s)), BeforeExtra: clone(sep)}
		if i == 0 {
			news[i].BeforeExtra = clone(first)
		}
	}
	if len(arr.Elements) > 0 && len(arr.Elements[0].BeforeExtra) == 0 {
		arr.Elements[0].BeforeExtra = clone(sep)
	}
	arr.Elements = append(news, arr.Elements...)
}

// insertAfter adds a member after member i, laid out like it.
func insertAfter(obj *hujson.Object, i int, name string, val hujson.ValueTrimmed) {
	ref := &obj.Members[i]
	nameExtra := indentOf(ref.Name.BeforeExtra)
	if nameExtra == nil {
		nameExtra = hujson.Extra(" ")
		for j := 1; j < len(obj.Members); j++ { // lay it out like the others
			if b := obj.Members[j].Name.BeforeExtra; isSpace(b) && j != i {
				nameExtra = clone(b)
				break
			}
		}
	}
	valExtra := hujson.Extra(" ")
	if isSpace(ref.Value.BeforeExtra) {
		valExtra = clone(ref.Value.BeforeExtra)
	}
	m := hujson.ObjectMember{
		Name:  hujson.Value{BeforeExtra: nameExtra, Value: hujson.Literal(quote(name))},
		Value: hujson.Value{BeforeExtra: valExtra, Value: val},
	}
	if i == len(obj.Members)-1 && ref.Value.AfterExtra != nil {
		m.Value.AfterExtra, ref.Value.AfterExtra = ref.Value.AfterExtra, nil
	}
	obj.Members = append(obj.Members[:i+1], append([]hujson.ObjectMember{m}, obj.Members[i+1:]...)...)
}

// removeMember drops member i, keeping a trailing comma only if there was
// one, and the text before it (which ends the previous line).
func removeMember(obj *hujson.Object, i int) {
	last := i == len(obj.Members)-1
	after := obj.Members[i].Value.AfterExtra
	if !last { // what precedes the member (a comment ending the line before) stays
		obj.Members[i+1].Name.BeforeExtra = obj.Members[i].Name.BeforeExtra
	}
	obj.Members = append(obj.Members[:i], obj.Members[i+1:]...)
	if last && len(obj.Members) > 0 {
		obj.Members[len(obj.Members)-1].Value.AfterExtra = after
	}
}

// indentOf returns the line break and indentation that end b, or nil when
// b has no line break or ends in something other than blanks.
func indentOf(b hujson.Extra) hujson.Extra {
	i := bytes.LastIndexByte(b, '\n')
	if i < 0 || !isSpace(b[i+1:]) {
		return nil
	}
	if i > 0 && b[i-1] == '\r' {
		i--
	}
	return clone(b[i:])
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

func clone(b []byte) hujson.Extra {
	if b == nil {
		return nil
	}
	return append(hujson.Extra{}, b...)
}
