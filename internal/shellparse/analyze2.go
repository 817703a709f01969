package shellparse

import "strings"

var fetchers = map[string]bool{"curl": true, "wget": true, "fetch": true, "http": true, "https": true,
	"aria2c": true, "lwp-download": true, "lwp-request": true, "GET": true, "xh": true, "httpie": true, "iwr": true, "invoke-webrequest": true, "tftp": true}

var netTools = map[string]bool{"nc": true, "ncat": true, "netcat": true, "nc.traditional": true, "nc.openbsd": true,
	"socat": true, "telnet": true, "openssl": true, "ssh": true, "scp": true, "sftp": true, "rsync": true, "ftp": true,
	"sendmail": true, "mail": true, "mailx": true, "mutt": true, "sshpass": true}

// IsNetworkCommand reports whether a command name sends data over the
// network (downloaders, netcat, ssh, mail …).
func IsNetworkCommand(name string) bool { return fetchers[name] || netTools[name] }

// checkPipeline finds downloaded or decoded data piped into an interpreter,
// and network tools wired to a shell.
func checkPipeline(pl []*Command, add addFunc) {
	for i, c := range pl {
		name := c.Name()
		if i == 0 || !(IsInterpreter(name) || name == "source" || name == ".") {
			continue
		}
		if isShell(name) && !readsStdinScript(c) && name != "source" && name != "." {
			continue
		}
		if isInterpreter(name) && c.Code != "" {
			continue
		}
		for _, prev := range pl[:i] {
			pn := prev.Name()
			switch {
			case fetchers[pn]:
				add(c, DownloadExec, pn+" output piped into "+name)
			case netTools[pn]:
				add(c, ReverseShell, pn+" connection piped into "+name)
			case pn == "base64" || pn == "xxd" || pn == "base32" || pn == "openssl" || pn == "rev" || pn == "gzip" || pn == "gunzip" || pn == "zcat":
				if c.Nested == nil {
					add(c, ObfuscatedExec, "decoded data ("+pn+") piped into "+name)
				}
			}
		}
		for _, next := range pl[i+1:] {
			if netTools[next.Name()] {
				add(c, ReverseShell, name+" wired to "+next.Name())
			}
		}
	}
}

// checkFetchRun finds a shell or eval fed by a downloader through a
// substitution (bash -c "$(curl …)", bash <(wget …)) and a downloaded file
// run later in the same script.
func checkFetchRun(c *Command, fetched map[string]bool, add addFunc) map[string]bool {
	name := c.Name()
	if fetchers[name] {
		if fetched == nil {
			fetched = map[string]bool{}
		}
		for i, a := range c.Argv {
			if (a == "-o" || a == "-O" || a == "--output" || a == "--output-document") && i+1 < len(c.Argv) {
				fetched[c.Argv[i+1]] = true
			} else if strings.HasPrefix(a, "--output-document=") || strings.HasPrefix(a, "--output=") {
				fetched[a[strings.IndexByte(a, '=')+1:]] = true
			}
		}
		for _, r := range c.Redirects {
			if r.Op == ">" || r.Op == ">>" {
				fetched[r.Target] = true
			}
		}
		return fetched
	}
	if IsInterpreter(name) || name == "eval" || name == "source" || name == "." {
		for _, sub := range c.Subs {
			for _, sc := range sub.Commands() {
				if fetchers[sc.Name()] {
					add(c, DownloadExec, name+" runs the output of "+sc.Name())
					return fetched
				}
			}
		}
		for _, a := range c.Argv[1:] {
			if fetched[a] {
				add(c, DownloadExec, name+" runs downloaded file "+Quote(a))
				return fetched
			}
		}
	}
	if len(c.Argv) > 0 && fetched[strings.TrimPrefix(c.Argv[0], "./")] || len(c.Argv) > 0 && fetched[c.Argv[0]] {
		add(c, DownloadExec, "runs downloaded file "+Quote(c.Argv[0]))
	}
	return fetched
}

var socketWords = []string{"socket", "fsockopen", "tcpsocket", "net.socket", "require('net')", `require("net")`, "io::socket", "/dev/tcp", "connect("}
var spawnWords = []string{"subprocess", "pty.spawn", "dup2", "/bin/sh", "/bin/bash", "exec(", "spawn(", "popen", "system(", "child_process", "proc_open", "shell_exec", "cmd.exe", "sh -i"}

