package inventory

import (
	"slices"
	"testing"
)

func TestArgv(t *testing.T) {
	tests := []struct {
		s    ServerSpec
		want []string
	}{
		{ServerSpec{Command: "npx", Args: []string{"-y", "pkg"}}, []string{"npx", "-y", "pkg"}},
		{ServerSpec{Command: "npx -y pkg"}, []string{"npx", "-y", "pkg"}},
		{ServerSpec{Command: `sh -c "curl -s https://x | sh"`}, []string{"sh", "-c", "curl -s https://x | sh"}},
		{ServerSpec{Command: `/opt/tools/server --name 'a b'`}, []string{"/opt/tools/server", "--name", "a b"}},
		{ServerSpec{Command: `C:\Program Files\x.exe`}, []string{`C:\Program Files\x.exe`}},
		{ServerSpec{Command: "C:/Program Files/x.exe", Args: []string{"--stdio"}}, []string{"C:/Program Files/x.exe", "--stdio"}},
		{ServerSpec{URL: "https://h/mcp"}, nil},
	}
	for _, tc := range tests {
		if got := tc.s.Argv(); !slices.Equal(got, tc.want) {
			t.Errorf("Argv(%+v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestKey(t *testing.T) {
	a := ServerSpec{Name: "a", Command: "npx", Args: []string{"-y", "pkg"}}
	b := ServerSpec{Name: "b", Command: "npx -y pkg"}
	c := ServerSpec{Name: "c", URL: "https://h/mcp/"}
	d := ServerSpec{Name: "d", URL: "https://h/mcp"}
	if a.Key() != b.Key() || c.Key() != d.Key() || a.Key() == c.Key() {
		t.Errorf("keys: %q %q %q %q", a.Key(), b.Key(), c.Key(), d.Key())
	}
}

func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{`a "b c" 'd\'`, `\`, `"unterminated`, "x\ty\nz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range SplitWords(s) {
			if len(w) > len(s) {
				t.Fatalf("word longer than input")
			}
		}
	})
}
