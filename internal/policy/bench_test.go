package policy

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"cel.dev/cel-go/cel"
	"go.yaml.in/yaml/v3"
)

// loop runs fn b.N times and reports thread CPU time per iteration next
// to wall time.
func loop(b *testing.B, fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	c0 := threadCPU()
	for b.Loop() {
		fn()
	}
	if c := threadCPU() - c0; c > 0 {
		b.ReportMetric(float64(c.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// fiftyRules is a realistic user policy: 50 rules over a dozen servers,
// simple matchers and a few CEL conditions.
func fiftyRules() []byte {
	var b strings.Builder
	b.WriteString("version: 1\ndefault: allow\nrules:\n")
	servers := []string{"github", "filesystem", "postgres", "slack", "fetch", "builtin", "jira", "linear", "sentry", "notion"}
	for i := 0; i < 50; i++ {
		s := servers[i%len(servers)]
		action := []string{"deny", "ask", "allow"}[i%3]
		fmt.Fprintf(&b, "  - id: r%d\n    action: %s\n    server: %q\n", i, action, s+"*")
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "    tool: \"write_*\"\n    args:\n      - path: path\n        glob: \"~/work%d/**\"\n        not: true\n", i)
		case 1:
			fmt.Fprintf(&b, "    args:\n      - path: command\n        regex: '(?i)\\bterraform\\s+destroy%d\\b'\n", i)
		case 2:
			fmt.Fprintf(&b, "    tool: \"query\"\n    args:\n      - path: sql\n        prefix: \"COPY%d\"\n", i)
		case 3:
			fmt.Fprintf(&b, "    args:\n      - path: channel\n        one_of: [\"#general%d\", \"#random\"]\n", i)
		case 4:
			fmt.Fprintf(&b, "    when: 'has(args.command) && args.command.contains(\"deploy%d\")'\n", i)
		}
	}
	return []byte(b.String())
}

var benchCalls = map[string]Request{
	"bash": {Client: "claude", Server: Server{Name: "builtin"}, Tool: Tool{Name: "Bash"},
		Arguments: []byte(`{"command":"git status && go test ./internal/policy/... -run TestGrants -count=1 2>&1 | tail -20","description":"Run the grant tests"}`)},
	"write_file": {Server: Server{Name: "filesystem"}, Tool: Tool{Name: "write_file"},
		Arguments: []byte(`{"path":"/home/u/work0/internal/x.go","content":` + fmt.Sprintf("%q", strings.Repeat("package x\n\nfunc F() int { return 1 }\n", 60)) + `}`)},
	"query": {Server: Server{Name: "postgres", Labels: map[string]string{"env": "staging"}}, Tool: Tool{Name: "query"},
		Arguments: []byte(`{"sql":"SELECT id, email FROM users WHERE created_at > now() - interval '1 day' ORDER BY id LIMIT 50"}`)},
	"fetch": {Server: Server{Name: "fetch"}, Tool: Tool{Name: "fetch"}, Arguments: []byte(`{"url":"https://api.github.com/repos/moat-dev/moat/issues?state=open","max_length":5000}`)},
}

func BenchmarkEvaluate(b *testing.B) {
	e, _, err := Load([]Source{{Name: "user.yaml", Data: fiftyRules()}}, Options{Home: "/home/u"})
	if err != nil {
		b.Fatal(err)
	}
	for name, req := range benchCalls {
		req.Now = t0
		b.Run(name, func(b *testing.B) {
			e.Evaluate(req, nil) // compile lazy CEL outside the loop
			loop(b, func() { e.Evaluate(req, nil) })
		})
	}
}

// BenchmarkLoad measures what every hook process pays: parsing and
// compiling the built-ins and a 50-rule user policy (CEL stays lazy).
func BenchmarkLoad(b *testing.B) {
	data := fiftyRules()
	Builtins()
	loop(b, func() {
		if _, _, err := Load([]Source{{Name: "user.yaml", Data: data}}, Options{Home: "/home/u"}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkFirstCELCompile measures the one-time CEL cost a hook process
// pays when its call reaches a rule with when: (environment + compile).
func BenchmarkFirstCELCompile(b *testing.B) {
	celEnv()
	loop(b, func() {
		if _, err := compileCEL(`has(args.command) && args.command.contains("deploy")`); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkBuiltinsParse is the one-time cost of the embedded built-in rule
// table in a fresh process (Load includes it once).
func BenchmarkBuiltinsParse(b *testing.B) {
	loop(b, func() {
		var doc struct {
			Rules []*BuiltinRule `yaml:"rules"`
		}
		if err := yaml.Unmarshal(builtinYAML, &doc); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkBaselineJSONValid validates the write_file arguments with
// encoding/json: a floor to compare Evaluate with on a busy machine.
func BenchmarkBaselineJSONValid(b *testing.B) {
	raw := benchCalls["write_file"].Arguments
	loop(b, func() { json.Valid(raw) })
}

// BenchmarkCELEnv is the one-time cost of the shared CEL environment in a
// process whose call reaches a CEL rule or a grant with where:.
func BenchmarkCELEnv(b *testing.B) {
	loop(b, func() {
		if _, err := cel.NewEnv(cel.Variable("args", cel.MapType(cel.StringType, cel.DynType)),
			cel.Variable("server", cel.MapType(cel.StringType, cel.DynType)), cel.Variable("tool", cel.MapType(cel.StringType, cel.DynType)),
			cel.Variable("client", cel.StringType), cel.Variable("session", cel.MapType(cel.StringType, cel.DynType)),
			cel.Variable("now", cel.TimestampType)); err != nil {
			b.Fatal(err)
		}
	})
}
