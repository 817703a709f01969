package policy

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

func FuzzArgsDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":"x","a":"y"}`, `{"a":[1,{"b":null}]}`, "{\"a\":\"\xff\"}", `{"a":1e400}`,
		`{"a":-0.0}`, `{"\u0000":"\ud800"}`, `[]`, `null`, `{"a":{"b":{"c":{}}}}`, `{"command":["rm","-rf","/"]}`} {
		f.Add([]byte(s))
	}
	e := mustLoad(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		h1, err := CanonicalArgsHash(raw)
		d := e.Evaluate(Request{Server: Server{Name: "s"}, Tool: Tool{Name: "t"}, Arguments: raw, Now: t0}, nil)
		if err != nil {
			if d.Action != Deny {
				t.Fatalf("invalid arguments (%v) not denied: %s", err, d.Action)
			}
			return
		}
		// The canonical form is a fixed point: re-hashing it gives the same hash.
		v, _ := decodeArgs(raw)
		h2, err := CanonicalArgsHash(appendCanonical(nil, v))
		if err != nil || h1 != h2 {
			t.Fatalf("canonical form not stable: %v %s %s", err, h1, h2)
		}
	})
}

func FuzzPathClean(f *testing.F) {
	for _, s := range []string{"~/.ssh/id_rsa", "/tmp/../etc/shadow", "file:///home/u/.aws/credentials", `C:\Users\u\.ssh\id_rsa`,
		"$HOME/.kube/config", "./.env", "../../.netrc", "%2e%2e/.ssh", "/a\x00/.ssh", "~/.ss*/id_*", "[", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c := CleanPath(p, "/home/u")
		if c2 := CleanPath(c, "/home/u"); c2 != c && !strings.Contains(p, "%") && !strings.HasPrefix(p, "file:") {
			t.Fatalf("CleanPath not idempotent: %q → %q → %q", p, c, c2)
		}
		if (strings.HasPrefix(c, "/") || strings.HasPrefix(c, "~")) && (strings.Contains(c+"/", "/../")) {
			t.Fatalf("CleanPath left ..: %q → %q", p, c)
		}
		_ = CredentialPath(c)
		_ = matchPathGlob("~/**/.ssh/*", c)
	})
}

func FuzzPolicyYAML(f *testing.F) {
	f.Add([]byte(userPolicy))
	f.Add([]byte("default: deny\nbuiltins:\n  disable:\n    - {id: url-internal, reason: x}\n"))
	f.Add([]byte("rules:\n  - {id: a, action: ask, when: 'args.x == 1', args: [{path: '**', regex: '^a'}]}\n"))
	f.Add([]byte("rules: [{id: a, action: deny, args: [{path: 'a[0][\"b\"].*', glob: '/x/**', not: true}]}]"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, sc := range []Scope{ScopeUser, ScopeProject} {
			e, _, err := Load([]Source{{Name: "f", Scope: sc, Data: data}}, Options{Home: "/home/u"})
			if err != nil {
				continue
			}
			d := e.Evaluate(Request{Server: Server{Name: "builtin"}, Tool: Tool{Name: "Bash"}, Arguments: []byte(`{"command":"rm -rf /"}`), Now: t0}, nil)
			if d.Action != Deny && !isDisabled(e, d) {
				t.Fatalf("a loaded policy allowed rm -rf /: %s %s", d.Action, d.Reason)
			}
			if sc == ScopeProject {
				for _, r := range e.rules {
					if r.action == Allow {
						t.Fatalf("project allow rule %s loaded", r.id)
					}
				}
				if len(e.disabled) > 0 {
					t.Fatal("project disabled a built-in")
				}
			}
		}
	})
}

func isDisabled(e *Engine, _ Decision) bool {
	_, a := e.disabled["shell-destructive"]
	return a
}

