package shellparse

import (
	"strconv"
	"strings"
)

// parser is a single-pass lexer and parser over one script.
type parser struct {
	st    *state
	src   string
	pos   int
	s     *Script
	depth int
	// per command
	cur      *Command
	curPipe  []*Command
	heredocs []*Redirect
	// per word
	tricks []string
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek(off int) byte {
	if p.pos+off < len(p.src) {
		return p.src[p.pos+off]
	}
	return 0
}

func (p *parser) run() {
	for !p.eof() {
		if p.st.budget <= 0 {
			p.s.Truncated = true
			return
		}
		p.skipBlanks()
		if p.eof() {
			break
		}
		c := p.peek(0)
		switch {
		case c == '#': // a comment starts at the beginning of a word
			for !p.eof() && p.peek(0) != '\n' {
				p.pos++
			}
		case c == '\n' || c == ';' || c == '(' || c == ')':
			p.pos++
			if c == ';' && p.peek(0) == ';' {
				p.pos++
			}
			p.endPipeline()
			if c == '\n' {
				p.readHeredocs()
			}
		case c == '&' && p.peek(1) == '&', c == '|' && p.peek(1) == '|':
			p.pos += 2
			p.endPipeline()
		case c == '|':
			p.pos++
			if p.peek(0) == '&' {
				p.pos++
			}
			p.endCommand()
		case c == '&' && p.peek(1) != '>':
			p.pos++
			p.endPipeline()
		case p.atRedirect():
			p.readRedirect()
		default:
			p.readWordInto()
		}
	}
	p.endPipeline()
}

func (p *parser) skipBlanks() {
	for !p.eof() {
		c := p.peek(0)
		if c == ' ' || c == '\t' || c == '\r' {
			p.pos++
		} else if c == '\\' && p.peek(1) == '\n' {
			p.pos += 2
		} else {
			return
		}
	}
}

func (p *parser) command() *Command {
	if p.cur == nil {
		p.cur = &Command{}
	}
	return p.cur
}

func (p *parser) endCommand() {
	if p.cur == nil {
		return
	}
	c := p.cur
	p.cur = nil
	if p.assignOnly(c) {
		return
	}
	c.Stage = len(p.curPipe)
	c.Pipeline = len(p.s.Pipelines)
	p.curPipe = append(p.curPipe, c)
	p.st.budget--
	p.finish(c)
}

func (p *parser) endPipeline() {
	p.endCommand()
	if len(p.curPipe) > 0 {
		p.s.Pipelines = append(p.s.Pipelines, p.curPipe)
		p.resolvePipeline(p.curPipe)
		p.curPipe = nil
	}
}

// assignOnly records NAME=value words in front of a command; it reports
// whether the command was nothing but assignments (or export/declare).
func (p *parser) assignOnly(c *Command) bool {
	i := 0
	for i < len(c.Argv) && isAssign(c.Argv[i]) {
		i++
	}
	if i == len(c.Argv) && len(c.Redirects) == 0 && len(c.Subs) == 0 {
		for _, a := range c.Argv {
			p.setVar(a)
		}
		return len(c.Argv) > 0
	}
	c.Argv = c.Argv[i:]
	if len(c.Argv) > 0 {
		switch c.Argv[0] {
		case "export", "declare", "local", "readonly", "typeset":
			for _, a := range c.Argv[1:] {
				if isAssign(a) {
					p.setVar(a)
				}
			}
		case "alias":
			for _, a := range c.Argv[1:] {
				if k, v, ok := strings.Cut(a, "="); ok {
					if p.st.alias == nil {
						p.st.alias = map[string]string{}
					}
					p.st.alias[k] = v
				}
			}
		}
	}
	return false
}

func (p *parser) setVar(a string) {
	k, v, _ := strings.Cut(a, "=")
	k = strings.TrimSuffix(k, "+")
	if p.st.vars == nil {
		p.st.vars = map[string]string{}
	}
	if len(v) > maxVar {
		v = v[:maxVar]
		p.s.Truncated = true
	}
	if len(p.st.vars) < 256 {
		p.st.vars[k] = v
	}
}

func isAssign(w string) bool {
	k, _, ok := strings.Cut(w, "=")
	k = strings.TrimSuffix(k, "+")
	return ok && isName(k)
}

func isName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (p *parser) atRedirect() bool {
	i := p.pos
	for i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '9' {
		i++
	}
	if i >= len(p.src) {
		return false
	}
	c := p.src[i]
	if c == '&' && i == p.pos && i+1 < len(p.src) && p.src[i+1] == '>' {
		return true
	}
	if (c == '<' || c == '>') && i+1 < len(p.src) && p.src[i+1] == '(' {
		return false // process substitution is a word
	}
	return c == '<' || c == '>'
}

func (p *parser) readRedirect() {
	for !p.eof() && p.peek(0) >= '0' && p.peek(0) <= '9' {
		p.pos++
	}
	start := p.pos
	for !p.eof() && strings.IndexByte("<>&|-", p.peek(0)) >= 0 && p.pos-start < 3 {
		if p.peek(0) == '-' && p.src[start:p.pos] != "<<" {
			break
		}
		p.pos++
	}
	op := p.src[start:p.pos]
	p.skipBlanks()
	fields := p.readWord()
	r := Redirect{Op: op, Target: strings.Join(fields, " ")}
	c := p.command()
	c.Redirects = append(c.Redirects, r)
	if op == "<<" || op == "<<-" {
		p.heredocs = append(p.heredocs, &c.Redirects[len(c.Redirects)-1])
	}
}

// readHeredocs reads pending here-document bodies after a newline.
func (p *parser) readHeredocs() {
	if len(p.heredocs) == 0 {
		return
	}
	pending := p.heredocs
	p.heredocs = nil
	for _, r := range pending {
		delim := r.Target
		var body []string
		for !p.eof() {
			end := strings.IndexByte(p.src[p.pos:], '\n')
			line := p.src[p.pos:]
			if end >= 0 {
				line = p.src[p.pos : p.pos+end]
				p.pos += end + 1
			} else {
				p.pos = len(p.src)
			}
			if strings.TrimLeft(line, "\t") == delim {
				break
			}
			body = append(body, line)
		}
		r.Target = strings.Join(body, "\n")
	}
	// Commands already finished before their bodies were read: resolve again.
	for _, pl := range p.s.Pipelines {
		for _, c := range pl {
			if readsStdinScript(c) && hasHeredoc(c) {
				p.nestStdin(c)
			}
		}
	}
}

// readWordInto reads one word (possibly several fields) into the command.
func (p *parser) readWordInto() {
	fields := p.readWord()
	c := p.command()
	if len(c.Argv) == 0 && len(fields) > 0 && len(p.tricks) > 0 {
		c.Tricks = append(c.Tricks, p.tricks...)
	}
	c.Argv = append(c.Argv, fields...)
}

// wordBuf accumulates the fields of one word.
type wordBuf struct {
	fields []string
	cur    strings.Builder
	has    bool
}

func (w *wordBuf) add(s string) { w.cur.WriteString(s); w.has = true }
func (w *wordBuf) addByte(c byte) {
	w.cur.WriteByte(c)
	w.has = true
}

// addSplit appends the result of an unquoted expansion, splitting on IFS.
func (w *wordBuf) addSplit(s string) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' || s[i] == '\n' {
			w.flush()
			continue
		}
		w.addByte(s[i])
	}
}

