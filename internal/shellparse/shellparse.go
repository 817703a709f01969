// Package shellparse de-obfuscates and analyses shell commands found in
// tool-call arguments. It parses POSIX/bash syntax well enough to see through
// the tricks attackers use to hide a command from string matching — quotes
// and backslashes splitting words, $IFS, ${VAR:off:len} slicing, $(printf …),
// ANSI-C $'\x72' strings, base64 pipelines, bash -c / eval / sudo / env
// wrappers, confusable letters — and reports destructive, download-and-run,
// reverse-shell, history-rewriting and obfuscated commands. It never runs
// anything and is pure: bounded work, no I/O.
package shellparse

import (
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.mau.fi/util/confusable"
	"golang.org/x/text/unicode/norm"
)

// Limits bound the work done on one input.
const (
	MaxInput    = 64 << 10 // bytes of script analysed; the rest is ignored (and flagged)
	MaxDepth    = 4        // nesting of bash -c, $(…), eval, base64 payloads
	MaxCommands = 512      // simple commands in one Script, nested included
)

// Redirect is one I/O redirection.
type Redirect struct {
	Op     string // ">", ">>", "<", "<<", "<<<", ">&", "&>", "<>" …
	Target string // file, fd, here-document body or here-string
}

// Command is one simple command after expansion and unwrapping.
type Command struct {
	// Argv is the command after expansion, with wrappers (sudo, env, nohup,
	// timeout, xargs …) removed.
	Argv []string
	// Wrappers lists the wrapper commands removed from the front of Argv.
	Wrappers []string
	// Redirects are the command's redirections.
	Redirects []Redirect
	// Pipeline and Stage locate the command: Stage 0 is the first command of
	// its pipeline. Commands of nested scripts have their own numbering.
	Pipeline, Stage int
	// Origin says where a nested command came from ("bash -c", "eval",
	// "$()", "base64", "find -exec", "ssh" …); empty at top level.
	Origin string
	// Tricks are obfuscation techniques used in this command's name.
	Tricks []string
	// Subs are scripts of command and process substitutions in the words.
	Subs []*Script
	// Nested is the script this command runs (bash -c, eval, heredoc …).
	Nested *Script
	// Code is inline interpreter code (python -c, perl -e, node -e …).
	Code string

	name string // cached Name, set once Argv is final
}

// Name is the command name: basename, lower case, confusables folded (TR39).
func (c *Command) Name() string {
	if c.name != "" {
		return c.name
	}
	if len(c.Argv) == 0 {
		return ""
	}
	return CommandName(c.Argv[0])
}

// String renders the command as a readable shell line.
func (c *Command) String() string {
	var b strings.Builder
	for i, a := range c.Argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Quote(a))
	}
	for _, r := range c.Redirects {
		if r.Op == "<<" || r.Op == "<<-" {
			b.WriteString(" <<…")
			continue
		}
		b.WriteString(" " + r.Op + Quote(r.Target))
	}
	return b.String()
}

// Script is a parsed command line.
type Script struct {
	Source string
	// Pipelines holds the top-level commands; Pipelines[i][j] is stage j of
	// pipeline i.
	Pipelines [][]*Command
	// Tricks lists every obfuscation technique seen (deduplicated).
	Tricks []string
	// Truncated is set when a limit cut the analysis short.
	Truncated bool

	cmds []*Command // cached Commands
}

// Text is the de-obfuscated script: every top-level command rendered back,
// pipelines joined with " | " and lists with "; ".
func (s *Script) Text() string {
	var lines []string
	for _, pl := range s.Pipelines {
		var stages []string
		for _, c := range pl {
			stages = append(stages, c.String())
		}
		lines = append(lines, strings.Join(stages, " | "))
	}
	return strings.Join(lines, "; ")
}

// Commands returns every command, nested ones included, depth first. The
// slice is computed once and shared: do not modify it.
func (s *Script) Commands() []*Command {
	if s.cmds != nil {
		return s.cmds
	}
	out := make([]*Command, 0, 8)
	var walk func(*Script, int)
	walk = func(s *Script, d int) {
		if s == nil || d > MaxDepth+1 {
			return
		}
		for _, pl := range s.Pipelines {
			for _, c := range pl {
				out = append(out, c)
				for _, sub := range c.Subs {
					walk(sub, d+1)
				}
				walk(c.Nested, d+1)
			}
		}
	}
	walk(s, 0)
	s.cmds = out
	return out
}

func (s *Script) addTrick(t string) {
	for _, x := range s.Tricks {
		if x == t {
			return
		}
	}
	s.Tricks = append(s.Tricks, t)
}

// Parse parses src. It never fails: unparseable parts are kept as words.
func Parse(src string) *Script {
	st := &state{budget: MaxCommands, work: 4 * MaxInput, parses: 256}
	return st.parse(src, 0, nil)
}

type state struct {
	budget int // simple commands left
	work   int // bytes left to parse, nested parses included
	parses int // nested parses left
	vars   map[string]string
	alias  map[string]string
}

func (st *state) parse(src string, depth int, parent *Script) *Script {
	s := &Script{Source: src}
	if len(src) > MaxInput {
		src = src[:MaxInput]
		s.Truncated = true
	}
	if !utf8.ValidString(src) {
		src = strings.ToValidUTF8(src, "\uFFFD")
	}
	st.parses--
	st.work -= len(src)
	if depth > MaxDepth || st.parses < 0 || st.work < 0 {
		s.Truncated = true
		if parent != nil {
			parent.Truncated = true
		}
		return s
	}
	p := &parser{st: st, src: src, s: s, depth: depth}
	p.run()
	if parent != nil {
		for _, t := range s.Tricks {
			parent.addTrick(t)
		}
		if s.Truncated {
			parent.Truncated = true
		}
	}
	return s
}

// CommandName returns the comparable name of a command word: the basename,
// lower-cased, confusable letters folded to ASCII, a ".exe" suffix removed.
func CommandName(w string) string {
	w = path.Base(strings.ReplaceAll(w, `\`, "/"))
	if !isASCII(w) {
		w = foldConfusables(w)
	}
	w = strings.ToLower(w)
	return strings.TrimSuffix(w, ".exe")
}

// foldConfusables maps non-ASCII look-alike letters (Cyrillic г, Greek ο,
// fullwidth forms …) to the ASCII they imitate, using the Unicode TR39
// confusables table; ASCII letters are left alone (TR39 would map "m" to
// "rn").
func foldConfusables(w string) string {
	w = norm.NFKC.String(w)
	var b strings.Builder
	for _, r := range w {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		rep := confusable.GetReplacement(r)
		if rep == "" || !isASCII(rep) {
			rep = confusable.GetReplacement(toLowerRune(r))
		}
		if rep != "" && isASCII(rep) {
			b.WriteString(rep)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func toLowerRune(r rune) rune { return []rune(strings.ToLower(string(r)))[0] }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Quote renders a word for display, quoting it when needed and revealing
// control characters.
func Quote(w string) string {
	if w == "" {
		return "''"
	}
	safe := true
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./~=:,+@%^*?[]{}$", r)) {
			safe = false
			break
		}
	}
	if safe {
		return w
	}
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range w {
		switch {
		case r == '\'':
			b.WriteString(`'\''`)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x200b || r == 0x200c || r == 0x200d || r == 0x2060 || r == 0xfeff || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			b.WriteString(strings.Trim(strconv.QuoteRuneToASCII(r), "'"))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
