package policy

import (
	"strings"

	"github.com/moat-dev/moat/internal/netaddr"
	"github.com/moat-dev/moat/internal/shellparse"
)

// evalCtx holds one evaluation: the decoded arguments and analysis results
// computed lazily and at most once.
type evalCtx struct {
	req    *Request
	args   *value
	leaves []leaf
	home   string

	shellDone bool
	shellRes  []*shellResult
	urlDone   bool
	urlRes    []urlRef
	sqlDone   bool
	sqlRes    []sqlRef
	annDone   bool
	ann       map[string]string
	act       map[string]any
	hash      string
	cleaned   []cleanedPath
	cleanBuf  [8]cleanedPath
}

// cleanedPath memoises CleanPath: several built-ins clean the same words.
type cleanedPath struct{ in, out string }

// maxCleaned bounds the memo; later paths are cleaned each time.
const maxCleaned = 64

// clean is CleanPath(p, x.home), computed once per distinct p.
func (x *evalCtx) clean(p string) string {
	for _, c := range x.cleaned {
		if c.in == p {
			return c.out
		}
	}
	out := CleanPath(p, x.home)
	if x.cleaned == nil {
		x.cleaned = x.cleanBuf[:0]
	}
	if len(x.cleaned) < maxCleaned {
		x.cleaned = append(x.cleaned, cleanedPath{p, out})
	}
	return out
}

type shellResult struct {
	leaf   *leaf
	script *shellparse.Script
	hits   []shellparse.Hit
}

type urlRef struct {
	leaf        *leaf
	url         netaddr.URL
	fromCommand bool
}

type sqlRef struct {
	leaf *leaf
	stmt sqlStmt
}

// maxShellLeaves bounds shell parsing per call.
const maxShellLeaves = 32

func (x *evalCtx) shells() []*shellResult {
	if x.shellDone {
		return x.shellRes
	}
	x.shellDone = true
	for i := range x.leaves {
		l := &x.leaves[i]
		if l.roles&RoleCommand == 0 || len(x.shellRes) >= maxShellLeaves {
			continue
		}
		s, hits := shellparse.Check(l.value)
		x.shellRes = append(x.shellRes, &shellResult{leaf: l, script: s, hits: hits})
	}
	return x.shellRes
}

func (x *evalCtx) urls() []urlRef {
	if x.urlDone {
		return x.urlRes
	}
	x.urlDone = true
	add := func(l *leaf, s string, cmd bool) {
		if u, ok := netaddr.ParseURL(s); ok && len(x.urlRes) < 64 {
			x.urlRes = append(x.urlRes, urlRef{leaf: l, url: u, fromCommand: cmd})
		}
	}
	for i := range x.leaves {
		l := &x.leaves[i]
		if l.roles&RoleURL != 0 {
			add(l, l.value, false)
		}
	}
	for _, sr := range x.shells() {
		for _, u := range netaddr.FindURLs(sr.leaf.value, 16) {
			add(sr.leaf, u, true)
		}
		for _, c := range sr.script.Commands() {
			if !shellparse.IsNetworkCommand(c.Name()) {
				continue
			}
			for _, a := range c.Argv[1:] {
				if !strings.HasPrefix(a, "-") && !strings.Contains(a, "://") && strings.ContainsAny(a, ".:") {
					add(sr.leaf, a, true)
				}
			}
		}
	}
	return x.urlRes
}

func (x *evalCtx) sql() []sqlRef {
	if x.sqlDone {
		return x.sqlRes
	}
	x.sqlDone = true
	for i := range x.leaves {
		l := &x.leaves[i]
		if l.roles&RoleQuery == 0 || !sqlKey(l.key) && !looksLikeSQL(l.value) {
			continue
		}
		for _, st := range parseSQL(l.value) {
			x.sqlRes = append(x.sqlRes, sqlRef{leaf: l, stmt: st})
		}
	}
	return x.sqlRes
}

// annotations returns the tool's top-level boolean and string annotations.
func (x *evalCtx) annotations() map[string]string {
	if x.annDone {
		return x.ann
	}
	x.annDone = true
	x.ann = map[string]string{}
	if len(x.req.Tool.Annotations) == 0 {
		return x.ann
	}
	v, err := decodeArgs(x.req.Tool.Annotations)
	if err != nil {
		return x.ann
	}
	for i, k := range v.keys {
		x.ann[k] = v.elems[i].str
	}
	return x.ann
}

func (x *evalCtx) argsHash() string {
	if x.hash == "" {
		x.hash = hashValue(x.args)
	}
	return x.hash
}

// sqlKey reports a member name that always holds SQL ("sql",
// "sqlQuery", "statement"), unlike "query", which may be a search.
func sqlKey(k string) bool {
	for _, w := range splitKey(k) {
		if w == "sql" || w == "statement" || w == "stmt" || w == "ddl" || w == "dml" {
			return true
		}
	}
	return false
}
