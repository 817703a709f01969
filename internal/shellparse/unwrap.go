package shellparse

import "strings"

// wrapperOpts lists, per wrapper command, the options that take a value.
var wrapperOpts = map[string]string{
	"sudo": "ughpCDrtUTR", "doas": "uC", "nice": "n", "ionice": "cnp", "timeout": "sk",
	"stdbuf": "ioe", "nohup": "", "time": "fo", "command": "", "builtin": "", "exec": "a",
	"setsid": "", "unbuffer": "", "caffeinate": "tw", "chrt": "", "taskset": "", "flock": "wE",
	"runuser": "ugl", "proxychains": "f", "proxychains4": "f", "torsocks": "", "watch": "nd",
	"xargs": "aEeIiLlnPsd", "env": "uSCP", "then": "", "do": "", "else": "", "!": "", "{": "",
	"if": "", "while": "", "until": "", "elif": "", "busybox": "", "coproc": "",
}

// finish unwraps wrappers and resolves nested scripts of one command.
func (p *parser) finish(c *Command) {
	if v, ok := p.st.alias[c.Name()]; ok && p.depth < MaxDepth && c.Origin != "alias" {
		src := v
		for _, a := range c.Argv[1:] {
			src += " " + Quote(a)
		}
		c.Nested = p.nest(src, "alias")
		return
	}
	c.Argv = p.unwrap(c)
	if len(c.Argv) == 0 {
		return
	}
	c.name = CommandName(c.Argv[0])
	args := c.Argv[1:]
	switch name := c.Name(); {
	case isShell(name):
		if script, ok := dashC(args); ok {
			c.Nested = p.nest(script, name+" -c")
		} else if readsStdinScript(c) {
			p.nestStdin(c)
		}
	case name == "eval":
		c.Nested = p.nest(strings.Join(args, " "), "eval")
	case name == "su":
		if script, ok := dashC(args); ok {
			c.Nested = p.nest(script, "su -c")
		}
	case name == "find":
		p.findExec(c)
	case name == "ssh":
		if remote := sshRemote(args); remote != "" {
			c.Nested = p.nest(remote, "ssh")
		}
	case isInterpreter(name):
		c.Code = inlineCode(args)
		if calls := shellCalls(c.Code); calls != "" {
			c.Nested = p.nest(calls, name+" system()")
		}
	}
}

// shellCallNames are interpreter functions that run a shell command line.
var shellCallNames = []string{"system(", "popen(", "os.system(", "subprocess.run(", "subprocess.call(", "subprocess.Popen(",
	"check_output(", "check_call(", "execSync(", "spawnSync(", "exec(", "shell_exec(", "passthru(", "proc_open(", "`"}

// shellCalls extracts the string literals passed to shell-running functions
// in inline interpreter code (python -c 'import os; os.system("rm -rf /")')
// and joins them into one script.
func shellCalls(code string) string {
	if code == "" || len(code) > MaxInput {
		return ""
	}
	var out []string
	for _, fn := range shellCallNames {
		for off := 0; off < len(code) && len(out) < 8; {
			i := strings.Index(code[off:], fn)
			if i < 0 {
				break
			}
			j := off + i + len(fn)
			off = j
			for j < len(code) && (code[j] == ' ' || code[j] == '[' || code[j] == '(') {
				j++
			}
			if fn == "`" {
				j--
			}
			if j >= len(code) || !strings.ContainsRune(`'"`+"`", rune(code[j])) {
				continue
			}
			q := code[j]
			end := j + 1
			for end < len(code) && code[end] != q {
				if code[end] == '\\' {
					end++
				}
				end++
			}
			if end <= len(code) {
				out = append(out, unescape(code[j+1:min(end, len(code))]))
				off = end + 1
			}
		}
	}
	return strings.Join(out, "\n")
}

func (p *parser) nest(src, origin string) *Script {
	s := p.st.parse(src, p.depth+1, p.s)
	for _, c := range s.Commands() {
		if c.Origin == "" {
			c.Origin = origin
		}
	}
	return s
}

// unwrap removes wrapper commands and their options from the front.
func (p *parser) unwrap(c *Command) []string {
	argv := c.Argv
	for n := 0; len(argv) > 0 && n < 8; n++ {
		name := CommandName(argv[0])
		valued, ok := wrapperOpts[name]
		if !ok {
			if name == "chroot" && len(argv) > 2 {
				c.Wrappers = append(c.Wrappers, name)
				argv = argv[2:]
				continue
			}
			break
		}
		if name == "busybox" && len(argv) > 1 && argv[1] == "sh" {
			break
		}
		c.Wrappers = append(c.Wrappers, name)
		argv = argv[1:]
		if name == "env" && len(argv) > 1 && (argv[0] == "-S" || argv[0] == "--split-string") {
			c.Nested = p.nest(strings.Join(argv[1:], " "), "env -S")
			return nil
		}
		for len(argv) > 0 {
			a := argv[0]
			switch {
			case a == "--":
				argv = argv[1:]
			case len(a) > 1 && a[0] == '-' && name != "!":
				argv = argv[1:]
				last := a[len(a)-1]
				if !strings.HasPrefix(a, "--") && strings.IndexByte(valued, last) >= 0 && len(a) == 2 && len(argv) > 0 {
					argv = argv[1:]
				}
				continue
			case name == "env" && isAssign(a):
				argv = argv[1:]
				continue
			case name == "nice" || name == "timeout" || name == "taskset" || name == "chrt":
				if isNumberish(a) {
					argv = argv[1:]
				}
			}
			break
		}
	}
	return argv
}

func isNumberish(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.smhdx-+") == ""
}

var shells = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "ash": true,
	"mksh": true, "fish": true, "csh": true, "tcsh": true, "rbash": true, "busybox": true, "yash": true, "pwsh": true, "powershell": true}

