package policy

import (
	"strings"
	"testing"
)

func TestParseProblems(t *testing.T) {
	tests := []struct {
		doc  string
		line int
		want string
	}{
		{"rules:\n  - id: a\n    action: deny\n    action: allow\n", 4, `"action" already defined`},
		{"rules:\n  - id: a\n    action: deny\n    args:\n      - path: x\n        regx: a\n", 6, `unknown key "regx" in an args entry`},
		{"defualt: deny\n", 1, `unknown key "defualt" in the policy file`},
		{"builtins:\n  disable:\n    - id: url-internal\n      reson: x\n", 4, `unknown key "reson" in a builtins.disable entry`},
		{"rules:\n  - id: a\n    action: deny\n    labels: [x]\n", 4, "cannot unmarshal"},
		{"rules: [{id: a, action: deny}]\n---\nrules: []\n", 2, "more than one YAML document"},
		{"rules:\n  - id: a\n    action: sometimes\n", 2, `action "sometimes"`},
		{"rules:\n  - id: a\n    action: deny\n    args:\n      - {path: x, regex: a, prefix: b}\n", 5, "exactly one"},
		{"rules:\n  - id: a\n    action: deny\n    args:\n      - {path: 'x[', regex: a}\n", 5, "missing ]"},
		{"rules:\n  - id: a\n    action: deny\n    taint: [tired]\n", 2, `taint "tired"`},
		{"version: 9\n", 0, "newer"},
		{"rules:\n  - {id: a, action: deny}\n  - {id: a, action: ask}\n", 3, "duplicate rule id"},
		{"rules:\n  - {action: deny}\n", 2, "no id"},
		{"default: never\n", 0, `default "never"`},
	}
	for _, tc := range tests {
		_, probs, err := Load([]Source{{Name: "p.yaml", Data: []byte(tc.doc)}}, Options{EagerCEL: true})
		if err == nil || len(probs) == 0 {
			t.Errorf("%q: no error", tc.doc)
			continue
		}
		found := false
		for _, p := range probs {
			if strings.Contains(p.Message, tc.want) && p.Line == tc.line {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: want line %d %q, got %v", tc.doc, tc.line, tc.want, probs)
		}
	}
}
