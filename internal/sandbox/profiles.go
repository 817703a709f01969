package sandbox

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Profile builds a Policy for a known server from its command line.
type Profile struct {
	Name        string
	Description string
	Build       func(args []string) Policy
}

// profiles are the built-in profiles for the official reference servers.
var profiles = map[string]Profile{
	"none": {
		Name:        "none",
		Description: "no extra paths, no network, no variables: only what flags add",
		Build:       func([]string) Policy { return Policy{Profile: "none"} },
	},
	"filesystem": {
		Name: "filesystem",
		Description: "@modelcontextprotocol/server-filesystem: read/write on the directories named " +
			"on its command line, nothing else; no network",
		Build: func(args []string) Policy {
			return Policy{Profile: "filesystem", Write: existingDirArgs(args)}
		},
	},
	"fetch": {
		Name: "fetch",
		Description: "mcp-server-fetch: any public host on ports 80 and 443; never private, " +
			"loopback, link-local or metadata addresses; no extra paths",
		Build: func([]string) Policy {
			return Policy{Profile: "fetch", Hosts: []string{PublicHosts}}
		},
	},
	"memory": {
		Name:        "memory",
		Description: "@modelcontextprotocol/server-memory: read/write on the directory of MEMORY_FILE_PATH; no network",
		Build: func([]string) Policy {
			p := Policy{Profile: "memory", Env: []string{"MEMORY_FILE_PATH"}}
			if f := os.Getenv("MEMORY_FILE_PATH"); f != "" {
				p.Write = []string{dirOf(f)}
			}
			return p
		},
	},
}

// PublicHosts as a host rule allows every public destination on ports 80
// and 443 (the egress guard still refuses every internal address).
const PublicHosts = "*"

// LookupProfile returns the named built-in profile.
func LookupProfile(name string) (Profile, error) {
	p, ok := profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("unknown sandbox profile %q (built in: %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}

// ProfileNames lists the built-in profiles.
func ProfileNames() []string {
	var out []string
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func existingDirArgs(args []string) []string {
	var out []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if fi, err := os.Stat(a); err == nil && fi.IsDir() {
			out = append(out, a)
		}
	}
	return out
}

func dirOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "."
	}
	return p[:i]
}

// Merge adds the flag-given parts of o to p.
func (p Policy) Merge(o Policy) Policy {
	p.Read = append(p.Read, o.Read...)
	p.Write = append(p.Write, o.Write...)
	p.Env = append(p.Env, o.Env...)
	p.Hosts = append(p.Hosts, o.Hosts...)
	p.CIDRs = append(p.CIDRs, o.CIDRs...)
	return p
}
