package shellparse

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// plainEnv are variables whose usual value is predictable enough that
// attackers use them as character sources.
var plainEnv = map[string]string{
	"IFS": " \t\n", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"SHELL": "/bin/bash", "BASH": "/bin/bash",
}

// maxVar bounds one variable's value.
const maxVar = 8 << 10

// sliceEnv adds values used only when a script slices or transforms them;
// plain $HOME stays "$HOME" so that analyzers recognise it.
var sliceEnv = map[string]string{"HOME": "/home/user", "PWD": "/home/user", "USER": "user", "LOGNAME": "user", "OLDPWD": "/"}

func (p *parser) lookup(name string, sliced bool) (string, bool) {
	if v, ok := p.st.vars[name]; ok {
		return v, true
	}
	if v, ok := plainEnv[name]; ok {
		return v, true
	}
	if sliced {
		v, ok := sliceEnv[name]
		return v, ok
	}
	return "", false
}

func (p *parser) expandVar(name string) string {
	if name == "IFS" {
		p.trick("ifs")
	}
	if v, ok := p.lookup(name, false); ok {
		return p.spend(v)
	}
	return "$" + name
}

// spend charges an expansion's output to the parse budget, so that
// a=${a//a/aaaa} chains and $a$a$a… cannot blow up; past the budget
// expansions are empty and the script is marked truncated.
func (p *parser) spend(v string) string {
	p.st.work -= len(v)
	if p.st.work < 0 {
		p.s.Truncated = true
		return ""
	}
	return v
}

// expandBraced expands the inside of ${…}.
func (p *parser) expandBraced(in string) string {
	if strings.HasPrefix(in, "#") && isName(in[1:]) {
		v, _ := p.lookup(in[1:], true)
		return strconv.Itoa(len(v))
	}
	if strings.HasPrefix(in, "!") && isName(in[1:]) {
		if ref, ok := p.lookup(in[1:], false); ok && isName(ref) {
			p.trick("indirection")
			return p.expandVar(ref)
		}
		return ""
	}
	i := 0
	for i < len(in) && isNameByte(in[i]) {
		i++
	}
	name, op := in[:i], in[i:]
	if op == "" {
		return p.expandVar(name)
	}
	if name == "IFS" {
		p.trick("ifs")
	}
	val, set := p.lookup(name, true)
	switch {
	case strings.HasPrefix(op, ":-") || strings.HasPrefix(op, ":=") || op[0] == '-' || op[0] == '=':
		if set && val != "" {
			return val
		}
		return p.expandWordString(strings.TrimLeft(op, ":-="))
	case strings.HasPrefix(op, ":+") || op[0] == '+':
		if set && val != "" {
			return p.expandWordString(strings.TrimLeft(op, ":+"))
		}
		return ""
	case op[0] == ':':
		p.trick("slice")
		return slice(val, op[1:])
	case op[0] == '/':
		p.trick("substitution")
		all := strings.HasPrefix(op, "//")
		pat, rep, _ := strings.Cut(strings.TrimLeft(op, "/"), "/")
		if pat == "" {
			return val
		}
		if len(rep) > len(pat) && strings.Count(val, pat)*(len(rep)-len(pat)) > maxVar {
			p.s.Truncated = true
			return ""
		}
		if all {
			return p.spend(strings.ReplaceAll(val, pat, rep))
		}
		return p.spend(strings.Replace(val, pat, rep, 1))
	case op[0] == '#':
		p.trick("substitution")
		return strings.TrimPrefix(val, strings.TrimLeft(op, "#"))
	case op[0] == '%':
		p.trick("substitution")
		return strings.TrimSuffix(val, strings.TrimLeft(op, "%"))
	case op == "^^" || op == "^":
		return strings.ToUpper(val)
	case op == ",," || op == ",":
		return strings.ToLower(val)
	}
	if set {
		return val
	}
	return "${" + in + "}"
}

// expandWordString expands a default-value word: $NAME or a literal.
func (p *parser) expandWordString(s string) string {
	if strings.HasPrefix(s, "$") && isName(s[1:]) {
		return p.expandVar(s[1:])
	}
	return strings.Trim(s, `'"`)
}

func slice(v, spec string) string {
	offS, lenS, hasLen := strings.Cut(spec, ":")
	off, err := strconv.Atoi(strings.TrimSpace(offS))
	if err != nil {
		return ""
	}
	r := []rune(v)
	if off < 0 {
		off += len(r)
	}
	if off < 0 || off > len(r) {
		return ""
	}
	r = r[off:]
	if hasLen {
		n, err := strconv.Atoi(strings.TrimSpace(lenS))
		if err != nil {
			return ""
		}
		if n < 0 {
			n += len(r)
		}
		if n < 0 {
			return ""
		}
		if n < len(r) {
			r = r[:n]
		}
	}
	return string(r)
}

// addSub parses a substitution's script and attaches it to the command.
func (p *parser) addSub(inner, origin string) *Script {
	sub := p.st.parse(inner, p.depth+1, p.s)
	for _, c := range sub.Commands() {
		if c.Origin == "" {
			c.Origin = origin
		}
	}
	c := p.command()
	if len(c.Subs) < 32 {
		c.Subs = append(c.Subs, sub)
	}
	return sub
}

// substitute handles $(…) and `…`: it records the nested script and returns
// its output when the output is computable (echo, printf, base64 -d …).
func (p *parser) substitute(inner, origin string) string {
	sub := p.addSub(inner, origin)
	if out, ok := scriptOutput(sub); ok {
		p.trick("substitution-" + outputTrick(sub))
		return p.spend(out)
	}
	return "$(…)"
}