func (w *wordBuf) flush() {
	if w.has {
		w.fields = append(w.fields, w.cur.String())
		w.cur.Reset()
		w.has = false
	}
}

func isMeta(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')'
}

// readWord reads one shell word with quoting and expansions.
func (p *parser) readWord() []string {
	p.tricks = p.tricks[:0]
	var w wordBuf
	start := p.pos
	// A run of plain bytes (most words are nothing else) is taken from
	// the source as it is, not byte by byte.
	i := p.pos
	for i < len(p.src) && plainByte(p.src[i]) {
		i++
	}
	if i > p.pos {
		if i == len(p.src) || isMeta(p.src[i]) && !p.procSubAt(i) {
			p.pos = i
			return []string{p.src[start:i]}
		}
		w.add(p.src[p.pos:i])
		p.pos = i
	}
	for !p.eof() {
		c := p.peek(0)
		if (c == '<' || c == '>') && p.peek(1) == '(' {
			p.pos++
			inner := p.readBalanced('(', ')')
			p.addSub(inner, "process-substitution")
			w.add("/dev/fd/63")
			continue
		}
		if isMeta(c) {
			break
		}
		switch c {
		case '\\':
			p.pos++
			if p.eof() {
				break
			}
			n := p.peek(0)
			p.pos++
			if n == '\n' {
				continue
			}
			if n >= 'a' && n <= 'z' || n >= 'A' && n <= 'Z' {
				p.trick("backslash")
			}
			w.addByte(n)
		case '\'':
			p.pos++
			end := strings.IndexByte(p.src[p.pos:], '\'')
			if end < 0 {
				end = len(p.src) - p.pos
			}
			lit := p.src[p.pos : p.pos+end]
			p.pos += end + 1
			if lit == "" || p.pos-end-2 > start || isWordByte(p.peek(0)) {
				p.trick("quotes")
			}
			w.add(lit)
		case '"':
			p.pos++
			w.add(p.readDouble())
			if p.peek(0) != 0 && !isMeta(p.peek(0)) && p.pos > start {
				p.trick("quotes")
			}
		case '`':
			p.pos++
			inner := p.readUntil('`')
			w.addSplit(p.substitute(inner, "``"))
		case '$':
			p.readDollar(&w, false)
		default:
			w.addByte(c)
			p.pos++
		}
	}
	if p.pos > len(p.src) {
		p.pos = len(p.src)
	}
	w.flush()
	if len(w.fields) == 0 && p.pos > start && containsQuote(p.src[start:p.pos]) {
		return []string{""}
	}
	return w.fields
}

