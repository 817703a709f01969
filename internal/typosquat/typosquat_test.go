package typosquat

import (
	"strings"
	"testing"
)

func mustDefault(t testing.TB) *List {
	t.Helper()
	l, err := Default()
	if err != nil {
		t.Fatalf("embedded list: %v", err)
	}
	return l
}

// Every listed name, in every spelling its registry treats as the same,
// is recognised as itself and never as an imitation.
func TestOfficialNamesNeverFlagged(t *testing.T) {
	l := mustDefault(t)
	for _, p := range l.Packages() {
		names := []string{p.Name, strings.ToUpper(p.Name)}
		if p.Ecosystem == PyPI {
			names = append(names, strings.ReplaceAll(p.Name, "-", "_"))
		}
		for _, n := range names {
			m, ok := l.Check(p.Ecosystem, n)
			if !ok || m.Kind != Official || m.Package.Name != p.Name {
				t.Errorf("Check(%s, %q) = %+v, %v; want official %q", p.Ecosystem, n, m, ok, p.Name)
			}
		}
	}
}

func TestImitationsFlagged(t *testing.T) {
	l := mustDefault(t)
	tests := []struct {
		eco  Ecosystem
		name string
		kind Kind
		of   string
	}{
		{NPM, "@mcp-servers/postgres", ScopeTrick, "@modelcontextprotocol/server-postgres"},
		{NPM, "@modelcontextprotocol-official/server-postgres", ScopeTrick, "@modelcontextprotocol/server-postgres"},
		{NPM, "modelcontextprotocol-server-postgres", SeparatorSwap, "@modelcontextprotocol/server-postgres"},
		{NPM, "modelcontextprotocol_server-filesystem", SeparatorSwap, "@modelcontextprotocol/server-filesystem"},
		{NPM, "server-filesystem", DroppedScope, "@modelcontextprotocol/server-filesystem"},
		{NPM, "@modelcontextprotoco1/server-filesystem", Homoglyph, "@modelcontextprotocol/server-filesystem"},
		{NPM, "@modeicontextprotocol/server-memory", Homoglyph, "@modelcontextprotocol/server-memory"},
		{NPM, "@modelcontextprotocol/server-fiIesystem", Official, ""}, // owned scope: npm lower-cases; see below
		{NPM, "@modelcontextprotocl/server-github", ScopeTrick, "@modelcontextprotocol/server-github"},
		{NPM, "@playwrigth/mcp", Typo, "@playwright/mcp"},
		{NPM, "firecrawl-mpc", Typo, "firecrawl-mcp"},
		{NPM, "firecrawl-mcp-server", Suffix, "firecrawl-mcp"},
		{NPM, "chrome-devtools-mcp-official", Suffix, "chrome-devtools-mcp"},
		{NPM, "mcp-server-fetch", Ecosystem2, "mcp-server-fetch"},
		{NPM, "mcp-remotе", Homoglyph, "mcp-remote"}, // Cyrillic е
		{PyPI, "mcp-server-fecth", Typo, "mcp-server-fetch"},
		{PyPI, "mcp-server-tirne", Homoglyph, "mcp-server-time"},
		{OCI, "ghcr.io/githbu/github-mcp-server", Typo, "ghcr.io/github/github-mcp-server"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := l.Check(tc.eco, tc.name)
			if tc.kind == Official {
				// A name inside an owned scope is not an imitation.
				if ok && m.Kind != Official {
					t.Fatalf("flagged %+v", m)
				}
				return
			}
			if !ok {
				t.Fatalf("not flagged; want %s of %s", tc.kind, tc.of)
			}
			if m.Kind != tc.kind || m.Package.Name != tc.of {
				t.Fatalf("got %s of %s (d=%d); want %s of %s", m.Kind, m.Package.Name, m.Distance, tc.kind, tc.of)
			}
		})
	}
}