func isShell(name string) bool { return shells[name] }

var interpreters = map[string]bool{"python": true, "python2": true, "python3": true, "perl": true, "ruby": true,
	"node": true, "nodejs": true, "php": true, "lua": true, "deno": true, "bun": true, "osascript": true, "awk": true, "gawk": true}

func isInterpreter(name string) bool {
	if interpreters[name] {
		return true
	}
	return strings.HasPrefix(name, "python3.") || strings.HasPrefix(name, "python2.")
}

// IsInterpreter reports whether a command name runs code from stdin or an
// inline argument (shells and script interpreters).
func IsInterpreter(name string) bool { return isShell(name) || isInterpreter(name) }

// dashC finds the script of sh -c SCRIPT (also -lc, -xc, -ic …).
func dashC(args []string) (string, bool) {
	for i, a := range args {
		if a == "busybox" || a == "sh" {
			continue
		}
		if len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.Contains(a, "c") {
			if i+1 < len(args) {
				return args[i+1], true
			}
			return "", false
		}
		if a == "-Command" || a == "-command" {
			if i+1 < len(args) {
				return strings.Join(args[i+1:], " "), true
			}
		}
		if !strings.HasPrefix(a, "-") {
			return "", false
		}
	}
	return "", false
}

// readsStdinScript reports whether a shell command executes its stdin.
func readsStdinScript(c *Command) bool {
	if !isShell(c.Name()) && c.Name() != "source" && c.Name() != "." {
		return false
	}
	for _, a := range c.Argv[1:] {
		if a == "-" || a == "/dev/stdin" || a == "-s" || a == "sh" && c.Name() == "busybox" {
			return true
		}
		if !strings.HasPrefix(a, "-") {
			return false // a script file
		}
	}
	return c.Name() != "source" && c.Name() != "."
}

// nestStdin parses a here-document or here-string fed to a shell.
func (p *parser) nestStdin(c *Command) {
	for _, r := range c.Redirects {
		if r.Op == "<<<" || r.Op == "<<" || r.Op == "<<-" {
			c.Nested = p.nest(r.Target, "heredoc")
			return
		}
	}
}

// resolvePipeline feeds computable output (echo … | base64 -d) into a shell
// stage that runs its stdin.
func (p *parser) resolvePipeline(pl []*Command) {
	for i := 1; i < len(pl); i++ {
		c := pl[i]
		if !readsStdinScript(c) && c.Name() != "eval" || c.Nested != nil && c.Name() != "eval" {
			continue
		}
		if c.Name() == "eval" && len(c.Argv) > 1 {
			continue
		}
		src := &Script{Pipelines: [][]*Command{pl[:i]}}
		if out, ok := scriptOutput(src); ok {
			origin := "pipe"
			if i > 1 {
				origin = pl[i-1].Name()
				p.s.addTrick(origin)
			}
			c.Nested = p.nest(out, origin)
		}
	}
}

// findExec turns find … -exec CMD {} \; into a nested command. When the
// find has no filtering test, {} is replaced by the start directory.
func (p *parser) findExec(c *Command) {
	args := c.Argv[1:]
	var roots []string
	filtered := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(roots) == 0 || !strings.HasPrefix(a, "-") && a != "(" && a != "!" && i == len(roots) {
			if !strings.HasPrefix(a, "-") && a != "(" && a != "!" {
				roots = append(roots, a)
				continue
			}
		}
		switch a {
		case "-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-type", "-mtime", "-mmin", "-newer",
			"-size", "-user", "-group", "-perm", "-empty", "-wholename", "-atime", "-ctime", "-links", "-inum":
			filtered = true
		case "-exec", "-execdir", "-ok", "-okdir":
			var cmd []string
			j := i + 1
			for ; j < len(args) && args[j] != ";" && args[j] != "+"; j++ {
				w := args[j]
				if w == "{}" && !filtered && len(roots) > 0 {
					w = roots[0]
				}
				cmd = append(cmd, Quote(w))
			}
			c.Nested = p.nest(strings.Join(cmd, " "), "find -exec")
			i = j
		}
	}
}

// FindRoots returns the start directories of a find command and whether
// its expression has a filtering test (-name, -type …).
func FindRoots(c *Command) (roots []string, filtered bool) {
	for _, a := range c.Argv[1:] {
		if strings.HasPrefix(a, "-") || a == "(" || a == "!" {
			break
		}
		roots = append(roots, a)
	}
	for _, a := range c.Argv[1:] {
		switch a {
		case "-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-type", "-mtime", "-mmin", "-newer",
			"-size", "-user", "-group", "-perm", "-empty", "-wholename", "-atime", "-ctime", "-maxdepth":
			filtered = true
		}
	}
	if len(roots) == 0 {
		roots = []string{"."}
	}
	return roots, filtered
}

// sshRemote returns the remote command of an ssh invocation.
func sshRemote(args []string) string {
	const valued = "BbcDEeFIiJLlmOoPpQRSWw"
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") && len(a) >= 2 {
			if len(a) == 2 && strings.IndexByte(valued, a[1]) >= 0 {
				i++
			}
			continue
		}
		return strings.Join(args[i+1:], " ")
	}
	return ""
}

// inlineCode returns the code of python -c, perl -e, node -e, ruby -e,
// php -r and similar.
func inlineCode(args []string) string {
	for i, a := range args {
		switch a {
		case "-c", "-e", "-r", "-E", "--eval", "-p", "--print", "-x":
			if i+1 < len(args) {
				return args[i+1]
			}
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.ContainsAny(a[len(a)-1:], "ce") {
			if i+1 < len(args) {
				return args[i+1]
			}
		}
	}
	return ""
}