// procSubAt reports a process substitution, <( or >(, at i.
func (p *parser) procSubAt(i int) bool {
	return (p.src[i] == '<' || p.src[i] == '>') && i+1 < len(p.src) && p.src[i+1] == '('
}

// plainByte is a byte that readWord adds to the word as it is.
func plainByte(c byte) bool {
	return !isMeta(c) && c != '\\' && c != '\'' && c != '"' && c != '`' && c != '$'
}

func containsQuote(s string) bool { return strings.ContainsAny(s, `'"`) }

func isWordByte(c byte) bool {
	return c != 0 && !isMeta(c) && c != '\'' && c != '"'
}

func (p *parser) trick(t string) {
	p.tricks = append(p.tricks, t)
	p.s.addTrick(t)
}

// readUntil reads to the next unescaped delimiter and consumes it.
func (p *parser) readUntil(d byte) string {
	var b strings.Builder
	for !p.eof() {
		c := p.peek(0)
		p.pos++
		if c == '\\' && !p.eof() {
			b.WriteByte(p.peek(0))
			p.pos++
			continue
		}
		if c == d {
			break
		}
		b.WriteByte(c)
	}
	return b.String()
}

// readBalanced reads from an opening delimiter at p.pos to its matching
// close, honouring quotes, and returns the inside.
func (p *parser) readBalanced(open, close byte) string {
	p.pos++ // open
	start := p.pos
	depth := 1
	for !p.eof() {
		c := p.peek(0)
		switch c {
		case '\\':
			p.pos++
		case '\'':
			if e := strings.IndexByte(p.src[p.pos+1:], '\''); e >= 0 {
				p.pos += e + 1
			}
		case '"':
			for p.pos++; !p.eof() && p.peek(0) != '"'; p.pos++ {
				if p.peek(0) == '\\' {
					p.pos++
				}
			}
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				inner := p.src[start:p.pos]
				p.pos++
				return inner
			}
		}
		p.pos++
	}
	if p.pos > len(p.src) {
		p.pos = len(p.src)
	}
	return p.src[start:p.pos]
}