// Unrelated community packages are not imitations. The list includes the
// popular npm names that earlier, looser rules flagged.
func TestKnownNamesNotFlagged(t *testing.T) {
	l := mustDefault(t)
	for _, tc := range []struct {
		eco  Ecosystem
		name string
	}{
		{NPM, "@benborla29/mcp-server-mysql"},
		{NPM, "@someone/github-mcp"},
		{NPM, "typescript"},
		{NPM, "mcp-server-docker"},
		{NPM, "@modelcontextprotocol/server-brand-new"},
		{PyPI, "requests"},
		{PyPI, "mcp-server-docker"},
		{OCI, "ghcr.io/acme/widgets"},
		{NPM, "exa"},
		{NPM, "mongodb"}, {NPM, "fastmcp"}, {NPM, "inspector"}, {NPM, "@mcp-use/inspector"},
		{NPM, "@mcp-use/modelcontextprotocol-sdk"}, {NPM, "@chatmcp/sdk"}, {NPM, "@mcpjam/inspector"},
		{NPM, "@mcpjam/sdk"}, {NPM, "slack-mcp-server"}, {NPM, "notion-mcp-server"}, {NPM, "firecrawl"},
		{NPM, "tavily"}, {NPM, "mcp"}, {NPM, "sdk"}, {NPM, "remote"}, {NPM, "mcp-server"},
		{NPM, "playwright-mcp-server"}, {NPM, "mcp-atlassian"},
	} {
		if m, ok := l.Check(tc.eco, tc.name); ok {
			t.Errorf("Check(%s, %q) flagged: %s of %s (d=%d)", tc.eco, tc.name, m.Kind, m.Package.Name, m.Distance)
		}
	}
}

func TestArchivedHaveSources(t *testing.T) {
	l := mustDefault(t)
	n := 0
	for _, p := range l.Packages() {
		if p.Archived() {
			n++
			if p.Replacement != "" {
				if _, ok := l.Lookup(NPM, p.Replacement); !ok {
					if _, ok := l.Lookup(OCI, p.Replacement); !ok {
						if _, ok := l.Lookup(PyPI, p.Replacement); !ok {
							t.Errorf("%s: replacement %q is not itself listed", p.Name, p.Replacement)
						}
					}
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d archived packages listed", n)
	}
	for _, name := range []string{"@modelcontextprotocol/server-postgres", "@modelcontextprotocol/server-github"} {
		p, ok := l.Lookup(NPM, name)
		if !ok || !p.Archived() {
			t.Errorf("%s should be listed as archived", name)
		}
	}
}

func TestLoadStrict(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field": "version: 1\npackages:\n- name: a\n  ecosystem: npm\n  source: x\n  colour: red\n",
		"no source":     "version: 1\npackages:\n- name: a\n  ecosystem: npm\n",
		"bad eco":       "version: 1\npackages:\n- name: a\n  ecosystem: cargo\n  source: x\n",
		"duplicate":     "version: 1\npackages:\n- {name: a, ecosystem: npm, source: x}\n- {name: A, ecosystem: npm, source: y}\n",
		"version":       "version: 2\npackages: []\n",
		"bad status":    "version: 1\npackages:\n- {name: a, ecosystem: npm, source: x, status: gone}\n",
	} {
		if _, err := Load([]byte(doc)); err == nil {
			t.Errorf("%s: Load accepted it", name)
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"@mcp-servers/postgres", "modelcontextprotocol-server-postgres", "", "@", "@/", "a/b/c", "ｍｃｐ"} {
		f.Add(s)
	}
	l := mustDefault(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, eco := range []Ecosystem{NPM, PyPI, OCI} {
			m, ok := l.Check(eco, s)
			if ok && m.Package.Name == "" {
				t.Fatalf("match without package for %q", s)
			}
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	l := mustDefault(b)
	for b.Loop() {
		l.Check(NPM, "@mcp-servers/postgres")
	}
}
