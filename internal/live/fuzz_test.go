package live

import "testing"

func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}`,
		`[{"jsonrpc":"2.0","method":"notifications/progress"},{"jsonrpc":"2.0","id":"a","method":"ping"}]`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}}`,
		`{"jsonrpc":"2.0","id":1,"id":2,"result":{}}`,
		`{"JSONRPC":"2.0","id":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, err := decodeFrame(b)
		if err == nil && len(b) > 0 && b[0] == '{' && len(msgs) != 1 {
			t.Fatalf("object frame decoded to %d messages", len(msgs))
		}
	})
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{"${A}", "x${env:A}y${B:-d}", "${", "${}", "$${A}}"} {
		f.Add(s)
	}
	env := map[string]string{"A": "1", "B": ""}
	f.Fuzz(func(t *testing.T, s string) {
		if got := Expand(s, env); len(got) > len(s)+8*len(s) {
			t.Fatalf("expansion grew too much: %q -> %q", s, got)
		}
	})
}
