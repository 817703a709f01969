package wrap

import (
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"github.com/tailscale/hujson"
	yaml "go.yaml.in/yaml/v3"
)

// wrappedArgv returns, per wrapped server, its new command line.
func wrappedArgv(t *testing.T, f Format, res Result) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	var doc map[string]any
	if len(res.Records) == 0 {
		return out
	}
	switch f {
	case TOML:
		if err := toml.Unmarshal(res.Data, &doc); err != nil {
			t.Fatal(err)
		}
	case YAML:
		if err := yaml.Unmarshal(res.Data, &doc); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range res.Records {
		var argv []string
		switch f {
		case YAML:
			srv := yamlServer(doc, r.Server)
			argv = append(argv, srv["command"].(string))
			for _, a := range srv["args"].([]any) {
				argv = append(argv, a.(string))
			}
		case TOML:
			srv := doc[r.Path[0]].(map[string]any)[r.Path[1]].(map[string]any)
			argv = append(argv, srv["command"].(string))
			for _, a := range srv["args"].([]any) {
				argv = append(argv, a.(string))
			}
		default:
			v, err := hujson.Parse([]byte(r.Wrapped))
			if err != nil {
				t.Fatalf("%s: %v", r.Server, err)
			}
			argv = commandLine(objOf(&v))
		}
		out[r.Server] = argv
	}
	return out
}

// noHeaderInArgs: no credential header value of the input (reference or
// literal) appears in any wrapped server's command line.
func noHeaderInArgs(t *testing.T, f Format, in []byte, res Result) {
	t.Helper()
	for server, argv := range wrappedArgv(t, f, res) {
		if !slices.Contains(argv, "--url") {
			continue // a local server's own arguments
		}
		line := strings.Join(argv, "\x00")
		for _, s := range res.Secrets {
			if s != "" && strings.Contains(line, s) {
				t.Errorf("%s: secret %q in args %q", server, s, argv)
			}
		}
		for _, a := range argv {
			if strings.Contains(a, "${") || strings.Contains(a, "{env:") || strings.Contains(a, "Bearer") {
				t.Errorf("%s: header value in args: %q", server, a)
			}
		}
	}
	_ = in
}

func TestPlanHeaders(t *testing.T) {
	hs := []header{{"Authorization", "Bearer ${T}"}, {"X-Client", "me"}, {"x-api-key", "abc"}, {"X-API-KEY", "def"}}
	p, problem := planHeaders(hs, clientEnv{"env", true}, "cursor")
	if problem != "" {
		t.Fatal(problem)
	}
	want := []string{"--header-env", "Authorization=MOAT_HDR_AUTHORIZATION", "--header", "X-Client=me",
		"--header-env", "x-api-key=MOAT_HDR_X_API_KEY", "--header-env", "X-API-KEY=MOAT_HDR_X_API_KEY_2"}
	if strings.Join(p.args, " ") != strings.Join(want, " ") {
		t.Errorf("args = %q", p.args)
	}
	if strings.Join(p.secrets, ",") != "abc,def" {
		t.Errorf("secrets = %q", p.secrets)
	}
	for _, c := range []struct {
		ce   clientEnv
		hs   []header
		want string
	}{
		{clientEnv{}, []header{{"Authorization", "x"}}, "does not know whether"},
		{clientEnv{"env", false}, []header{{"Authorization", "${T}"}}, "expands references"},
		{clientEnv{"env", true}, []header{{"Bad Name", "x"}}, "not a valid"},
		{clientEnv{"env", true}, []header{{"X-A", "a\r\nX-Evil: 1"}}, "not a valid"},
	} {
		if _, problem := planHeaders(c.hs, c.ce, "x"); !strings.Contains(problem, c.want) {
			t.Errorf("%v: problem %q, want %q", c.hs, problem, c.want)
		}
	}
	if _, problem := planHeaders([]header{{"X-Client", "me"}}, clientEnv{}, ""); problem != "" {
		t.Errorf("plain header refused without env support: %s", problem)
	}
}

// TestUnknownClientRefusesCredentials: a file of an unknown client keeps
// its credential headers (and the server) as they are.
func TestUnknownClientRefusesCredentials(t *testing.T) {
	in := `{"mcpServers": {"r": {"url": "https://h.example/mcp", "headers": {"Authorization": "Bearer abcdef"}}}}`
	for _, client := range []string{"", "unknown"} {
		res, err := Wrap(JSON, []byte(in), Options{Moat: testMoat, Client: client})
		if err != nil || len(res.Records) != 0 || string(res.Data) != in || len(res.Skipped) != 1 {
			t.Errorf("client %q: %+v %v", client, res, err)
		}
		if strings.Contains(res.Skipped[0].Reason, "abcdef") {
			t.Errorf("the reason prints the secret: %s", res.Skipped[0].Reason)
		}
	}
}

func TestRedact(t *testing.T) {
	diff := "-  \"headers\": {\"X-Api-Key\": \"k\"},\n+  \"env\": {\"MOAT_HDR_X_API_KEY\": \"k\"},\n" +
		"+env = { A = \"long-secret-value\" }\n" +
		"    X-Key: k\n" + " keep k here\n"
	got := Redact(diff, []string{"k", "long-secret-value"})
	for _, bad := range []string{`"k"`, "long-secret-value", "X-Key: k\n"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q left in\n%s", bad, got)
		}
	}
	if !strings.Contains(got, "keep k here") {
		t.Errorf("a short secret was replaced inside other text:\n%s", got)
	}
}
