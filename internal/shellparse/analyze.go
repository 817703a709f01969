package shellparse

import (
	"path"
	"strings"
)

// Kind is a class of dangerous command.
type Kind string

// Kinds of hits.
const (
	Destructive    Kind = "destructive"     // rm -rf /, mkfs, dd to a device, fork bomb …
	BroadDelete    Kind = "broad-delete"    // rm -rf *, rm -rf . (ask)
	DownloadExec   Kind = "download-exec"   // curl … | sh, bash <(wget …)
	ReverseShell   Kind = "reverse-shell"   // /dev/tcp, nc -e, socket + pty in python …
	GitRewrite     Kind = "git-rewrite"     // push --force, ref deletion, history rewrite
	ObfuscatedExec Kind = "obfuscated-exec" // obfuscated command names, decoded data run by a shell
)

// Hit is one dangerous command found.
type Hit struct {
	Kind Kind
	// Command is the de-obfuscated command that matched.
	Command string
	// Detail says what about it matched.
	Detail string
	// Origin is where the command came from when it was nested.
	Origin string
}

// Check parses src and reports every dangerous command in it.
func Check(src string) (*Script, []Hit) {
	s := Parse(src)
	return s, s.Check()
}

// Check reports every dangerous command in s.
func (s *Script) Check() []Hit {
	var hits []Hit
	add := func(c *Command, k Kind, detail string) {
		if len(hits) < 32 {
			hits = append(hits, Hit{Kind: k, Command: c.String(), Detail: detail, Origin: c.Origin})
		}
	}
	if d := forkBomb(s.Source); d != "" {
		hits = append(hits, Hit{Kind: Destructive, Command: d, Detail: "fork bomb"})
	}
	if s.Truncated {
		hits = append(hits, Hit{Kind: ObfuscatedExec, Command: "…", Detail: "too large or too deeply nested to analyse fully"})
	}
	var fetched map[string]bool
	cwd := ""
	for _, c := range s.Commands() {
		if c.Name() == "cd" || c.Name() == "pushd" {
			cwd = changeDir(cwd, c.Argv[1:])
			continue
		}
		checkCommand(c, cwd, add)
		checkGit(c, add)
		checkReverse(c, add)
		fetched = checkFetchRun(c, fetched, add)
		if len(c.Tricks) > 0 {
			add(c, ObfuscatedExec, "command name built with "+strings.Join(dedupe(c.Tricks), ", "))
		}
	}
	for _, pl := range allPipelines(s) {
		checkPipeline(pl, add)
	}
	return hits
}

type addFunc func(c *Command, k Kind, detail string)

func allPipelines(s *Script) [][]*Command {
	var out [][]*Command
	var walk func(*Script, int)
	walk = func(s *Script, d int) {
		if s == nil || d > MaxDepth+1 {
			return
		}
		for _, pl := range s.Pipelines {
			out = append(out, pl)
			for _, c := range pl {
				for _, sub := range c.Subs {
					walk(sub, d+1)
				}
				walk(c.Nested, d+1)
			}
		}
	}
	walk(s, 0)
	return out
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		dup := false
		for _, o := range out {
			dup = dup || o == s
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

// changeDir follows cd so that "cd / && rm -rf *" is seen as rm -rf /*.
func changeDir(cwd string, args []string) string {
	dir := "~"
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			dir = a
			break
		}
	}
	if dir == "$HOME" || dir == "${HOME}" {
		dir = "~"
	}
	switch {
	case strings.HasPrefix(dir, "/") || strings.HasPrefix(dir, "~"):
		return dir
	case cwd != "":
		return path.Join(cwd, dir)
	}
	return "" // relative to an unknown directory
}

// inDir resolves a relative target against a known working directory.
func inDir(cwd, t string) string {
	if cwd == "" || t == "" || strings.HasPrefix(t, "/") || strings.HasPrefix(t, "~") || strings.HasPrefix(t, "$") {
		return t
	}
	if strings.HasPrefix(cwd, "~") {
		return "~" + path.Clean("/"+strings.TrimPrefix(cwd, "~")+"/"+t)
	}
	return path.Join(cwd, t)
}