// readDouble reads a double-quoted string body after the opening quote.
func (p *parser) readDouble() string {
	var w wordBuf
	for !p.eof() {
		c := p.peek(0)
		switch c {
		case '"':
			p.pos++
			return w.cur.String()
		case '\\':
			n := p.peek(1)
			if n == '$' || n == '`' || n == '"' || n == '\\' {
				w.addByte(n)
				p.pos += 2
			} else if n == '\n' {
				p.pos += 2
			} else {
				w.addByte('\\')
				p.pos++
			}
		case '`':
			p.pos++
			w.add(p.substitute(p.readUntil('`'), "``"))
		case '$':
			p.readDollar(&w, true)
		default:
			w.addByte(c)
			p.pos++
		}
	}
	return w.cur.String()
}

// readDollar handles $'…', $"…", $(…), $((…)), ${…} and $NAME.
func (p *parser) readDollar(w *wordBuf, quoted bool) {
	n := p.peek(1)
	add := w.addSplit
	if quoted {
		add = w.add
	}
	switch {
	case n == '\'' && !quoted:
		p.pos += 2
		w.add(p.readANSIC())
	case n == '"' && !quoted:
		p.pos += 2
		w.add(p.readDouble())
	case n == '(' && p.peek(2) == '(':
		p.pos++
		inner := p.readBalanced('(', ')')
		w.add("$(" + inner + ")")
	case n == '(':
		p.pos++
		inner := p.readBalanced('(', ')')
		add(p.substitute(inner, "$()"))
	case n == '{':
		p.pos++
		inner := p.readBalanced('{', '}')
		add(p.expandBraced(inner))
	case isNameStart(n):
		p.pos++
		start := p.pos
		for !p.eof() && isNameByte(p.peek(0)) {
			p.pos++
		}
		add(p.expandVar(p.src[start:p.pos]))
	case n >= '0' && n <= '9' || n == '@' || n == '*' || n == '#' || n == '?' || n == '$' || n == '!' || n == '-':
		p.pos += 2
		if n == '0' {
			add("bash")
		}
	default:
		p.pos++
		w.addByte('$')
	}
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isNameByte(c byte) bool  { return isNameStart(c) || c >= '0' && c <= '9' }

// readANSIC decodes a $'…' string body (escapes \xHH, \NNN, \uHHHH, \n …).
func (p *parser) readANSIC() string {
	var b strings.Builder
	escaped := false
	for !p.eof() {
		c := p.peek(0)
		p.pos++
		if c == '\'' {
			break
		}
		if c != '\\' || p.eof() {
			b.WriteByte(c)
			continue
		}
		escaped = true
		e := p.peek(0)
		p.pos++
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a', 'b', 'e', 'E', 'f', 'v':
			b.WriteByte(' ')
		case 'x':
			b.WriteString(p.numEscape(16, 2, 8))
		case 'u':
			b.WriteString(p.numEscape(16, 4, 32))
		case 'U':
			b.WriteString(p.numEscape(16, 8, 32))
		case '0', '1', '2', '3', '4', '5', '6', '7':
			p.pos--
			b.WriteString(p.numEscape(8, 3, 8))
		default:
			b.WriteByte(e)
		}
	}
	if escaped {
		p.trick("ansi-c")
	}
	return b.String()
}

func (p *parser) numEscape(base, max, bits int) string {
	start := p.pos
	for p.pos-start < max && !p.eof() && isDigitIn(p.peek(0), base) {
		p.pos++
	}
	v, err := strconv.ParseUint(p.src[start:p.pos], base, bits)
	if err != nil {
		return ""
	}
	if bits == 8 {
		return string([]byte{byte(v)})
	}
	return string(rune(v))
}

func isDigitIn(c byte, base int) bool {
	if base == 8 {
		return c >= '0' && c <= '7'
	}
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hasHeredoc(c *Command) bool {
	for _, r := range c.Redirects {
		if r.Op == "<<" || r.Op == "<<-" {
			return true
		}
	}
	return false
}
