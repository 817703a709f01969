package gather

import (
	"strconv"
	"strings"
)

// semver is a parsed version: major.minor.patch[-pre].
type semver struct {
	n   [3]int
	pre string
}

func parseSemver(s string) (semver, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	s = strings.TrimPrefix(s, "=")
	s, _, _ = strings.Cut(s, "+")
	core, pre, _ := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return semver{}, false
	}
	var v semver
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return semver{}, false
		}
		v.n[i] = n
	}
	v.pre = pre
	return v, true
}

func (a semver) cmp(b semver) int {
	for i := range 3 {
		if a.n[i] != b.n[i] {
			if a.n[i] < b.n[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	case a.pre < b.pre:
		return -1
	}
	return 1
}

// comparator is one "op version" test.
type comparator struct {
	op string
	v  semver
}

func (c comparator) ok(v semver) bool {
	d := v.cmp(c.v)
	switch c.op {
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	}
	return d == 0
}

// parseRange parses an npm range into alternatives of comparator sets.
// ok is false for what it cannot read (tags, URLs, aliases).
func parseRange(r string) ([][]comparator, bool) {
	r = strings.TrimSpace(r)
	var out [][]comparator
	for _, alt := range strings.Split(r, "||") {
		set, ok := parseSet(strings.TrimSpace(alt))
		if !ok {
			return nil, false
		}
		out = append(out, set)
	}
	return out, true
}

func parseSet(s string) ([]comparator, bool) {
	if s == "" || s == "*" || s == "x" || s == "latest" {
		return []comparator{{">=", semver{}}}, true
	}
	if lo, hi, ok := strings.Cut(s, " - "); ok {
		a, ok1 := partial(strings.TrimSpace(lo))
		b, ok2 := partial(strings.TrimSpace(hi))
		if !ok1 || !ok2 {
			return nil, false
		}
		return []comparator{{">=", a.floor()}, b.ceilCmp()}, true
	}
	var set []comparator
	fields := strings.Fields(s)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if (f == ">=" || f == "<=" || f == ">" || f == "<" || f == "=") && i+1 < len(fields) {
			f += fields[i+1]
			i++
		}
		cs, ok := parseOne(f)
		if !ok {
			return nil, false
		}
		set = append(set, cs...)
	}
	return set, len(set) > 0
}

// part is a possibly partial version ("1", "1.2", "1.2.x").
type part struct {
	n   [3]int
	len int // how many numbers were given
	pre string
}

func partial(s string) (part, bool) {
	s = strings.TrimPrefix(s, "v")
	s, _, _ = strings.Cut(s, "+")
	core, pre, _ := strings.Cut(s, "-")
	var p part
	for _, x := range strings.Split(core, ".") {
		if x == "x" || x == "X" || x == "*" {
			break
		}
		if p.len == 3 {
			return part{}, false
		}
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 {
			return part{}, false
		}
		p.n[p.len] = n
		p.len++
	}
	p.pre = pre
	return p, true
}

func (p part) floor() semver { return semver{n: p.n, pre: p.pre} }

// ceilCmp is the upper bound of a hyphen range's right side.
func (p part) ceilCmp() comparator {
	switch p.len {
	case 0:
		return comparator{">=", semver{}}
	case 1:
		return comparator{"<", semver{n: [3]int{p.n[0] + 1, 0, 0}, pre: "0"}}
	case 2:
		return comparator{"<", semver{n: [3]int{p.n[0], p.n[1] + 1, 0}, pre: "0"}}
	}
	return comparator{"<=", p.floor()}
}

func parseOne(f string) ([]comparator, bool) {
	op := ""
	for _, o := range []string{">=", "<=", ">", "<", "=", "^", "~"} {
		if strings.HasPrefix(f, o) {
			op, f = o, f[len(o):]
			break
		}
	}
	p, ok := partial(f)
	if !ok {
		return nil, false
	}
	lo := p.floor()
	upper := func(n [3]int) []comparator {
		return []comparator{{">=", lo}, {"<", semver{n: n, pre: "0"}}}
	}
	switch op {
	case "^":
		switch {
		case p.n[0] > 0 || p.len <= 1:
			return upper([3]int{p.n[0] + 1, 0, 0}), true
		case p.n[1] > 0 || p.len == 2:
			return upper([3]int{0, p.n[1] + 1, 0}), true
		}
		return upper([3]int{0, 0, p.n[2] + 1}), true
	case "~":
		if p.len <= 1 {
			return upper([3]int{p.n[0] + 1, 0, 0}), true
		}
		return upper([3]int{p.n[0], p.n[1] + 1, 0}), true
	case ">", "<=":
		if p.len < 3 {
			c := p.ceilCmp()
			if op == ">" {
				return []comparator{{">=", c.v}}, true
			}
			return []comparator{c}, true
		}
		return []comparator{{op, lo}}, true
	case ">=", "<":
		return []comparator{{op, lo}}, true
	}
	if p.len < 3 {
		return []comparator{{">=", lo}, p.ceilCmp()}, true
	}
	return []comparator{{"=", lo}}, true
}

// maxSatisfying returns the highest version matching the range; versions
// with a prerelease only match comparators naming the same
// major.minor.patch with a prerelease (npm's rule).
func maxSatisfying(versions []string, r string) (string, bool) {
	alts, ok := parseRange(r)
	if !ok {
		return "", false
	}
	best, bestV, found := "", semver{}, false
	for _, s := range versions {
		v, ok := parseSemver(s)
		if !ok {
			continue
		}
		for _, set := range alts {
			if matches(set, v) && (!found || v.cmp(bestV) > 0) {
				best, bestV, found = s, v, true
				break
			}
		}
	}
	return best, found
}

func matches(set []comparator, v semver) bool {
	preAllowed := v.pre == ""
	for _, c := range set {
		if !c.ok(v) {
			return false
		}
		if v.pre != "" && c.v.pre != "" && c.v.pre != "0" && c.v.n == v.n {
			preAllowed = true
		}
	}
	return preAllowed
}
