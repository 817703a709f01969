package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// rule is a compiled user or project rule.
type rule struct {
	id, description, reason string
	action                  Action
	source                  string
	scope                   Scope
	line                    int
	server, tool, client    string // globs; "" matches anything
	labels                  map[string]string
	taint                   Taint
	args                    []argCond
	when                    *celProg
}

// argCond is one simple argument matcher.
type argCond struct {
	path   []pathSeg
	raw    string
	re     *regexp.Regexp
	glob   string
	prefix string
	oneOf  []string
	not    bool
	desc   string
}

// compileRule validates and compiles one rule document. CEL is compiled
// lazily unless eager is set (lint).
func compileRule(d ruleDoc, src Source, line int, argLines []int, home string, eager bool) (*rule, []Problem) {
	var probs []Problem
	bad := func(l int, f string, a ...any) {
		probs = append(probs, Problem{Source: src.Name, Line: l, Rule: d.ID, Message: fmt.Sprintf(f, a...)})
	}
	r := &rule{id: d.ID, description: d.Description, reason: d.Reason, source: src.Name, scope: src.Scope, line: line,
		server: d.Server, tool: d.Tool, client: d.Client, labels: d.Labels}
	if d.ID == "" {
		bad(line, "rule has no id: give every rule a short unique id")
	}
	a, ok := ParseAction(d.Action)
	if !ok {
		bad(line, "action %q is not allow, ask or deny", d.Action)
	}
	r.action = a
	for _, t := range d.Taint {
		switch t {
		case "secrets":
			r.taint |= TaintReadSecrets
		case "injected":
			r.taint |= TaintInjected
		default:
			bad(line, "taint %q is not secrets or injected", t)
		}
	}
	for i, ad := range d.Args {
		c, err := compileArg(ad, home)
		if err != nil {
			bad(lineAt(argLines, i), "args[%d]: %v", i, err)
			continue
		}
		r.args = append(r.args, c)
	}
	if d.When != "" {
		r.when = &celProg{expr: d.When}
		if eager {
			if _, err := r.when.program(); err != nil {
				bad(line, "when: %v", err)
			}
		}
	}
	return r, probs
}

func compileArg(d argDoc, home string) (argCond, error) {
	c := argCond{raw: d.Path, not: d.Not, prefix: d.Prefix, oneOf: d.OneOf}
	if d.Path == "" {
		return c, fmt.Errorf("path is required (a member name, $.a.b, a[0], a[*] or ** for every value)")
	}
	segs, err := parseJSONPath(d.Path)
	if err != nil {
		return c, err
	}
	c.path = segs
	n := 0
	if d.Regex != "" {
		n++
		re, err := regexp.Compile(d.Regex)
		if err != nil {
			return c, fmt.Errorf("regex %q: %w", d.Regex, err)
		}
		c.re, c.desc = re, "matches /"+d.Regex+"/"
	}
	if d.Glob != "" {
		n++
		c.glob, c.desc = CleanPath(d.Glob, home), "is under "+d.Glob
	}
	if d.Prefix != "" {
		n++
		c.desc = "starts with " + strconv.Quote(d.Prefix)
	}
	if len(d.OneOf) > 0 {
		n++
		c.desc = "is one of " + strings.Join(d.OneOf, ", ")
	}
	if n != 1 {
		return c, fmt.Errorf("give exactly one of regex, glob, prefix or one_of (got %d)", n)
	}
	if c.not {
		c.desc = "not: " + c.desc
	}
	return c, nil
}

// test reports whether a value satisfies the matcher (before negation).
func (c *argCond) test(v *value, home string) bool {
	if v.kind != kString && v.kind != kNumber && v.kind != kBool {
		return false
	}
	s := v.str
	switch {
	case c.re != nil:
		return c.re.MatchString(s)
	case c.glob != "":
		return matchPathGlob(c.glob, CleanPath(s, home))
	case c.prefix != "":
		return strings.HasPrefix(s, c.prefix)
	default:
		return slices.Contains(c.oneOf, s)
	}
}

