package policy

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func withNow(r Request) Request {
	if r.Now.IsZero() {
		r.Now = t0
	}
	return r
}

func call(server, tool, args string) Request {
	return withNow(Request{Client: "test", Server: Server{Name: server}, Tool: Tool{Name: tool}, Arguments: []byte(args)})
}

func TestArgumentsStrict(t *testing.T) {
	e := mustLoad(t)
	tests := []struct {
		args string
		want string
	}{
		{`{"path":"/tmp/ok","path":"/etc/shadow"}`, "duplicate key"},
		{"{\"path\":\"\xff\"}", "invalid"},
		{`{"a":1} {"b":2}`, "trailing"},
		{`[1,2]`, "must be a JSON object"},
		{`{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "deeper"},
		{`{"a":"` + strings.Repeat("x", MaxArgsBytes) + `"}`, "limit"},
		{`{"a":`, "truncated"},
	}
	for _, tc := range tests {
		d := e.Evaluate(call("s", "t", tc.args), nil)
		if d.Action != Deny || d.RuleID != "invalid-arguments" || !strings.Contains(d.Reason, tc.want) {
			t.Errorf("%.40q: %s %s %q, want deny containing %q", tc.args, d.Action, d.RuleID, d.Reason, tc.want)
		}
	}
	// Case-sensitive keys are distinct members, not duplicates; both are seen.
	d := e.Evaluate(call("fs", "read", `{"path":"/tmp/ok","PATH":"/etc/shadow"}`), nil)
	if d.Action != Deny || d.RuleID != "credential-path" {
		t.Errorf("PATH/path: %s %s %q", d.Action, d.RuleID, d.Reason)
	}
	if d := e.Evaluate(call("s", "t", ``), nil); d.Action != Allow {
		t.Errorf("empty args: %s %q", d.Action, d.Reason)
	}
}

func TestCanonicalArgsHash(t *testing.T) {
	a, err := CanonicalArgsHash([]byte(`{"b":1.50,"a":["x",{"d":null,"c":true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := CanonicalArgsHash([]byte("{ \"a\" : [ \"x\" , {\"c\":true,\"d\":null} ] ,\n\"b\":1.50 }"))
	c, _ := CanonicalArgsHash([]byte(`{"b":1.5,"a":["x",{"d":null,"c":true}]}`))
	if a != b || a == c || !strings.HasPrefix(a, "sha256:") {
		t.Errorf("hashes: %s %s %s", a, b, c)
	}
	if _, err := CanonicalArgsHash([]byte(`{"a":1,"a":2}`)); err == nil {
		t.Error("duplicate keys hashed")
	}
	e1, _ := CanonicalArgsHash(nil)
	e2, _ := CanonicalArgsHash([]byte(`{}`))
	if e1 != e2 {
		t.Error("empty and {} differ")
	}
}

const userPolicy = `
version: 1
default: allow
rules:
  - id: no-prod-db
    action: deny
    server: "pg-prod*"
    reason: production database is off limits
  - id: fs-roots
    action: deny
    server: filesystem
    tool: "write_*"
    args:
      - path: path
        glob: "~/work/**"
        not: true
  - id: allow-reads
    action: allow
    server: filesystem
    tool: "read_*"
  - id: big-query
    action: ask
    server: pg
    when: 'args.sql.size() > 20 && args.limit > 100'
`

func TestUserRules(t *testing.T) {
	e := mustLoad(t, Source{Name: "user.yaml", Scope: ScopeUser, Data: []byte(userPolicy)})
	tests := []struct {
		req  Request
		want Action
		rule string
	}{
		{call("pg-prod-eu", "query", `{"sql":"select 1"}`), Deny, "no-prod-db"},
		{call("filesystem", "write_file", `{"path":"/home/u/work/a/b.txt"}`), Allow, "default"},
		{call("filesystem", "write_file", `{"path":"~/work/../.bashrc"}`), Deny, "fs-roots"},
		{call("filesystem", "write_file", `{"content":"x"}`), Deny, "fs-roots"},
		{call("filesystem", "read_file", `{"path":"/home/u/notes"}`), Allow, "allow-reads"},
		{call("filesystem", "read_file", `{"path":"/home/u/.ssh/id_rsa"}`), Deny, "credential-path"},
		{call("pg", "query", `{"sql":"select * from a, b, c","limit":1000}`), Ask, "big-query"},
		{call("pg", "query", `{"sql":"select 1","limit":1000}`), Allow, "default"},
		{call("pg", "query", `{"limit":1000}`), Ask, "big-query"}, // CEL error (no such key) counts for ask
	}
	for _, tc := range tests {
		d := e.Evaluate(tc.req, nil)
		if d.Action != tc.want || d.RuleID != tc.rule {
			t.Errorf("%s/%s %s: %s by %s (%q), want %s by %s", tc.req.Server.Name, tc.req.Tool.Name, tc.req.Arguments, d.Action, d.RuleID, d.Reason, tc.want, tc.rule)
		}
	}
}

func TestDefaultDenyAndProjectLayering(t *testing.T) {
	user := Source{Name: "user.yaml", Scope: ScopeUser, Data: []byte("default: deny\nrules:\n  - {id: gh, action: allow, server: github}\n")}
	project := Source{Name: ".moat/policy.yaml", Scope: ScopeProject, Data: []byte(`
default: allow
builtins:
  disable: [{id: shell-destructive, reason: "trust me"}]
rules:
  - {id: open-all, action: allow, server: "*"}
  - {id: no-issues, action: ask, server: github, tool: create_issue}
  - {id: ask-everything, action: ask}
`)}
	e, probs, err := Load([]Source{user, project}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 2 || !probs[0].Warning || !probs[1].Warning {
		t.Fatalf("want two warnings, got %v", probs)
	}
	for _, tc := range []struct {
		req  Request
		want Action
	}{
		{call("github", "list_issues", `{}`), Ask},  // project ask tightens a user allow
		{call("github", "create_issue", `{}`), Ask}, // project ask
		{call("slack", "send", `{}`), Deny},         // user default deny stays: project allow ignored
		{call("builtin", "Bash", `{"command":"rm -rf /"}`), Deny},
	} {
		if d := e.Evaluate(tc.req, nil); d.Action != tc.want {
			t.Errorf("%s/%s: %s by %s, want %s", tc.req.Server.Name, tc.req.Tool.Name, d.Action, d.RuleID, tc.want)
		}
	}
	if e.Default() != Deny {
		t.Errorf("default %s", e.Default())
	}
}

func TestDisableBuiltin(t *testing.T) {
	src := Source{Name: "u", Data: []byte("builtins:\n  disable:\n    - id: url-internal\n      reason: local dev servers\n")}
	e := mustLoad(t, src)
	if d := e.Evaluate(call("fetch", "fetch", `{"url":"http://localhost:3000"}`), nil); d.Action != Allow {
		t.Errorf("disabled rule still applies: %s %q", d.Action, d.Reason)
	}
	_, probs, err := Load([]Source{{Name: "u", Data: []byte("builtins:\n  disable:\n    - id: url-internal\n")}}, Options{})
	if err == nil || !strings.Contains(probs[0].Message, "needs a reason") || probs[0].Line != 3 {
		t.Errorf("disable without reason: %v %v", err, probs)
	}
}

func TestGrants(t *testing.T) {
	e := mustLoad(t)
	req := call("db", "query", `{"sql":"DROP TABLE tmp_import"}`)
	hash, _ := CanonicalArgsHash(req.Arguments)
	exp := t0.Add(time.Hour)
	tests := []struct {
		name  string
		g     Grant
		now   time.Time
		want  Action
		once  bool
		perm  bool
		check string
	}{
		{name: "in scope", g: Grant{ID: "g1", Server: "db", Tool: "query", Expires: exp}, want: Allow},
		{name: "expired", g: Grant{ID: "g1", Server: "db", Expires: exp}, now: exp, want: Ask, check: grantExpired},
		{name: "just before expiry", g: Grant{ID: "g1", Server: "db", Expires: exp}, now: exp.Add(-time.Nanosecond), want: Allow},
		{name: "other server", g: Grant{ID: "g1", Server: "db2", Expires: exp}, want: Ask, check: grantServer},
		{name: "other tool", g: Grant{ID: "g1", Server: "db", Tool: "exec", Expires: exp}, want: Ask, check: grantTool},
		{name: "session bound", g: Grant{ID: "g1", Server: "db", SessionID: "s2", Expires: exp}, want: Ask, check: grantSession},
		{name: "args hash", g: Grant{ID: "g1", Server: "db", ArgsHash: hash, Once: true, Expires: exp}, want: Allow, once: true},
		{name: "args differ", g: Grant{ID: "g1", Server: "db", ArgsHash: "sha256:00", Expires: exp}, want: Ask, check: grantArgs},
		{name: "where holds", g: Grant{ID: "g1", Server: "db", Where: `args.sql.contains("tmp_")`, Expires: exp}, want: Allow},
		{name: "where fails", g: Grant{ID: "g1", Server: "db", Where: `args.sql.contains("users")`, Expires: exp}, want: Ask, check: grantWhere},
		{name: "permanent", g: Grant{ID: "g1", Server: "db"}, want: Allow, perm: true},
		{name: "no clock", g: Grant{ID: "g1", Server: "db", Expires: exp}, now: time.Time{}, want: Ask, check: grantNoClock},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := req
			r.Session.ID = "s1"
			if !tc.now.IsZero() || tc.check == grantNoClock {
				r.Now = tc.now
			}
			d := e.Evaluate(r, []Grant{tc.g})
			if d.Action != tc.want || d.GrantOnce != tc.once || d.GrantPermanent != tc.perm {
				t.Errorf("%s (grant %s once %v perm %v) %q", d.Action, d.GrantID, d.GrantOnce, d.GrantPermanent, d.Reason)
			}
			if d.Action == Allow && (d.GrantID != "g1" || !strings.Contains(d.Reason, "grant g1")) {
				t.Errorf("grant not recorded: %+v", d)
			}
			if tc.check != "" {
				args, _ := decodeArgs(r.Arguments)
				if why := e.grantMatch(&tc.g, &evalCtx{req: &r, args: args}); why != tc.check {
					t.Errorf("grantMatch = %q, want %q", why, tc.check)
				}
			}
		})
	}
	// A grant never turns a deny into allow.
	d := e.Evaluate(call("builtin", "Bash", `{"command":"rm -rf /"}`), []Grant{{ID: "g", Server: "*", Tool: "*"}})
	if d.Action != Deny {
		t.Errorf("grant lifted a deny: %s", d.Action)
	}
}

func TestCompileWhere(t *testing.T) {
	if err := CompileWhere(`args.path.startsWith("/tmp/")`); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{`args.path.startsWith(`, `1 + 1`, `nosuchvar == 1`} {
		if err := CompileWhere(bad); err == nil {
			t.Errorf("CompileWhere(%q) accepted", bad)
		}
	}
}

func TestFailedEngineDenies(t *testing.T) {
	_, _, err := Load([]Source{{Name: "u", Data: []byte("rules:\n  - id: x\n    action: allow\n    sevrer: a\n")}}, Options{})
	if err == nil {
		t.Fatal("unknown key accepted")
	}
	d := Failed(err).Evaluate(call("s", "t", `{}`), nil)
	if d.Action != Deny || d.RuleID != "policy-error" {
		t.Errorf("%+v", d)
	}
}

// TestConcurrentEvaluate shares one engine (lazy CEL, grant CEL cache)
// between goroutines; run with -race.
func TestConcurrentEvaluate(t *testing.T) {
	e := mustLoad(t, Source{Name: "user.yaml", Data: []byte(userPolicy)})
	e2, _, _ := Load([]Source{{Name: "user.yaml", Data: []byte(userPolicy)}}, Options{})
	done := make(chan bool)
	for i := 0; i < 4; i++ {
		go func() {
			for j := 0; j < 50; j++ {
				for _, eng := range []*Engine{e, e2} {
					eng.Evaluate(call("pg", "query", `{"sql":"select * from a, b, c","limit":1000}`), []Grant{{ID: "g", Server: "pg", Where: `args.limit > 5`, Expires: t0.Add(time.Hour)}})
				}
			}
			done <- true
		}()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
}
