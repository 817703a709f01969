package vet

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTarget(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		in      string
		want    Target
		wantErr bool
	}{
		{in: "npm:@modelcontextprotocol/server-filesystem", want: Target{Ecosystem: NPM, Name: "@modelcontextprotocol/server-filesystem"}},
		{in: "npm:@modelcontextprotocol/server-filesystem@2025.8.21", want: Target{Ecosystem: NPM, Name: "@modelcontextprotocol/server-filesystem", Version: "2025.8.21"}},
		{in: "npm:left-pad@latest", want: Target{Ecosystem: NPM, Name: "left-pad", Version: "latest"}},
		{in: "NPM:left-pad", want: Target{Ecosystem: NPM, Name: "left-pad"}},
		{in: "pypi:mcp-server-fetch", want: Target{Ecosystem: PyPI, Name: "mcp-server-fetch"}},
		{in: "pypi:mcp-server-fetch@2025.4.7", want: Target{Ecosystem: PyPI, Name: "mcp-server-fetch", Version: "2025.4.7"}},
		{in: "pypi:mcp_server.fetch==1.0", want: Target{Ecosystem: PyPI, Name: "mcp_server.fetch", Version: "1.0"}},
		{in: "oci:ghcr.io/github/github-mcp-server", want: Target{Ecosystem: OCI, Name: "ghcr.io/github/github-mcp-server"}},
		{in: "oci:mcp/fetch:1.2", want: Target{Ecosystem: OCI, Name: "mcp/fetch", Version: "1.2"}},
		{in: "oci:localhost:5000/x/y:v1", want: Target{Ecosystem: OCI, Name: "localhost:5000/x/y", Version: "v1"}},
		{in: "oci:alpine@" + digest, want: Target{Ecosystem: OCI, Name: "alpine", Digest: digest}},
		{in: "oci://ghcr.io/a/b", want: Target{Ecosystem: OCI, Name: "ghcr.io/a/b"}},
		{in: "github:modelcontextprotocol/servers", want: Target{Ecosystem: GitHub, Name: "modelcontextprotocol/servers"}},
		{in: "github:o/r.git", want: Target{Ecosystem: GitHub, Name: "o/r"}},
		{in: "left-pad", wantErr: true},
		{in: "npm:", wantErr: true},
		{in: "npm:Left-Pad", wantErr: true},
		{in: "npm:@scope", wantErr: true},
		{in: "npm:pkg@", wantErr: true},
		{in: "npm:pkg name", wantErr: true},
		{in: "npm:../etc/passwd", wantErr: true},
		{in: "pypi:-bad", wantErr: true},
		{in: "pypi:ok@", wantErr: true},
		{in: "pypi:ok==1;rm", wantErr: true},
		{in: "oci:alpine@sha256:abc", wantErr: true},
		{in: "oci:alpine:", wantErr: true},
		{in: "oci:/x", wantErr: true},
		{in: "github:owner", wantErr: true},
		{in: "github:o/r/extra", wantErr: true},
		{in: "cargo:serde", wantErr: true},
		{in: "npm:" + strings.Repeat("a", 600), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTarget(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseTarget(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("ParseTarget(%q) (-want +got):\n%s", tc.in, diff)
				}
				if back, err := ParseTarget(got.String()); err != nil || back != got {
					t.Errorf("round trip of %q: %v, %+v", got.String(), err, back)
				}
			}
		})
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"npm:@a/b@1.0.0", "pypi:x==1", "oci:ghcr.io/a/b:c@sha256:" + strings.Repeat("0", 64), "github:o/r", "npm:", ":", "oci:a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTarget(s)
		if err != nil {
			return
		}
		if got.Name == "" {
			t.Fatalf("ParseTarget(%q) accepted an empty name", s)
		}
		back, err := ParseTarget(got.String())
		if err != nil || back != got {
			t.Fatalf("round trip of %q via %q: %+v, %v", s, got.String(), back, err)
		}
	})
}

func TestParseGitHubURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://github.com/modelcontextprotocol/servers.git", "modelcontextprotocol/servers"},
		{"git+https://github.com/o/r.git", "o/r"},
		{"git://github.com/o/r", "o/r"},
		{"git+ssh://git@github.com/o/r.git", "o/r"},
		{"git@github.com:o/r.git", "o/r"},
		{"github:o/r", "o/r"},
		{"https://github.com/o/r/tree/main/src/x", "o/r"},
		{"https://www.github.com/o/r#readme", "o/r"},
		{"https://notgithub.com/o/r", ""},
		{"https://gitlab.com/o/r", ""},
		{"https://github.com/o", ""},
		{"https://evil.example/github.com/o/r", ""},
	}
	for _, tc := range tests {
		o, r, ok := ParseGitHubURL(tc.in)
		got := ""
		if ok {
			got = o + "/" + r
		}
		if got != tc.want {
			t.Errorf("ParseGitHubURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
