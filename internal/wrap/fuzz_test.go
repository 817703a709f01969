package wrap

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	yaml "go.yaml.in/yaml/v3"
)

func seedFiles(f *testing.F, ext ...string) {
	f.Helper()
	all, _ := filepath.Glob("testdata/golden/*")
	for _, p := range all {
		for _, e := range ext {
			if strings.HasSuffix(p, e) {
				data, err := os.ReadFile(p)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(data)
			}
		}
	}
}

// roundTrip checks the properties every successful wrap must have.
func roundTrip(t *testing.T, format Format, data []byte) {
	o := Options{Moat: testMoat, Client: "claude-code"}
	switch format {
	case TOML:
		o.Client = "codex"
	case YAML:
		o.Client = "continue"
	}
	res, err := Wrap(format, data, o)
	if err != nil {
		return
	}
	back, restored, refused, err := Unwrap(format, res.Data, res.Records, "")
	if err != nil || len(refused) != 0 || len(restored) != len(res.Records) {
		t.Fatalf("unwrap: err=%v refused=%v", err, refused)
	}
	if string(back) != string(data) {
		t.Fatalf("unwrap did not restore:\n%q\n%q", data, back)
	}
	noHeaderInArgs(t, format, data, res)
	again, err := Wrap(format, res.Data, o)
	if err != nil {
		t.Fatalf("second wrap: %v", err)
	}
	if len(again.Records) != 0 {
		t.Fatalf("second wrap changed %d entries:\n%s", len(again.Records), res.Data)
	}
}

func FuzzJSON(f *testing.F) {
	seedFiles(f, ".json", ".jsonc")
	f.Add([]byte(`{"mcpServers":{"a":{"command":"x","args":[]}}}`))
	f.Add([]byte(`{"mcpServers":{"a":{"url":"http://h/","type":"sse",},},}`))
	f.Add([]byte(`{"mcp":{"a":{"command":[],"type":"local"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip(t, JSON, data) })
}

func FuzzTOML(f *testing.F) {
	seedFiles(f, ".toml")
	f.Add([]byte("[mcp_servers.a]\ncommand = \"x\"\n"))
	f.Add([]byte("[mcp_servers.a]\nurl = \"https://h/mcp\"\n[mcp_servers.a.env]\nX = \"1\"\n"))
	f.Add([]byte("[mcp_servers.a]\ncommand = \"x\"\nargs = [\n\"\"\"\n[mcp_servers.b]\n\"\"\"]\n[mcp_servers.b]\ncommand = \"y\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip(t, TOML, data) })
}

func FuzzYAML(f *testing.F) {
	seedFiles(f, ".yaml", ".yml")
	f.Add([]byte("mcpServers:\n  - name: a\n    command: x\n"))
	f.Add([]byte("mcpServers:\n- name: a\n  url: http://h/\n  requestOptions:\n    headers:\n      Authorization: t\n# end\n"))
	f.Add([]byte("mcpServers:\n  a:\n    command: x\n    args:\n    - |\n      y\n"))
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip(t, YAML, data) })
}

// FuzzEntry builds valid configurations from arbitrary names and values
// in both formats: each must wrap, and round-trip exactly.
func FuzzEntry(f *testing.F) {
	f.Add("files", "npx", "-y @x/y", "https://mcp.example.com/mcp")
	f.Add("we\"ird/~name", "C:\\a b\\c.exe", "\x01\u2028", "http://127.0.0.1:8/x")
	f.Fuzz(func(t *testing.T, name, cmd, args, url string) {
		argv := strings.Fields(args)
		if argv == nil {
			argv = []string{}
		}
		doc := map[string]any{"mcpServers": map[string]any{
			name:       map[string]any{"command": cmd, "args": argv, "env": map[string]string{"K": args}},
			name + "r": map[string]any{"type": "http", "url": url},
			name + "h": map[string]any{"type": "http", "url": url, "headers": map[string]string{"Authorization": args, "X-Client": cmd}},
		}}
		js, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return
		}
		roundTrip(t, JSON, js)
		tm, err := toml.Marshal(map[string]any{"mcp_servers": doc["mcpServers"]})
		if err != nil {
			return
		}
		roundTrip(t, TOML, tm)
		if hs, ok := doc["mcpServers"].(map[string]any)[name+"h"].(map[string]any); ok {
			hs["http_headers"] = hs["headers"]
			delete(hs, "headers")
		}
		if tm, err = toml.Marshal(map[string]any{"mcp_servers": doc["mcpServers"]}); err == nil {
			roundTrip(t, TOML, tm)
		}
		var list []any
		for _, n := range []string{name, name + "r", name + "h"} {
			srv := doc["mcpServers"].(map[string]any)[n].(map[string]any)
			item := map[string]any{"name": n}
			for k, v := range srv {
				if k == "http_headers" {
					k = "headers"
				}
				item[k] = v
			}
			list = append(list, item)
		}
		if ym, err := yaml.Marshal(map[string]any{"mcpServers": list}); err == nil {
			roundTrip(t, YAML, ym)
		}
	})
}

// FuzzUnwrap: arbitrary files and records never panic, and a refused or
// absent entry never changes the file.
func FuzzUnwrap(f *testing.F) {
	f.Add([]byte(`{"mcpServers":{"a":{"command":"x"}}}`), "mcpServers", "a", `{"command":"x"}`, `{"command":"y"}`, false)
	f.Add([]byte("[mcp_servers.a]\ncommand = \"x\"\n"), "mcp_servers", "a", "[mcp_servers.a]\ncommand = \"x\"\n", "x", true)
	f.Fuzz(func(t *testing.T, data []byte, p0, p1, wrapped, orig string, isTOML bool) {
		format := JSON
		if isTOML {
			format = TOML
		}
		recs := []Record{{Server: p1, Path: []string{p0, p1}, Original: orig, Wrapped: wrapped}, {Server: p0, Path: []string{p0}, Original: orig, Wrapped: wrapped}}
		out, restored, _, err := Unwrap(format, data, recs, "")
		if err == nil && len(restored) == 0 && string(out) != string(data) {
			t.Fatal("nothing restored but the file changed")
		}
	})
}
