package scan

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/netaddr"
	"github.com/moat-dev/moat/internal/shellparse"
)

// maxCommandLine bounds the command line handed to the shell analyser.
const maxCommandLine = 16 << 10

// commandLine looks for download-and-run and other dangerous shell in the
// server command, and for environment switches that turn off security.
func (c *checker) commandLine(s *inventory.ServerSpec, argv []string) {
	if len(argv) > 0 {
		var b strings.Builder
		for i, a := range argv {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(shellparse.Quote(a))
		}
		src := b.String()
		if len(src) > maxCommandLine {
			src = src[:maxCommandLine]
		}
		_, hits := shellparse.Check(src)
		red := RedactServer(*s)
		words := red.Argv()
		for i, w := range words {
			words[i] = shellparse.Quote(w)
		}
		ev := strings.Join(words, " ")
		if r := []rune(ev); len(r) > 200 {
			ev = string(r[:200]) + "…"
		}
		seen := map[shellparse.Kind]bool{}
		defer func() {
			if len(seen) == 0 {
				c.pipedDownload(s, argv, ev)
			}
		}()
		for _, h := range hits {
			if seen[h.Kind] {
				continue
			}
			seen[h.Kind] = true
			switch h.Kind {
			case shellparse.DownloadExec, shellparse.ReverseShell, shellparse.ObfuscatedExec:
				c.add(s, finding.Finding{
					Rule: "download-and-run", Category: finding.CatSupplyChain, Severity: finding.Critical,
					Message:  fmt.Sprintf("the server command %s (%s): unreviewed code runs on every start", shellKind[h.Kind], h.Detail),
					Evidence: RedactValue("", ev),
					Fix:      "install the server as a pinned package or a checked-in script you reviewed; never pipe a download into a shell",
				}, "command")
			}
		}
	}
	c.insecureEnv(s)
	c.bindAll(s, argv)
}

// pipeToShell catches download-and-run forms the POSIX shell parser does
// not model (PowerShell, cmd).
var pipeToShell = regexp.MustCompile(`(?i)\b(curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|certutil|bitsadmin)\b[^|;&]*\|\s*(sh|bash|zsh|dash|iex|invoke-expression|python3?|node|pwsh|powershell)\b`)

func (c *checker) pipedDownload(s *inventory.ServerSpec, argv []string, ev string) {
	if !pipeToShell.MatchString(strings.Join(argv, " ")) {
		return
	}
	c.add(s, finding.Finding{
		Rule: "download-and-run", Category: finding.CatSupplyChain, Severity: finding.Critical,
		Message:  "the server command downloads code and pipes it into an interpreter: unreviewed code runs on every start",
		Evidence: RedactValue("", ev),
		Fix:      "install the server as a pinned package or a checked-in script you reviewed; never pipe a download into a shell",
	}, "command")
}

var shellKind = map[shellparse.Kind]string{
	shellparse.DownloadExec:   "downloads code and runs it",
	shellparse.ReverseShell:   "opens a reverse shell",
	shellparse.ObfuscatedExec: "runs obfuscated shell",
}

// insecureEnv are variables that switch off TLS verification or auth.
var insecureEnv = map[string][]string{
	"NODE_TLS_REJECT_UNAUTHORIZED": {"0"},
	"PYTHONHTTPSVERIFY":            {"0"},
	"GIT_SSL_NO_VERIFY":            {"1", "true"},
	"DANGEROUSLY_OMIT_AUTH":        {"1", "true"},
	"MCP_DISABLE_AUTH":             {"1", "true"},
	"CURL_INSECURE":                {"1", "true"},
}

func (c *checker) insecureEnv(s *inventory.ServerSpec) {
	keys := sortedKeys(s.Env)
	for _, k := range keys {
		bad, ok := insecureEnv[strings.ToUpper(k)]
		if !ok {
			continue
		}
		v := strings.ToLower(strings.TrimSpace(s.Env[k]))
		for _, b := range bad {
			if v == b {
				c.add(s, finding.Finding{
					Rule: "insecure-env", Category: finding.CatConfig, Severity: finding.High,
					Message:  fmt.Sprintf("%s=%s turns off certificate checks or authentication for this server", k, s.Env[k]),
					Evidence: k + "=" + s.Env[k],
					Fix:      "remove " + k + "; trust a private CA with NODE_EXTRA_CA_CERTS or SSL_CERT_FILE instead",
				}, "env."+k)
			}
		}
	}
}

