package policy

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/moat-dev/moat/internal/netaddr"
	"github.com/moat-dev/moat/internal/shellparse"
)

//go:embed builtin.yaml
var builtinYAML []byte

//go:embed builtin_examples.yaml
var builtinExamplesYAML []byte

// BuiltinRule describes one built-in rule.
type BuiltinRule struct {
	ID          string `yaml:"id" json:"id"`
	Action      string `yaml:"action" json:"action"`
	Analyzer    string `yaml:"analyzer" json:"-"`
	Description string `yaml:"description" json:"description"`
	action      Action
	analyze     analyzer
}

// Examples are calls a built-in rule must (Hostile) or must not (Benign)
// match.
type Examples struct {
	Hostile []Example `yaml:"hostile"`
	Benign  []Example `yaml:"benign"`
}

// BuiltinExamples returns the examples of every built-in rule by id.
func BuiltinExamples() (map[string]Examples, error) {
	var m map[string]Examples
	if err := yaml.Unmarshal(builtinExamplesYAML, &m); err != nil {
		return nil, fmt.Errorf("embedded builtin_examples.yaml: %w", err)
	}
	return m, nil
}

// Example is one call.
type Example struct {
	Server      string            `yaml:"server"`
	Labels      map[string]string `yaml:"labels"`
	Tool        string            `yaml:"tool"`
	Args        string            `yaml:"args"`
	Taint       []string          `yaml:"taint"`
	Annotations string            `yaml:"annotations"`
}

// Request builds the example's request.
func (e Example) Request() Request {
	r := Request{Client: "claude", Server: Server{Name: e.Server, Labels: e.Labels}, Tool: Tool{Name: e.Tool}, Arguments: []byte(e.Args)}
	if r.Server.Name == "" {
		r.Server.Name = "builtin"
	}
	if r.Tool.Name == "" {
		r.Tool.Name = "Bash"
	}
	if e.Annotations != "" {
		r.Tool.Annotations = []byte(e.Annotations)
	}
	for _, t := range e.Taint {
		if t == "secrets" {
			r.Session.Taint |= TaintReadSecrets
		} else if t == "injected" {
			r.Session.Taint |= TaintInjected
		}
	}
	return r
}

// analyzer returns the argument and a description of what matched.
type analyzer func(x *evalCtx) (hit string, ok bool)

var analyzers = map[string]analyzer{
	"shell-destructive":     shellKind(shellparse.Destructive),
	"shell-broad-delete":    shellKind(shellparse.BroadDelete),
	"shell-download-exec":   shellKind(shellparse.DownloadExec),
	"shell-reverse-shell":   shellKind(shellparse.ReverseShell),
	"shell-obfuscated":      shellKind(shellparse.ObfuscatedExec),
	"git-destructive":       shellKind(shellparse.GitRewrite),
	"shell-credential-read": shellCredential,
	"credential-path":       credentialPath,
	"url-metadata":          urlClass(true),
	"url-internal":          urlClass(false),
	"sql-destructive":       sqlDestructive,
	"sql-production-write":  sqlProductionWrite,
	"exfil-after-taint":     exfilAfterTaint,
	"identifier-injection":  identifierInjection,
	"moat-self-approval":    moatSelfApproval,
	"guardrail-tamper":      guardrailTamper,
}

// Builtins returns the built-in rules (parsed once).
var Builtins = sync.OnceValue(func() []*BuiltinRule {
	var doc struct {
		Rules []*BuiltinRule `yaml:"rules"`
	}
	if err := yaml.Unmarshal(builtinYAML, &doc); err != nil {
		panic(fmt.Sprintf("policy: embedded builtin.yaml: %v", err))
	}
	for _, r := range doc.Rules {
		a, ok := ParseAction(r.Action)
		an := analyzers[r.Analyzer]
		if !ok || an == nil {
			panic(fmt.Sprintf("policy: builtin rule %s: bad action or analyzer", r.ID))
		}
		r.action, r.analyze = a, an
	}
	return doc.Rules
})