func resolveAll(cwd string, ts []string) []string {
	if cwd == "" {
		return ts
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = inDir(cwd, t)
	}
	return out
}

// checkCommand finds destructive file-system and device commands.
func checkCommand(c *Command, cwd string, add addFunc) {
	name := c.Name()
	args := c.Argv
	if len(args) > 0 {
		args = args[1:]
	}
	flags, targets := splitFlags(args)
	targets = resolveAll(cwd, targets)
	switch {
	case name == "rm":
		recursive := hasShort(flags, "rR") || hasLong(flags, "--recursive")
		if hasLong(flags, "--no-preserve-root") {
			add(c, Destructive, "rm --no-preserve-root")
			return
		}
		for _, t := range targets {
			switch cls := ClassifyTarget(t); {
			case recursive && (cls == "root" || cls == "home" || cls == "system"):
				add(c, Destructive, "recursive delete of "+cls+" path "+Quote(t))
			case recursive && cls == "broad":
				add(c, BroadDelete, "recursive delete of broad glob "+Quote(t))
			}
		}
	case name == "find":
		roots, filtered := FindRoots(c)
		for i, r := range roots {
			roots[i] = inDir(cwd, r)
		}
		if !contains(args, "-delete") {
			return
		}
		for _, r := range roots {
			if cls := ClassifyTarget(r); cls == "root" || cls == "home" || cls == "system" {
				add(c, Destructive, "find -delete under "+cls+" path "+Quote(r))
			} else if cls == "broad" && !filtered {
				add(c, BroadDelete, "find -delete of everything under "+Quote(r))
			}
		}
	case strings.HasPrefix(name, "mkfs") || name == "mke2fs" || name == "mkswap" || name == "wipefs" || name == "mkntfs":
		add(c, Destructive, name+" formats a file system")
	case name == "dd":
		for _, a := range args {
			if strings.HasPrefix(a, "of=") && IsDevice(a[3:]) {
				add(c, Destructive, "dd writes to device "+Quote(a[3:]))
			}
		}
	case name == "shred" || name == "fdisk" || name == "sfdisk" || name == "parted" || name == "blkdiscard" || name == "sgdisk":
		for _, t := range targets {
			if IsDevice(t) {
				add(c, Destructive, name+" on device "+Quote(t))
			}
		}
	case name == "chmod" || name == "chown" || name == "chgrp" || name == "setfacl" || name == "chattr":
		if !hasShort(flags, "R") && !hasLong(flags, "--recursive") {
			return
		}
		for _, t := range targets {
			if cls := ClassifyTarget(t); cls == "root" || cls == "home" || cls == "system" {
				add(c, Destructive, "recursive "+name+" on "+cls+" path "+Quote(t))
			}
		}
	case name == "mv":
		if len(targets) >= 2 && targets[len(targets)-1] == "/dev/null" {
			for _, t := range targets[:len(targets)-1] {
				if cls := ClassifyTarget(t); cls != "" {
					add(c, Destructive, "moves "+Quote(t)+" to /dev/null")
				}
			}
		}
	}
	checkDeviceWrites(c, add)
}

// checkDeviceWrites finds redirections into block devices.
func checkDeviceWrites(c *Command, add addFunc) {
	for _, r := range c.Redirects {
		if (r.Op == ">" || r.Op == ">>" || r.Op == ">|" || r.Op == "&>" || r.Op == "1>" || r.Op == "2>") && IsDevice(r.Target) {
			add(c, Destructive, "writes to device "+Quote(r.Target))
		}
	}
}

// splitFlags separates options from operands (everything after "--" is an
// operand).
func splitFlags(args []string) (flags, operands []string) {
	for i, a := range args {
		if a == "--" {
			return flags, append(operands, args[i+1:]...)
		}
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
		} else {
			operands = append(operands, a)
		}
	}
	return flags, operands
}

func hasShort(flags []string, letters string) bool {
	for _, f := range flags {
		if len(f) > 1 && f[1] != '-' && strings.ContainsAny(f[1:], letters) {
			return true
		}
	}
	return false
}

