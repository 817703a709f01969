package pin

import (
	"bytes"
	"testing"
)

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{"name":"a","b":[1,2.50,{"z":null,"y":true}]}`, `{"a":"\u00e9\ud83d\ude00"}`, `[1e400]`, `{"a":1,"a":2}`, `-0`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Canonical(in)
		if err != nil {
			return
		}
		// Canonical form is a fixed point.
		c2, err := Canonical(c)
		if err != nil || !bytes.Equal(c, c2) {
			t.Fatalf("not idempotent: %q -> %q (%v)", c, c2, err)
		}
		if tl, err := FingerprintTool(in); err == nil {
			if tl2, err := FingerprintTool(c); err != nil || tl2.Hash != tl.Hash {
				t.Fatalf("fingerprint differs on canonical input")
			}
		}
	})
}

func FuzzParseLock(f *testing.F) {
	l := Lockfile{Servers: []Server{{Name: "s", Tools: []Entry{}}}}
	if s, errs := NewServer("n", Info{Name: "n", Version: "1"}, "hi", [][]byte{[]byte(`{"name":"t","description":"d"}`)}); len(errs) == 0 {
		l.Servers = append(l.Servers, s)
	}
	good, _ := l.Encode()
	f.Add(good)
	f.Add([]byte(`{"version":1,"servers":[]}`))
	f.Add([]byte(`{"version":1,"servers":[{"name":"a","server_info":{},"tools":[{"name":"t"}]}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := ParseLock(in)
		if err != nil {
			return
		}
		out, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		l2, err := ParseLock(out)
		if err != nil {
			t.Fatalf("re-encoded lockfile does not parse: %v\n%s", err, out)
		}
		if d := DiffLock(l, l2); len(d) != 0 {
			t.Fatalf("round trip changed: %v", d)
		}
	})
}