// bindAll flags servers told to listen on every interface.
func (c *checker) bindAll(s *inventory.ServerSpec, argv []string) {
	report := func(field, ev string) {
		c.add(s, finding.Finding{
			Rule: "bind-all-interfaces", Category: finding.CatTransport, Severity: finding.Medium,
			Message:  "the server listens on every network interface, so anyone on the network can reach it",
			Evidence: ev,
			Fix:      "bind to 127.0.0.1 (or use stdio); for docker publish as -p 127.0.0.1:PORT:PORT",
		}, field)
	}
	for i, a := range argv {
		flag, val, hasVal := strings.Cut(a, "=")
		if !hasVal && i+1 < len(argv) {
			val = argv[i+1]
		}
		switch strings.ToLower(flag) {
		case "--host", "--bind", "--listen", "--address", "--addr", "-h", "--hostname":
			if allInterfaces(val) {
				report(fmt.Sprintf("args[%d]", i-1), a+" "+val)
				return
			}
		case "-p", "--publish":
			if isDocker(argv) && publishesAll(val) {
				report(fmt.Sprintf("args[%d]", i-1), flag+" "+val)
				return
			}
		}
	}
	for _, k := range sortedKeys(s.Env) {
		u := strings.ToUpper(k)
		if (u == "HOST" || strings.HasSuffix(u, "_HOST") || strings.HasSuffix(u, "_BIND") || u == "BIND") && allInterfaces(s.Env[k]) {
			report("env."+k, k+"="+s.Env[k])
			return
		}
	}
}

func allInterfaces(v string) bool {
	h := strings.TrimSpace(v)
	if i := strings.LastIndex(h, ":"); i > 0 && !strings.HasSuffix(h, "]") && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	if h == "" {
		return false
	}
	return netaddr.ParseHost(h).Class == netaddr.Unspecified
}

func isDocker(argv []string) bool {
	if len(argv) == 0 {
		return false
	}
	n := cmdName(argv[0])
	return n == "docker" || n == "podman" || n == "nerdctl"
}

// publishesAll: "8080:8080" or "0.0.0.0:8080:8080" publish on every
// interface; "127.0.0.1:8080:8080" does not.
func publishesAll(v string) bool {
	parts := strings.Split(v, ":")
	if len(parts) <= 2 {
		return true
	}
	return allInterfaces(strings.Join(parts[:len(parts)-2], ":"))
}

// filesystemRoots flags filesystem servers given the whole disk or home.
func (c *checker) filesystemRoots(s *inventory.ServerSpec, argv []string) {
	if !isFilesystemServer(argv) {
		return
	}
	for i, a := range argv {
		if i == 0 || !c.broadRoot(a) {
			continue
		}
		c.add(s, finding.Finding{
			Rule: "broad-filesystem-root", Category: finding.CatPermission, Severity: finding.High,
			Message:  fmt.Sprintf("the filesystem server may read and write all of %s: SSH keys, cloud credentials and every project", a),
			Evidence: a,
			Fix:      "list only the project directories the agent needs (e.g. the repository path), never / or your home",
		}, fmt.Sprintf("args[%d]", i-1))
	}
}

func isFilesystemServer(argv []string) bool {
	for _, a := range argv {
		l := strings.ToLower(a)
		if strings.Contains(l, "server-filesystem") || strings.Contains(l, "mcp-server-filesystem") || strings.Contains(l, "filesystem-mcp") {
			return true
		}
	}
	return false
}

func (c *checker) broadRoot(a string) bool {
	v := strings.TrimSpace(a)
	switch strings.ToLower(strings.TrimRight(v, `/\`)) {
	case "", "~", "$home", "${home}", "%userprofile%", "c:", "/home", "/users", "c:/users", `c:\users`:
		return v != ""
	}
	if c.opts.Home != "" && path.Clean(strings.ReplaceAll(v, `\`, "/")) == path.Clean(strings.ReplaceAll(c.opts.Home, `\`, "/")) {
		return true
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