// match applies the condition to every selected value. A positive
// condition holds when any value matches; a negated one when any value does
// not match or no value is present (fail closed: "path not under /work"
// holds for a call that hides its path elsewhere).
func (c *argCond) match(root *value, home string) (bool, string) {
	vals := selectPath(root, c.path)
	if c.not {
		if len(vals) == 0 {
			return true, c.raw + " is absent"
		}
		for _, v := range vals {
			if !c.test(v, home) {
				return true, fmt.Sprintf("%s = %s (%s)", c.raw, showValue(v.str), c.desc)
			}
		}
		return false, ""
	}
	for _, v := range vals {
		if c.test(v, home) {
			return true, fmt.Sprintf("%s = %s (%s)", c.raw, showValue(v.str), c.desc)
		}
	}
	return false, ""
}

// pathSeg is one step of a JSON path.
type pathSeg struct {
	key       string
	index     int  // -1 unless an index step
	wildcard  bool // * or [*]
	recursive bool // **
}

// parseJSONPath parses $.a.b, a.b[0], a[*], a.*, ["odd key"] and **.
func parseJSONPath(p string) ([]pathSeg, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(p, "$"), ".")
	var segs []pathSeg
	for len(s) > 0 && len(segs) < 32 {
		switch {
		case strings.HasPrefix(s, "**"):
			segs = append(segs, pathSeg{recursive: true, index: -1})
			s = s[2:]
		case s[0] == '*':
			segs = append(segs, pathSeg{wildcard: true, index: -1})
			s = s[1:]
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if strings.HasPrefix(s, `["`) {
				q, err := strconv.QuotedPrefix(s[1:])
				if err != nil || len(s) < len(q)+2 || s[1+len(q)] != ']' {
					return nil, fmt.Errorf("path %q: bad quoted key", p)
				}
				k, _ := strconv.Unquote(q)
				segs = append(segs, pathSeg{key: k, index: -1})
				s = s[len(q)+2:]
				break
			}
			if end < 0 {
				return nil, fmt.Errorf("path %q: missing ]", p)
			}
			in := s[1:end]
			if in == "*" {
				segs = append(segs, pathSeg{wildcard: true, index: -1})
			} else if n, err := strconv.Atoi(in); err == nil && n >= 0 {
				segs = append(segs, pathSeg{index: n})
			} else {
				return nil, fmt.Errorf("path %q: index %q is not a number or *", p, in)
			}
			s = s[end+1:]
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			segs = append(segs, pathSeg{key: s[:end], index: -1})
			s = s[end:]
		}
		s = strings.TrimPrefix(s, ".")
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("path %q selects nothing", p)
	}
	return segs, nil
}

// selectPath returns the values a path selects (keys compared exactly).
func selectPath(v *value, segs []pathSeg) []*value {
	if len(segs) == 0 {
		return []*value{v}
	}
	sg, rest := segs[0], segs[1:]
	var out []*value
	switch {
	case sg.recursive:
		var walk func(*value, int)
		walk = func(x *value, d int) {
			if d > MaxArgsDepth+1 {
				return
			}
			out = append(out, selectPath(x, rest)...)
			for _, e := range x.elems {
				walk(e, d+1)
			}
		}
		walk(v, 0)
	case sg.wildcard:
		for _, e := range v.elems {
			out = append(out, selectPath(e, rest)...)
		}
	case sg.index >= 0:
		if v.kind == kArray && sg.index < len(v.elems) {
			out = selectPath(v.elems[sg.index], rest)
		}
	case v.kind == kObject:
		for i, k := range v.keys {
			if k == sg.key {
				out = append(out, selectPath(v.elems[i], rest)...)
			}
		}
	}
	return out
}

// globMatch matches a name against a glob with * and ? (case-sensitive).
func globMatch(pattern, name string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	px, nx := 0, 0
	nextPx, nextNx := 0, 0
	for px < len(pattern) || nx < len(name) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextNx = px, nx+1
				px++
				continue
			case '?':
				if nx < len(name) {
					px++
					nx++
					continue
				}
			default:
				if nx < len(name) && name[nx] == c {
					px++
					nx++
					continue
				}
			}
		}
		if 0 < nextNx && nextNx <= len(name) {
			px, nx = nextPx, nextNx
			continue
		}
		return false
	}
	return true
}
