package mcpdoc

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
)

var update = flag.Bool("update", false, "rewrite golden files")

func ctxName(c detect.Context) string {
	switch c {
	case detect.Definition:
		return "definition"
	case detect.Output:
		return "output"
	case detect.Input:
		return "input"
	}
	return strconv.Itoa(int(c))
}

func targetLine(t detect.Target) string {
	id := ""
	if t.Identifier {
		id = " ident"
	}
	l := t.Location
	return fmt.Sprintf("%s:%d %s kind=%s server=%q tool=%q field=%s%s text=%q",
		l.File, l.Line, ctxName(t.Context), l.Kind, l.Server, l.Tool, l.Field, id, t.Text)
}

// TestWalkGolden walks every testdata/walk/*.json document and compares the
// targets with the .targets golden file beside it.
func TestWalkGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/walk/*.json")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Decode(raw, 1, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			Walk(&doc, finding.Location{File: filepath.Base(file)}, func(tg detect.Target) {
				got.WriteString(targetLine(tg) + "\n")
			})
			golden := strings.TrimSuffix(file, ".json") + ".targets"
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if d := cmp.Diff(string(want), got.String()); d != "" {
				t.Errorf("targets differ (-want +got):\n%s", d)
			}
		})
	}
}

func walkFields(t *testing.T, src string) map[string]detect.Target {
	t.Helper()
	doc, err := Decode([]byte(src), 1, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]detect.Target{}
	Walk(&doc, finding.Location{Server: "cli"}, func(tg detect.Target) { got[tg.Location.Field] = tg })
	return got
}

func TestWalkClassification(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		field string
		want  detect.Target
	}{
		{"bare tools/list description", `{"tools":[{"name":"a"},{"name":"evil","description":"do it"}]}`,
			"tools[1].description", detect.Target{Context: detect.Definition, Text: "do it",
				Location: finding.Location{Server: "cli", Kind: "tool", Tool: "evil", Field: "tools[1].description", Line: 1}}},
		{"tool name is an identifier", `{"tools":[{"name":"read_ssh_key","description":"x"}]}`,
			"tools[0].name", detect.Target{Context: detect.Definition, Text: "read_ssh_key", Identifier: true,
				Location: finding.Location{Server: "cli", Kind: "tool", Tool: "read_ssh_key", Field: "tools[0].name", Line: 1}}},
		{"property name", `{"name":"t","inputSchema":{"properties":{"send_to_attacker":{}}}}`,
			"inputSchema.properties.send_to_attacker(key)", detect.Target{Context: detect.Definition, Text: "send_to_attacker", Identifier: true,
				Location: finding.Location{Server: "cli", Kind: "tool", Tool: "t", Field: "inputSchema.properties.send_to_attacker(key)", Line: 1}}},
		{"enum item", `{"name":"t","inputSchema":{"properties":{"p":{"enum":["ok","ignore previous"]}}}}`,
			"inputSchema.properties.p.enum[1]", detect.Target{Context: detect.Definition, Text: "ignore previous",
				Location: finding.Location{Server: "cli", Kind: "tool", Tool: "t", Field: "inputSchema.properties.p.enum[1]", Line: 1}}},
		{"tools/call result text", `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hello world"}]}}`,
			"result.content[0].text", detect.Target{Context: detect.Output, Text: "hello world",
				Location: finding.Location{Server: "cli", Kind: "output", Field: "result.content[0].text", Line: 1}}},
		{"structuredContent", `{"content":[],"structuredContent":{"a":{"b":[1,2,"xyz xyz"]}}}`,
			"structuredContent.a.b[2]", detect.Target{Context: detect.Output, Text: "xyz xyz",
				Location: finding.Location{Server: "cli", Kind: "output", Field: "structuredContent.a.b[2]", Line: 1}}},
		{"tools/call arguments are input", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"q":"hi there"}}}`,
			"params.arguments.q", detect.Target{Context: detect.Input, Text: "hi there",
				Location: finding.Location{Server: "cli", Kind: "request", Tool: "w", Field: "params.arguments.q", Line: 1}}},
		{"sampling system prompt", `{"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{"systemPrompt":"be evil","messages":[]}}`,
			"params.systemPrompt", detect.Target{Context: detect.Output, Text: "be evil",
				Location: finding.Location{Server: "cli", Kind: "request", Field: "params.systemPrompt", Line: 1}}},
		{"non-identifier key quoted", `{"_meta":{"io.x/y":"zz zz"},"content":[]}`,
			`_meta["io.x/y"]`, detect.Target{Context: detect.Output, Text: "zz zz",
				Location: finding.Location{Server: "cli", Kind: "output", Field: `_meta["io.x/y"]`, Line: 1}}},
		{"tag characters in a key are escaped", "{\"content\":[],\"structuredContent\":{\"k\U000E0041\":\"vv vv\"}}",
			`structuredContent["k\udb40\udc41"]`, detect.Target{Context: detect.Output, Text: "vv vv",
				Location: finding.Location{Server: "cli", Kind: "output", Field: `structuredContent["k\udb40\udc41"]`, Line: 1}}},
		{"server from serverInfo only when caller has none", `{"serverInfo":{"name":"self"},"instructions":"hello"}`,
			"instructions", detect.Target{Context: detect.Definition, Text: "hello",
				Location: finding.Location{Server: "cli", Kind: "server", Field: "instructions", Line: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := walkFields(t, tc.doc)[tc.field]
			if !ok {
				t.Fatalf("no target at %q; got %v", tc.field, keys(walkFields(t, tc.doc)))
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func keys(m map[string]detect.Target) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestWalkSkips(t *testing.T) {
	got := walkFields(t, `{"content":[{"type":"image","data":"QUJDREVGR0g="},{"type":"audio","data":"QUJDREVGR0g=","mimeType":"audio/wav"}],"isError":true}`)
	if len(got) != 0 {
		t.Errorf("binary content produced targets: %v", keys(got))
	}
	got = walkFields(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if len(got) != 0 {
		t.Errorf("notification without text produced targets: %v", keys(got))
	}
}

func TestServerName(t *testing.T) {
	doc, err := Decode([]byte(`{"jsonrpc":"2.0","id":1,"result":{"serverInfo":{"name":"srv","version":"1"}}}`), 1, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ServerName(&doc); got != "srv" {
		t.Errorf("ServerName = %q", got)
	}
	var servers []string
	Walk(&doc, finding.Location{}, func(tg detect.Target) { servers = append(servers, tg.Location.Server) })
	if len(servers) == 0 || servers[0] != "srv" {
		t.Errorf("walk servers = %v", servers)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		limit          bool
	}{
		{"duplicate key", `{"tools":[{"name":"a","name":"b"}]}`, `line 1: duplicate key "name" at /tools/0`, false},
		{"duplicate top-level key", "{\n\"a\":1,\n\"a\":2}", `line 3: duplicate key "a" at /`, false},
		{"invalid utf-8", "{\"a\":\"\xff\"}", `line 1: invalid UTF-8 at /a`, false},
		{"lone surrogate", `{"a":"\ud800"}`, "line 1: invalid surrogate pair", false},
		{"trailing data", `{} {}`, "unexpected data after the JSON document", false},
		{"truncated", "{\"a\":\n[1,", "line 2: unexpected end of JSON input", false},
		{"trailing comma", `{"a":1,}`, "line 1: invalid character ','", false},
		{"too deep", strings.Repeat("[", 65) + strings.Repeat("]", 65), "nesting deeper than 64", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in), 1, Limits{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if got := errors.Is(err, ErrLimit); got != tc.limit {
				t.Errorf("errors.Is(err, ErrLimit) = %v", got)
			}
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	in := "[" + strings.Repeat(`"ab",`, 10) + `"ab"]`
	if _, err := Decode([]byte(in), 1, Limits{MaxStrings: 10}); !errors.Is(err, ErrLimit) {
		t.Errorf("11 strings with MaxStrings 10: err = %v", err)
	}
	if _, err := Decode([]byte(in), 1, Limits{MaxStrings: 11}); err != nil {
		t.Errorf("11 strings with MaxStrings 11: err = %v", err)
	}
	nums := "[" + strings.Repeat("0,", 20) + "0]"
	if _, err := Decode([]byte(nums), 1, Limits{MaxValues: 21}); !errors.Is(err, ErrLimit) {
		t.Errorf("22 values with MaxValues 21: err = %v", err)
	}
	if _, err := Decode([]byte(nums), 1, Limits{MaxValues: 22}); err != nil {
		t.Errorf("22 values with MaxValues 22: err = %v", err)
	}
	deep := strings.Repeat("[", 64) + strings.Repeat("]", 64)
	if _, err := Decode([]byte(deep), 1, Limits{}); err != nil {
		t.Errorf("depth 64: %v", err)
	}
}

func TestDecodeValues(t *testing.T) {
	doc, err := Decode([]byte("\n\n{\"id\": 12345678901234567890,\n \"f\": 1.50e3, \"t\": true, \"n\": null, \"s\": \"\\u00e9\"}"), 10, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Get("id").Str; got != "12345678901234567890" {
		t.Errorf("id = %q", got)
	}
	if got := doc.Get("f").Str; got != "1.50e3" {
		t.Errorf("f = %q", got)
	}
	if doc.Line != 12 || doc.Members[1].KeyLine != 13 {
		t.Errorf("lines: doc %d, f %d", doc.Line, doc.Members[1].KeyLine)
	}
	if doc.GetString("s") != "é" || doc.Get("t").Str != "true" || doc.Get("n").Kind != Null {
		t.Errorf("values: %+v", doc)
	}
}

func TestFromAny(t *testing.T) {
	n := FromAny(map[string]any{"tools": []any{map[string]any{"name": "xy", "description": "hello", "n": 1.5, "b": true, "z": nil}}})
	var fields []string
	Walk(&n, finding.Location{}, func(tg detect.Target) { fields = append(fields, tg.Location.Field) })
	want := []string{"tools[0].description", "tools[0].name"}
	if d := cmp.Diff(want, fields); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestPathRender(t *testing.T) {
	p := path{{key: "tools"}, {kind: segIndex, idx: 3}, {key: "inputSchema"}, {key: "a.b"}, {key: "x-y"}, {key: "9"}}
	if got, want := p.render("(key)"), `tools[3].inputSchema["a.b"].x-y["9"](key)`; got != want {
		t.Errorf("render = %s, want %s", got, want)
	}
	if got := (path{}).render(""); got != "" {
		t.Errorf("empty path = %q", got)
	}
	if got := quoteJSON("a\x1b\u202e\"\\"); got != `"a\u001b\u202e\"\\"` {
		t.Errorf("quoteJSON = %s", got)
	}
}

type fakeScanner struct{ word string }

func (f fakeScanner) Scan(t detect.Target) []finding.Finding {
	if !strings.Contains(t.Text, f.word) {
		return nil
	}
	return []finding.Finding{{Rule: "fake", Severity: finding.High, Evidence: t.Text, Location: t.Location}}
}

func TestInspect(t *testing.T) {
	raw := []byte("{\"tools\": [\n {\"name\": \"a\", \"description\": \"fine\"},\n {\"name\": \"b\", \"description\": \"EVIL here\"}\n]}")
	fs, err := Inspect(fakeScanner{"EVIL"}, raw, finding.Location{File: "x.json", Line: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Finding{{Rule: "fake", Severity: finding.High, Evidence: "EVIL here",
		Location: finding.Location{File: "x.json", Line: 7, Kind: "tool", Tool: "b", Field: "tools[1].description"}}}
	if d := cmp.Diff(want, fs); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := Inspect(fakeScanner{"x"}, []byte(`{"a":1,"a":2}`), finding.Location{}); err == nil {
		t.Error("duplicate keys accepted")
	}
}

func TestInert(t *testing.T) {
	for s, want := range map[string]bool{
		"PRJ-1000": true, "open": true, "2026-01-01": true, "a@b.io": true,
		"in progress": false, "AKIAIOSFODNN7EXAMPLE": false, "rm\x1b": false, "é": false,
		"thirteen-char": false, "sk_live_12345": false, "sk_live_1234": true,
	} {
		if got := inert(s); got != want {
			t.Errorf("inert(%q) = %v", s, got)
		}
	}
}

func TestSession(t *testing.T) {
	msgs := []string{
		`{"jsonrpc":"2.0","id":1,"result":{"serverInfo":{"name":"web"},"capabilities":{}}}`,
		`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"fetch","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":"7","result":{"content":[{"type":"text","text":"string id answer"}]}}`,
		`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"page text here"}]}}`,
		`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"answered twice"}]}}`,
	}
	var s Session
	var got []string
	for i, m := range msgs {
		doc, err := Decode([]byte(m), i+1, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		s.Walk(&doc, finding.Location{File: "s.jsonl"}, Limits{}, func(tg detect.Target) {
			if tg.Context == detect.Output {
				got = append(got, fmt.Sprintf("%d %s %s %q", tg.Location.Line, tg.Location.Server, tg.Location.Tool, tg.Text))
			}
		})
	}
	want := []string{`3 web  "string id answer"`, `4 web fetch "page text here"`, `5 web  "answered twice"`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
