package policy

import (
	"slices"
	"testing"
)

// TestCELRequiredArgs: the has(args.K) shortcut gives what CEL itself
// gives, for present and absent keys, including expressions whose other
// conjuncts fail.
func TestCELRequiredArgs(t *testing.T) {
	tests := []struct {
		expr  string
		needs []string
	}{
		{`has(args.command) && args.command.contains("deploy")`, []string{"command"}},
		{`has(args.a) && (has(args.b) && args.b == "x")`, []string{"a", "b"}},
		{`has(args.a) || args.b == "x"`, nil},
		{`!has(args.a)`, nil},
		{`has(args.a) && args.a / 0 == 1`, []string{"a"}},
		{`has(tool.name) && tool.name == "t"`, nil},
		{"[{\"x\": 1}].exists(args, has(args.x))", nil},
	}
	for _, tc := range tests {
		c := &celProg{expr: tc.expr}
		if _, err := c.program(); err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if !slices.Equal(c.needs, tc.needs) {
			t.Errorf("%s: needs %q, want %q", tc.expr, c.needs, tc.needs)
		}
		for _, raw := range []string{`{}`, `{"command":"deploy now"}`, `{"a":1,"b":"x"}`, `{"a":"s"}`, `{"b":"x"}`, `{"a":null}`} {
			args, err := decodeArgs([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			req := Request{Server: Server{Name: "s"}, Tool: Tool{Name: "t"}, Arguments: []byte(raw), Now: t0}
			x := &evalCtx{req: &req, args: args}
			got, gerr := c.eval(x)
			full := &celProg{expr: tc.expr}
			full.program()
			full.needs = nil
			want, werr := full.eval(x)
			if got != want || (gerr == nil) != (werr == nil) {
				t.Errorf("%s on %s: shortcut %v, %v; CEL %v, %v", tc.expr, raw, got, gerr, want, werr)
			}
		}
	}
}