func outputTrick(s *Script) string {
	if len(s.Pipelines) == 0 {
		return "empty"
	}
	pl := s.Pipelines[0]
	if len(pl) > 1 {
		return pl[len(pl)-1].Name()
	}
	return pl[0].Name()
}

// scriptOutput computes the stdout of a script made of echo/printf piped
// through decoders; ok is false for anything else.
func scriptOutput(s *Script) (string, bool) {
	if s == nil || len(s.Pipelines) != 1 {
		return "", false
	}
	pl := s.Pipelines[0]
	out, ok := literalOutput(pl[0])
	if !ok {
		return "", false
	}
	for _, c := range pl[1:] {
		out, ok = transform(c, out)
		if !ok {
			return "", false
		}
	}
	return out, true
}

// literalOutput returns what echo, printf or cat <<<"…" print.
func literalOutput(c *Command) (string, bool) {
	for _, r := range c.Redirects {
		if r.Op == "<<<" && c.Name() == "cat" {
			return r.Target + "\n", true
		}
	}
	switch c.Name() {
	case "echo":
		args := c.Argv[1:]
		esc, nl := false, true
		for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "neE") == "" {
			esc = esc || strings.Contains(args[0], "e")
			nl = nl && !strings.Contains(args[0], "n")
			args = args[1:]
		}
		s := strings.Join(args, " ")
		if esc {
			s = unescape(s)
		}
		if nl {
			s += "\n"
		}
		return s, true
	case "printf":
		if len(c.Argv) < 2 {
			return "", false
		}
		return printf(c.Argv[1], c.Argv[2:]), true
	}
	return "", false
}

// transform applies a decoding filter to data.
func transform(c *Command, in string) (string, bool) {
	name := c.Name()
	args := strings.Join(c.Argv[1:], " ")
	in = strings.TrimSpace(in)
	switch {
	case (name == "base64" || name == "base32" || name == "openssl" && strings.Contains(args, "base64")) &&
		(strings.Contains(args, "-d") || strings.Contains(args, "-D") || strings.Contains(args, "--decode")):
		if name == "base32" {
			return "", false
		}
		return decodeBase64(in)
	case name == "xxd" && strings.Contains(args, "-r") && strings.Contains(args, "-p"):
		b, err := hex.DecodeString(strings.Join(strings.Fields(in), ""))
		return string(b), err == nil
	case name == "rev":
		r := []rune(in)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), true
	case name == "tr" && len(c.Argv) == 3 && len(c.Argv[1]) == len(c.Argv[2]) && len(c.Argv[1]) <= 256:
		from, to := c.Argv[1], c.Argv[2]
		return strings.Map(func(r rune) rune {
			if i := strings.IndexRune(from, r); i >= 0 && i < len(to) {
				return rune(to[i])
			}
			return r
		}, in), true
	}
	return "", false
}

func decodeBase64(in string) (string, bool) {
	in = strings.Join(strings.Fields(in), "")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(in); err == nil {
			return string(b), true
		}
	}
	return "", false
}

// printf implements the subset of printf(1) used to build strings.
func printf(format string, args []string) string {
	var b strings.Builder
	for round := 0; round < 64; round++ {
		used := 0
		next := func() string {
			if used < len(args) {
				used++
				return args[used-1]
			}
			return ""
		}
		for i := 0; i < len(format); i++ {
			c := format[i]
			if c == '\\' {
				j := i + 1
				for j < len(format) && j < i+5 && format[j] != '\\' && format[j] != '%' {
					j++
				}
				seq := format[i:j]
				dec := unescape(seq)
				b.WriteString(dec)
				i = j - 1
				continue
			}
			if c != '%' || i+1 >= len(format) {
				b.WriteByte(c)
				continue
			}
			j := i + 1
			for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
				j++
			}
			if j >= len(format) {
				break
			}
			switch format[j] {
			case '%':
				b.WriteByte('%')
			case 's', 'q':
				b.WriteString(next())
			case 'b':
				b.WriteString(unescape(next()))
			case 'c':
				if a := next(); a != "" {
					b.WriteString(a[:1])
				}
			case 'd', 'i', 'u':
				b.WriteString(next())
			case 'x', 'X', 'o':
				n, _ := strconv.ParseInt(next(), 0, 64)
				b.WriteString(strconv.FormatInt(n, map[byte]int{'x': 16, 'X': 16, 'o': 8}[format[j]]))
			}
			i = j
		}
		args = args[used:]
		if used == 0 || len(args) == 0 {
			break
		}
	}
	return b.String()
}

// unescape decodes backslash escapes as echo -e and printf %b do:
// \xHH, \0NNN / \NNN, \uHHHH, \n, \t, \\.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '\\':
			b.WriteByte('\\')
		case 'x', 'u', 'U':
			max := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			j := i + 1
			for j < len(s) && j <= i+max && isDigitIn(s[j], 16) {
				j++
			}
			v, err := strconv.ParseUint(s[i+1:j], 16, 32)
			if err != nil {
				b.WriteByte(e)
				continue
			}
			if e == 'x' {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			if e == '0' {
				j++
			}
			k := j
			for k < len(s) && k < j+3 && s[k] >= '0' && s[k] <= '7' {
				k++
			}
			v, _ := strconv.ParseUint(s[j:k], 8, 16)
			b.WriteByte(byte(v))
			i = k - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}
