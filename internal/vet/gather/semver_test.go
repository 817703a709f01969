package gather

import "testing"

func TestMaxSatisfying(t *testing.T) {
	vs := []string{"0.1.0", "0.1.5", "0.2.0", "1.0.0", "1.2.3", "1.2.9", "1.3.0", "2.0.0-beta.1", "2.0.0", "2.1.0", "3.0.0-rc.1"}
	tests := []struct{ rng, want string }{
		{"^1.2.3", "1.3.0"},
		{"~1.2.3", "1.2.9"},
		{"1.2.3", "1.2.3"},
		{"=1.2.3", "1.2.3"},
		{">=1.0.0 <2.0.0", "1.3.0"},
		{">= 1.0.0 < 2.0.0", "1.3.0"},
		{"1.x", "1.3.0"},
		{"1.2.x", "1.2.9"},
		{"1", "1.3.0"},
		{"*", "2.1.0"},
		{"", "2.1.0"},
		{"latest", "2.1.0"},
		{"^0.1.0", "0.1.5"},
		{"^0.0.1", ""},
		{"1.0.0 - 1.2.5", "1.2.3"},
		{"1.0.0 - 1.2", "1.2.9"},
		{"^1.0.0 || ^2.0.0", "2.1.0"},
		{"<1.0.0", "0.2.0"},
		{">2.0.0", "2.1.0"},
		{"2.0.0-beta.1", "2.0.0-beta.1"},
		{"^3.0.0-rc.1", "3.0.0-rc.1"},
		{"^4.0.0", ""},
		{"git+https://x/y.git", ""},
		{"file:../x", ""},
	}
	for _, tc := range tests {
		got, _ := maxSatisfying(vs, tc.rng)
		if got != tc.want {
			t.Errorf("maxSatisfying(%q) = %q, want %q", tc.rng, got, tc.want)
		}
	}
}

func FuzzRange(f *testing.F) {
	for _, s := range []string{"^1.2.3", "1.0.0 - 2", ">=1 <2 || 3.x", "~0", "npm:x@1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, r string) {
		_, _ = maxSatisfying([]string{"1.0.0", "2.0.0-a", "0.0.1"}, r)
	})
}