func shellKind(k shellparse.Kind) analyzer {
	return func(x *evalCtx) (string, bool) {
		for _, sr := range x.shells() {
			for _, h := range sr.hits {
				if h.Kind == k {
					return fmt.Sprintf("argument %s runs %s%s: %s", argName(sr.leaf), showValue(h.Command), deobfNote(sr), h.Detail), true
				}
			}
		}
		return "", false
	}
}

func deobfNote(sr *shellResult) string {
	if len(sr.script.Tricks) == 0 && !strings.Contains(sr.leaf.value, "\\") {
		return ""
	}
	return " (after de-obfuscation of " + showValue(sr.leaf.value) + ")"
}

func argName(l *leaf) string {
	p := strings.TrimPrefix(strings.TrimPrefix(l.path, "$"), ".")
	if p == "" {
		p = l.key
	}
	return fmt.Sprintf("%q", p)
}

func shellCredential(x *evalCtx) (string, bool) {
	for _, sr := range x.shells() {
		for _, c := range sr.script.Commands() {
			check := func(w string) (string, bool) {
				if _, v, ok := strings.Cut(w, "="); ok && strings.HasPrefix(w, "-") {
					w = v
				}
				w = strings.TrimPrefix(w, "@") // curl -d @file, -T @file
				if what := CredentialPath(x.clean(w)); what != "" {
					return fmt.Sprintf("argument %s runs %s, which touches %s (%s)", argName(sr.leaf), showValue(c.String()), showValue(w), what), true
				}
				return "", false
			}
			for i := 1; i < len(c.Argv); i++ {
				if hit, ok := check(c.Argv[i]); ok {
					return hit, true
				}
			}
			for _, r := range c.Redirects {
				if r.Op == "<<" || r.Op == "<<-" || r.Op == "<<<" {
					continue
				}
				if hit, ok := check(r.Target); ok {
					return hit, true
				}
			}
		}
	}
	return "", false
}

func credentialPath(x *evalCtx) (string, bool) {
	for i := range x.leaves {
		l := &x.leaves[i]
		if l.roles&RolePath == 0 {
			continue
		}
		cleaned := x.clean(l.value)
		if what := CredentialPath(cleaned); what != "" {
			note := ""
			if cleaned != l.value {
				note = " (cleaned to " + showValue(cleaned) + ")"
			}
			return fmt.Sprintf("argument %s is %s%s: %s", argName(l), showValue(l.value), note, what), true
		}
	}
	return "", false
}

// urlClass finds metadata and link-local destinations (metadata=true) or
// loopback, private and unspecified ones in URL-like arguments.
func urlClass(metadata bool) analyzer {
	return func(x *evalCtx) (string, bool) {
		for _, u := range x.urls() {
			c := u.url.Host.Class
			hit := metadata && (c == netaddr.Metadata || c == netaddr.LinkLocal) ||
				!metadata && !u.fromCommand && (c == netaddr.Loopback || c == netaddr.Private || c == netaddr.Unspecified)
			if !hit {
				continue
			}
			what := c.String()
			if s := netaddr.MetadataService(u.url.Host.Addr); s != "" {
				what += " (" + s + ")"
			}
			if u.url.Host.Trick != "" {
				what += fmt.Sprintf(", written as a %s literal", u.url.Host.Trick)
			}
			if u.url.Host.Addr.IsValid() && u.url.Host.Addr.String() != u.url.Host.Name {
				what += " = " + u.url.Host.Addr.String()
			}
			return fmt.Sprintf("argument %s reaches %s: host %s is %s", argName(u.leaf), showValue(u.url.Raw), showValue(u.url.Host.Name), what), true
		}
		return "", false
	}
}

func sqlDestructive(x *evalCtx) (string, bool) {
	for _, q := range x.sql() {
		if d := q.stmt.destructive(); d != "" {
			return fmt.Sprintf("argument %s runs %s: %s", argName(q.leaf), showValue(q.stmt.text), d), true
		}
	}
	return "", false
}