// checkReverse finds reverse shells.
func checkReverse(c *Command, add addFunc) {
	name := c.Name()
	for _, a := range c.Argv {
		if netRedirect(a) {
			add(c, ReverseShell, "bash network redirection "+Quote(a))
			return
		}
	}
	for _, r := range c.Redirects {
		if r.Op != "<<" && r.Op != "<<-" && r.Op != "<<<" && netRedirect(r.Target) {
			add(c, ReverseShell, "bash network redirection "+Quote(r.Target))
			return
		}
	}
	switch {
	case name == "nc" || name == "ncat" || name == "netcat" || strings.HasPrefix(name, "nc."):
		for _, a := range c.Argv[1:] {
			if a == "-e" || a == "-c" || strings.HasPrefix(a, "--exec") || strings.HasPrefix(a, "--sh-exec") || strings.HasPrefix(a, "--lua-exec") ||
				len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.ContainsAny(a, "ec") {
				add(c, ReverseShell, name+" "+a+" attaches a program to a socket")
				return
			}
		}
	case name == "socat":
		joined := strings.ToLower(strings.Join(c.Argv, " "))
		if (strings.Contains(joined, "exec:") || strings.Contains(joined, "system:")) && (strings.Contains(joined, "tcp") || strings.Contains(joined, "udp") || strings.Contains(joined, "ssl")) {
			add(c, ReverseShell, "socat connects a program to a socket")
		}
	case c.Code != "":
		code := strings.ToLower(c.Code)
		if containsAny(code, socketWords) && containsAny(code, spawnWords) {
			add(c, ReverseShell, name+" inline code opens a socket and spawns a shell")
		}
	case isShell(name):
		for _, a := range c.Argv[1:] {
			if a == "-i" {
				for _, r := range c.Redirects {
					if strings.Contains(r.Target, "/dev/tcp") {
						add(c, ReverseShell, "interactive shell on a socket")
					}
				}
			}
		}
	}
}

// netRedirect reports a bash or gawk network path (/dev/tcp/host/port).
func netRedirect(a string) bool {
	return strings.Contains(a, "/dev/tcp/") || strings.Contains(a, "/dev/udp/") || strings.Contains(a, "/inet/tcp/") || strings.Contains(a, "/inet/udp/")
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// checkGit finds force pushes, ref deletion and history rewrites.
func checkGit(c *Command, add addFunc) {
	if c.Name() != "git" {
		return
	}
	args := c.Argv[1:]
	for len(args) > 0 && strings.HasPrefix(args[0], "-") { // global options
		if (args[0] == "-C" || args[0] == "-c") && len(args) > 1 {
			args = args[1:]
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return
	}
	sub, rest := args[0], args[1:]
	flags, ops := splitFlags(rest)
	switch sub {
	case "push":
		switch {
		case hasShort(flags, "f") || hasLong(flags, "--force") || hasLong(flags, "--force-with-lease") || hasLong(flags, "--mirror"):
			add(c, GitRewrite, "force push")
		case hasShort(flags, "d") || hasLong(flags, "--delete") || hasLong(flags, "--prune"):
			add(c, GitRewrite, "push deletes remote refs")
		default:
			for _, o := range ops {
				if strings.HasPrefix(o, "+") {
					add(c, GitRewrite, "force push of refspec "+Quote(o))
				} else if strings.HasPrefix(o, ":") {
					add(c, GitRewrite, "push deletes remote ref "+Quote(o[1:]))
				}
			}
		}
	case "branch":
		if hasShort(flags, "DM") || (hasShort(flags, "d") || hasLong(flags, "--delete")) && (hasShort(flags, "f") || hasLong(flags, "--force")) {
			add(c, GitRewrite, "force-deletes or renames a branch")
		}
	case "tag":
		if hasShort(flags, "d") || hasLong(flags, "--delete") {
			add(c, GitRewrite, "deletes a tag")
		}
	case "filter-branch", "filter-repo":
		add(c, GitRewrite, "rewrites history ("+sub+")")
	case "reset":
		if hasLong(flags, "--hard") {
			add(c, GitRewrite, "reset --hard discards commits and changes")
		}
	case "update-ref":
		if hasShort(flags, "d") {
			add(c, GitRewrite, "deletes a ref")
		}
	case "reflog":
		if len(ops) > 0 && (ops[0] == "expire" || ops[0] == "delete") {
			add(c, GitRewrite, "rewrites the reflog")
		}
	case "clean":
		if hasShort(flags, "f") && hasShort(flags, "xdX") {
			add(c, GitRewrite, "clean -f removes untracked files")
		}
	case "stash":
		if len(ops) > 0 && ops[0] == "clear" {
			add(c, GitRewrite, "stash clear drops every stash")
		}
	}
}