// TestProjectNeverLoosens is a property test: for random user policies,
// random project policies and random calls (with random grants), adding
// the project policy never makes a decision less strict.
func TestProjectNeverLoosens(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	servers := []string{"github", "db", "slack", "builtin", "fs"}
	tools := []string{"query", "Bash", "post", "read_file", "write_file"}
	argsFor := []string{`{}`, `{"command":"ls"}`, `{"command":"rm -rf *"}`, `{"sql":"DROP TABLE t"}`, `{"path":"/home/u/.ssh/id_rsa"}`,
		`{"url":"http://10.0.0.1/"}`, `{"path":"/work/a"}`, `{"sql":"select 1"}`}
	actions := []string{"allow", "ask", "deny"}
	glob := func() string {
		switch rng.IntN(4) {
		case 0:
			return "*"
		case 1:
			return ""
		}
		s := servers[rng.IntN(len(servers))]
		return s[:1+rng.IntN(len(s))] + "*"
	}
	tglob := func() string {
		if rng.IntN(3) == 0 {
			return ""
		}
		s := tools[rng.IntN(len(tools))]
		return s[:1+rng.IntN(len(s))] + "*"
	}
	policyDoc := func(project bool) string {
		var b strings.Builder
		fmt.Fprintf(&b, "default: %s\n", actions[rng.IntN(3)])
		if rng.IntN(3) == 0 {
			b.WriteString("builtins:\n  disable:\n    - {id: sql-destructive, reason: r}\n    - {id: url-internal, reason: r}\n")
		}
		b.WriteString("rules:\n")
		for i := 0; i < 1+rng.IntN(6); i++ {
			fmt.Fprintf(&b, "  - id: r%d\n    action: %s\n    server: %q\n    tool: %q\n", i, actions[rng.IntN(3)], glob(), tglob())
			switch rng.IntN(4) {
			case 0:
				b.WriteString("    args: [{path: command, regex: 'rm|ls'}]\n")
			case 1:
				b.WriteString("    args: [{path: path, glob: '/work/**', not: true}]\n")
			case 2:
				b.WriteString("    when: 'has(args.sql) && args.sql.startsWith(\"DROP\")'\n")
			}
		}
		return b.String()
	}
	for i := 0; i < 400; i++ {
		user := Source{Name: "user", Scope: ScopeUser, Data: []byte(policyDoc(false))}
		proj := Source{Name: "project", Scope: ScopeProject, Data: []byte(policyDoc(true))}
		eu, _, err1 := Load([]Source{user}, Options{})
		eb, _, err2 := Load([]Source{user, proj}, Options{})
		if err1 != nil || err2 != nil {
			t.Fatalf("load: %v %v\n%s\n%s", err1, err2, user.Data, proj.Data)
		}
		var grants []Grant
		if rng.IntN(2) == 0 {
			grants = []Grant{{ID: "g", Server: glob() + "*", Tool: tglob(), Expires: t0.Add(1e9)}}
		}
		for j := 0; j < 20; j++ {
			req := Request{Server: Server{Name: servers[rng.IntN(len(servers))]}, Tool: Tool{Name: tools[rng.IntN(len(tools))]},
				Arguments: []byte(argsFor[rng.IntN(len(argsFor))]), Now: t0}
			du, db := eu.Evaluate(req, grants), eb.Evaluate(req, grants)
			if db.Action < du.Action {
				t.Fatalf("project loosened %s → %s for %s/%s %s\nuser:\n%s\nproject:\n%s\nuser says %s; with project %s",
					du.Action, db.Action, req.Server.Name, req.Tool.Name, req.Arguments, user.Data, proj.Data, du.Reason, db.Reason)
			}
		}
	}
}

// FuzzUnquote: the fast string decoder gives what the decoder's own
// token gives (the code before it), for every string the strict decoder
// accepts.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"plain"`, `"a\nb\t\"q\"\\ \/"`, `"\u00e9\u4e2d"`, `"\ud83d\ude00 pair"`, `"\ud800 lone"`,
		`"\uDFFF"`, `"\u0000 nul"`, `"ends\\"`, `"\b\f\r"`, `"caf\u00C9"`, `"héllo"`, `""`, `"\ud83d\u0041"`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	strict := []jsontext.Options{jsontext.AllowDuplicateNames(false), jsontext.AllowInvalidUTF8(false)}
	f.Fuzz(func(t *testing.T, raw []byte) {
		d1 := jsontext.NewDecoder(bytes.NewReader(raw), strict...)
		if d1.PeekKind() != '"' {
			return
		}
		tok, terr := d1.ReadToken()
		d2 := jsontext.NewDecoder(bytes.NewReader(raw), strict...)
		v, verr := d2.ReadValue()
		if (terr == nil) != (verr == nil) {
			t.Fatalf("%q: ReadToken %v, ReadValue %v", raw, terr, verr)
		}
		if terr != nil {
			return
		}
		got, err := unquote(v)
		if err != nil || got != tok.String() {
			t.Fatalf("unquote(%q) = %q, %v; token: %q", v, got, err, tok.String())
		}
	})
}