// production reports the label that marks the server as production.
func production(s Server) string {
	for _, k := range []string{"env", "environment", "stage", "tier"} {
		for lk, v := range s.Labels {
			if strings.EqualFold(lk, k) {
				switch strings.ToLower(v) {
				case "production", "prod", "prd", "live":
					return lk + "=" + v
				}
			}
		}
	}
	return ""
}

func sqlProductionWrite(x *evalCtx) (string, bool) {
	label := production(x.req.Server)
	if label == "" {
		return "", false
	}
	for _, q := range x.sql() {
		if q.stmt.write() {
			return fmt.Sprintf("argument %s runs %s, a %s on server %q labelled %s", argName(q.leaf), showValue(q.stmt.text), q.stmt.verb, x.req.Server.Name, label), true
		}
	}
	if ann := x.annotations(); ann["destructiveHint"] == "true" {
		return fmt.Sprintf("tool %q is marked destructive and server %q is labelled %s", x.req.Tool.Name, x.req.Server.Name, label), true
	}
	return "", false
}

var egressWords = map[string]bool{"send": true, "post": true, "email": true, "mail": true, "slack": true, "discord": true,
	"telegram": true, "chat": true, "http": true, "https": true, "fetch": true, "request": true, "webhook": true,
	"upload": true, "publish": true, "tweet": true, "notify": true, "sms": true, "curl": true, "share": true,
	"comment": true, "navigate": true, "browse": true, "web": true, "push": true, "gist": true, "paste": true,
	"message": true, "reply": true, "forward": true, "invite": true, "transfer": true, "pay": true, "wget": true, "download": true, "issue": true}

func exfilAfterTaint(x *evalCtx) (string, bool) {
	t := x.req.Session.Taint
	if t == 0 {
		return "", false
	}
	var why []string
	if t&TaintReadSecrets != 0 {
		why = append(why, "read secrets")
	}
	if t&TaintInjected != 0 {
		why = append(why, "ingested content flagged as injection")
	}
	prefix := "the session " + strings.Join(why, " and ") + "; "
	if x.annotations()["openWorldHint"] == "true" {
		return prefix + fmt.Sprintf("tool %q is marked openWorldHint", x.req.Tool.Name), true
	}
	for _, n := range []string{x.req.Tool.Name, x.req.Server.Name} {
		for _, w := range splitKey(n) {
			if egressWords[w] {
				return prefix + fmt.Sprintf("tool %q on server %q can send data out (%q)", x.req.Tool.Name, x.req.Server.Name, w), true
			}
		}
	}
	for _, sr := range x.shells() {
		for _, c := range sr.script.Commands() {
			if shellparse.IsNetworkCommand(c.Name()) || c.Name() == "git" && len(c.Argv) > 1 && c.Argv[1] == "push" {
				return prefix + fmt.Sprintf("argument %s runs %s, which sends data over the network", argName(sr.leaf), showValue(c.String())), true
			}
		}
	}
	for _, u := range x.urls() {
		if u.url.Scheme == "http" || u.url.Scheme == "https" || u.url.Scheme == "ws" || u.url.Scheme == "wss" || u.url.Scheme == "ftp" {
			return prefix + fmt.Sprintf("argument %s sends a request to %s", argName(u.leaf), showValue(u.url.Raw)), true
		}
	}
	return "", false
}

func identifierInjection(x *evalCtx) (string, bool) {
	for i := range x.leaves {
		l := &x.leaves[i]
		if l.roles&(RoleCommand|RoleQuery|RoleData|RolePath|RoleURL) != 0 || !identKey(l.key) {
			continue
		}
		if why := injectionIn(l.value); why != "" {
			return fmt.Sprintf("argument %s should be a plain identifier but is %s: it %s (argument injection into a command line or query)", argName(l), showValue(l.value), why), true
		}
	}
	return "", false
}
