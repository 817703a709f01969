// Package scan runs moat's static checks over a discovered inventory of MCP
// servers and client settings, without starting any server: typosquatted
// and archived packages, unpinned and remotely fetched code, secrets written
// into configs, plaintext transports, permission postures that never ask,
// over-broad enablement and filesystem roots. Every finding carries a fix.
package scan

import (
	"strings"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/typosquat"
)

// DefaultMaxProjectServers is how many servers one project may have enabled
// before moat suggests trimming (the seed's "one server per project").
const DefaultMaxProjectServers = 5

// Options tune the checks.
type Options struct {
	// MaxProjectServers is the per-project limit (default 5; <0 disables).
	MaxProjectServers int
	// Home is the user's home directory, for recognising "~" written out.
	Home string
	// Packages is the official package list (default: the embedded one).
	Packages *typosquat.List
	// ClientName maps a client id to its display name for messages.
	ClientName func(id string) string
}

// Input is what the checks look at.
type Input struct {
	Servers  []inventory.ServerSpec
	Settings []inventory.Setting
}

// Run runs every check and returns the findings, sorted.
func Run(in Input, opts Options) ([]finding.Finding, error) {
	if opts.MaxProjectServers == 0 {
		opts.MaxProjectServers = DefaultMaxProjectServers
	}
	if opts.ClientName == nil {
		opts.ClientName = func(id string) string { return id }
	}
	if opts.Packages == nil {
		l, err := typosquat.Default()
		if err != nil {
			return nil, err
		}
		opts.Packages = l
	}
	c := &checker{opts: opts}
	for i := range in.Servers {
		s := &in.Servers[i]
		c.server(s)
	}
	c.settings(in.Settings, in.Servers)
	c.enablement(in.Servers)
	finding.Sort(c.out)
	return c.out, nil
}

type checker struct {
	opts Options
	out  []finding.Finding
}

func (c *checker) server(s *inventory.ServerSpec) {
	argv := s.Argv()
	c.packages(s, argv)
	c.commandLine(s, argv)
	c.secrets(s)
	c.transport(s, argv)
	c.filesystemRoots(s, argv)
	if s.Trust {
		c.add(s, finding.Finding{
			Rule: "trusted-server", Category: finding.CatPermission, Severity: finding.High,
			Message:  "server is marked trust: true, so every tool call runs without confirmation",
			Evidence: "trust: true",
			Fix:      "remove \"trust\": true; confirm calls, or allow only read-only tools with includeTools",
		}, "trust")
	}
}

// add appends f located at server s (field names the part of the entry).
func (c *checker) add(s *inventory.ServerSpec, f finding.Finding, field string) {
	f.Location = serverLoc(s, field)
	c.out = append(c.out, f)
}

func serverLoc(s *inventory.ServerSpec, field string) finding.Location {
	return finding.Location{
		File: s.Source.File, Line: s.Source.Line, Client: s.Source.Client,
		Config: s.Source.File, Server: s.Name, Kind: "server", Field: field,
	}
}

func settingLoc(st inventory.Setting) finding.Location {
	return finding.Location{
		File: st.Source.File, Line: st.Source.Line, Client: st.Source.Client,
		Config: st.Source.File, Server: st.Server, Kind: "setting", Field: st.Key,
	}
}

// isRef reports whether a config value takes its content from elsewhere:
// ${VAR}, $VAR, ${env:VAR}, ${input:id}, {env:VAR}, {file:…}, %VAR%.
func isRef(v string) bool {
	v = strings.TrimSpace(v)
	return strings.Contains(v, "${") || strings.Contains(v, "{env:") || strings.Contains(v, "{file:") ||
		(strings.HasPrefix(v, "$") && len(v) > 1) || (strings.HasPrefix(v, "%") && strings.HasSuffix(v, "%") && len(v) > 2)
}
