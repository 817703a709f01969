package wrap

import (
	"strings"
	"testing"
)

// TestYAMLShapes: what moat edits in YAML and what it refuses, with a
// message; everything it edits restores exactly and wraps once.
func TestYAMLShapes(t *testing.T) {
	for _, c := range []struct {
		name, in string
		wrapped  int
		skip     string // part of the one skip reason expected, "" for none
	}{
		{"crlf", "mcpServers:\r\n  - name: a\r\n    command: x\r\n    args:\r\n      - y\r\n", 1, ""},
		{"no final newline", "mcpServers:\n  - name: r\n    url: https://h.example/mcp", 1, ""},
		{"comments between", "mcpServers:\n  - name: a\n    command: x\n  # b is next\n\n  - name: b\n    command: y\n# trailer\n", 2, ""},
		{"folded command", "mcpServers:\n  - name: a\n    command: >\n      x\n", 0, "one line"},
		{"multi-line flow args", "mcpServers:\n  - name: a\n    command: x\n    args: [\n      y]\n", 0, "one line"},
		{"flow servers", "mcpServers: [{name: a, command: x}]\n", 0, "flow style"},
		{"flow entry", "mcpServers:\n  - {name: a, command: x}\n", 0, "block-style"},
		{"no name", "mcpServers:\n  - command: x\n", 0, "no name"},
		{"duplicate name", "mcpServers:\n  - name: a\n    command: x\n  - name: a\n    command: y\n", 0, "twice"},
		{"dash on its own line", "mcpServers:\n  -\n    name: a\n    command: x\n", 0, "unusual"},
		{"int arg", "mcpServers:\n  - name: a\n    command: x\n    args: [8080]\n", 0, "list of strings"},
		{"request options", "mcpServers:\n  - name: r\n    url: https://h.example/mcp\n    requestOptions:\n      verifySsl: false\n", 0, "requestOptions.verifySsl"},
		{"api key", "mcpServers:\n  - name: r\n    url: https://h.example/mcp\n    apiKey: abc\n", 0, "apiKey"},
		{"headers first", "mcpServers:\n  a:\n    headers:\n      X-Client: me\n    url: https://h.example/mcp\n", 0, "first key"},
		{"secret in url", "mcpServers:\n  - name: r\n    url: https://h.example/mcp?api_key=abcdef\n", 0, "query"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Wrap(YAML, []byte(c.in), Options{Moat: testMoat, Client: "continue"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Records) != c.wrapped {
				t.Errorf("wrapped %d, want %d; skipped %+v", len(res.Records), c.wrapped, res.Skipped)
			}
			var reasons []string
			for _, s := range res.Skipped {
				reasons = append(reasons, s.Reason)
			}
			if c.skip != "" && (len(reasons) != 1 || !strings.Contains(reasons[0], c.skip)) {
				t.Errorf("skips %q, want one with %q", reasons, c.skip)
			}
			if c.skip == "" && len(reasons) > 0 {
				t.Errorf("unexpected skips %q", reasons)
			}
			if c.wrapped == 0 && string(res.Data) != c.in {
				t.Errorf("nothing wrapped but the file changed:\n%s", res.Data)
			}
			if c.name == "crlf" && strings.Count(string(res.Data), "\n") != strings.Count(string(res.Data), "\r\n") {
				t.Errorf("line endings mixed:\n%q", res.Data)
			}
			roundTrip(t, YAML, []byte(c.in))
		})
	}
}

// bigContinue is a Continue config.yaml with n servers.
func bigContinue(n int) []byte {
	var b strings.Builder
	b.WriteString("name: big\nversion: 0.0.1\nschema: v1\nmcpServers:\n")
	for i := 0; i < n; i++ {
		b.WriteString("  # server\n  - name: s" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + itoa(i) + "\n    command: npx\n    args:\n      - -y\n      - \"@acme/mcp\"\n    env:\n      LOG: debug\n")
	}
	return []byte(b.String())
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}

func BenchmarkWrapContinue(b *testing.B) {
	for _, n := range []int{10, 100} {
		data := bigContinue(n)
		b.Run(itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				res, err := Wrap(YAML, data, Options{Moat: testMoat, Client: "continue"})
				if err != nil || len(res.Records) != n {
					b.Fatalf("%v %d %+v", err, len(res.Records), res.Skipped)
				}
			}
		})
	}
}