func hasLong(flags []string, long string) bool {
	for _, f := range flags {
		if f == long || strings.HasPrefix(f, long+"=") {
			return true
		}
	}
	return false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var systemDirs = map[string]bool{
	"/bin": true, "/boot": true, "/dev": true, "/etc": true, "/home": true, "/lib": true, "/lib32": true,
	"/lib64": true, "/opt": true, "/proc": true, "/root": true, "/sbin": true, "/srv": true, "/sys": true,
	"/usr": true, "/var": true, "/usr/bin": true, "/usr/lib": true, "/usr/local": true, "/usr/sbin": true,
	"/usr/share": true, "/var/lib": true, "/var/log": true, "/System": true, "/Library": true,
	"/Applications": true, "/Users": true, "/private": true, "/snap": true, "/mnt": true, "/media": true,
	"c:": true, "c:/windows": true, "c:/users": true, "c:/program files": true,
}

// ClassifyTarget classifies a deletion or permission target: "root" (/ and
// /*), "home" (~, $HOME and their contents), "system" (/etc, /usr … and
// their direct contents), "broad" (*, ., .., ./*) or "".
func ClassifyTarget(t string) string {
	t = strings.TrimSpace(strings.ReplaceAll(t, `\`, "/"))
	if t == "" {
		return ""
	}
	switch {
	case t == "~" || strings.HasPrefix(t, "~/") || t == "$HOME" || strings.HasPrefix(t, "$HOME/") || t == "${HOME}" || strings.HasPrefix(t, "${HOME}/"):
		rest := t[strings.IndexAny(t+"/", "/"):]
		rest = path.Clean("/" + rest)
		if rest == "/" || rest == "/*" || rest == "/.*" {
			return "home"
		}
		return ""
	case strings.HasPrefix(t, "~"): // ~user
		if !strings.Contains(strings.TrimSuffix(t, "/"), "/") {
			return "home"
		}
	}
	if t[0] == '/' || len(t) > 1 && t[1] == ':' {
		c := path.Clean(t)
		dir, base := path.Split(c)
		switch {
		case c == "/" || c == "/*" || c == "/.*" || strings.ToLower(c) == "c:" || c == "c:/*":
			return "root"
		case systemDirs[c] || systemDirs[strings.ToLower(c)]:
			return "system"
		case (base == "*" || base == ".*") && (systemDirs[path.Clean(dir)] || systemDirs[strings.ToLower(path.Clean(dir))]):
			return "system"
		case strings.HasPrefix(c, "/home/") && strings.Count(c, "/") == 2, strings.HasPrefix(c, "/Users/") && strings.Count(c, "/") == 2:
			return "home"
		}
		return ""
	}
	switch path.Clean(t) {
	case "*", ".", "..", ".*", "../..", "../*", "../../*":
		return "broad"
	}
	return ""
}

// IsDevice reports whether p is a block or memory device node.
func IsDevice(p string) bool {
	p = path.Clean(p)
	if !strings.HasPrefix(p, "/dev/") {
		return false
	}
	d := strings.TrimPrefix(p, "/dev/")
	for _, pre := range []string{"sd", "hd", "vd", "xvd", "nvme", "mmcblk", "disk", "rdisk", "md", "dm-", "loop", "mapper/", "mem", "kmem", "port", "sr", "fd0", "nbd", "zd", "root"} {
		if strings.HasPrefix(d, pre) {
			return true
		}
	}
	return false
}

// forkBomb finds NAME(){ NAME|NAME& };NAME in src.
func forkBomb(src string) string {
	// NAME(){ NAME|NAME& } needs all of these: skip the rewrite without them.
	for _, c := range "(){|&" {
		if !strings.ContainsRune(src, c) {
			return ""
		}
	}
	s := strings.Join(strings.Fields(src), "")
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], "(){")
		if i < 0 {
			return ""
		}
		i += off
		j := i
		for j > 0 && !strings.ContainsRune(";&|(){}\n", rune(s[j-1])) {
			j--
		}
		name := strings.TrimPrefix(s[j:i], "function")
		end := strings.IndexByte(s[i+3:], '}')
		if name != "" && end >= 0 {
			body := s[i+3 : i+3+end]
			if strings.Contains(body, name+"|"+name) && strings.Contains(body, "&") {
				return name + "(){ " + body + " }"
			}
		}
		off = i + 3
	}
	return ""
}
