package secrets

import (
	"bytes"
	_ "embed" // the default catalogue
	"errors"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/moat-dev/moat/internal/finding"
)

//go:embed rules.yaml
var defaultCatalogue []byte

// Limits that keep a catalogue (and therefore every scan) bounded.
const (
	maxRules       = 128
	maxKeywordLen  = 64
	maxWindow      = 64 << 10
	defaultWindow  = 512
	catalogueLimit = 1 << 20
)

// fileSchema is the on-disk form of rules.yaml.
type fileSchema struct {
	Version int          `yaml:"version"`
	Rules   []ruleSchema `yaml:"rules"`
}

type ruleSchema struct {
	ID          string   `yaml:"id"`
	Category    string   `yaml:"category"`
	Severity    string   `yaml:"severity"`
	Description string   `yaml:"description"`
	Keywords    []string `yaml:"keywords"`
	Regex       string   `yaml:"regex"`
	// Window caps how many bytes after the keyword the regex may consume.
	Window int `yaml:"window"`
	// Embedded lets the keyword sit inside a longer identifier
	// (DB_PASSWORD). Without it the keyword must start a word.
	Embedded bool `yaml:"embedded"`
	// Gate is a cheap Go check at the keyword that must pass before the
	// regex runs: assignment, userinfo, jwt or aws-pair (see gate.go).
	Gate     string        `yaml:"gate"`
	Extend   string        `yaml:"extend"`
	Validate []string      `yaml:"validate"`
	Examples exampleSchema `yaml:"examples"`
}

type exampleSchema struct {
	Match   []string `yaml:"match"`
	NoMatch []string `yaml:"nomatch"`
}

// rule is the compiled, validated runtime form of one catalogue entry.
type rule struct {
	info     RuleInfo
	src      string         // the regex as written in the catalogue
	re       *regexp.Regexp // anchored at the keyword; nil until compiled
	valueGrp int            // submatch index of the secret value; 0 = whole match
	window   int
	embedded bool
	gate     gate
	extend   extender
	checks   []validator
}

// ruleSet is a compiled catalogue plus its keyword prefilter.
type ruleSet struct {
	rules []rule
	pf    prefilter
	// lazy, when set, compiles rule regexes on first use (the embedded
	// catalogue); nil means every regex is compiled already.
	lazy []lazyRegex
}

// compile decodes a catalogue strictly (unknown fields and duplicate keys
// are errors) and translates it into a ruleSet.
func compile(data []byte) (*ruleSet, error) {
	if len(data) > catalogueLimit {
		return nil, fmt.Errorf("secret rule catalogue is %d bytes, over the %d byte limit", len(data), catalogueLimit)
	}
	f, err := decodeCatalogue(data)
	if err != nil {
		return nil, err
	}
	return compileSchema(f)
}

// decodeCatalogue decodes the YAML catalogue strictly.
func decodeCatalogue(data []byte) (fileSchema, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f fileSchema
	if err := dec.Decode(&f); err != nil {
		return fileSchema{}, fmt.Errorf("decode secret rule catalogue: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fileSchema{}, errors.New("decode secret rule catalogue: more than one YAML document; keep one")
	}
	return f, nil
}

// compileGenerated builds the default rule set from the generated Go form
// of rules.yaml (rules_gen.go, kept in sync by TestGeneratedCatalogue): the
// catalogue and its prefilter tables are static data in the binary, so a
// process decodes no YAML or JSON and builds no tables at start-up, and a
// rule's regex is compiled only when its keyword first occurs in a scan.
func compileGenerated(f fileSchema, pf prefilter) (*ruleSet, error) {
	if err := checkCatalogue(f); err != nil {
		return nil, err
	}
	set := &ruleSet{rules: make([]rule, 0, len(f.Rules)), pf: pf, lazy: make([]lazyRegex, len(f.Rules))}
	for i := range f.Rules {
		r, err := translateMeta(&f.Rules[i])
		if err != nil {
			return nil, fmt.Errorf("secret rule %d (%q): %w", i, f.Rules[i].ID, err)
		}
		set.rules = append(set.rules, r)
	}
	for _, kw := range pf.kws {
		for _, ri := range kw.rules {
			if ri < 0 || ri >= len(set.rules) {
				return nil, errors.New("generated prefilter does not match the catalogue: run go test ./internal/secrets -run TestGeneratedCatalogue -update")
			}
		}
	}
	return set, nil
}

func checkCatalogue(f fileSchema) error {
	if f.Version != 1 {
		return fmt.Errorf("secret rule catalogue version %d is not supported: use version: 1", f.Version)
	}
	if len(f.Rules) == 0 || len(f.Rules) > maxRules {
		return fmt.Errorf("secret rule catalogue has %d rules: want 1..%d", len(f.Rules), maxRules)
	}
	return nil
}

// lazyRegex compiles one rule's regex on first use.
type lazyRegex struct {
	once sync.Once
	err  error
}

// prepare compiles rule ri's regex if the set compiles lazily. The
// embedded catalogue is proven by tests, so a failure is a build defect.
func (set *ruleSet) prepare(ri int) {
	if set.lazy == nil {
		return
	}
	l := &set.lazy[ri]
	l.once.Do(func() { l.err = set.rules[ri].compileRegex() })
	if l.err != nil {
		panic(fmt.Sprintf("secrets: embedded catalogue: secret rule %q: %v", set.rules[ri].info.ID, l.err))
	}
}

// compileSchema validates and compiles a decoded catalogue.
func compileSchema(f fileSchema) (*ruleSet, error) {
	if err := checkCatalogue(f); err != nil {
		return nil, err
	}
	set := &ruleSet{rules: make([]rule, 0, len(f.Rules))}
	seen := map[string]bool{}
	for i := range f.Rules {
		r, err := translate(&f.Rules[i])
		if err != nil {
			return nil, fmt.Errorf("secret rule %d (%q): %w", i, f.Rules[i].ID, err)
		}
		if seen[r.info.ID] {
			return nil, fmt.Errorf("secret rule %q is defined twice: rule ids must be unique", r.info.ID)
		}
		seen[r.info.ID] = true
		set.rules = append(set.rules, r)
	}
	kw := make([][]string, len(set.rules))
	for i := range set.rules {
		kw[i] = set.rules[i].info.Keywords
	}
	set.pf = buildPrefilter(kw)
	return set, nil
}

// translate validates one schema entry and compiles it.
func translate(s *ruleSchema) (rule, error) {
	r, err := translateMeta(s)
	if err != nil {
		return r, err
	}
	return r, r.compileRegex()
}

// translateMeta validates one schema entry and compiles everything but its
// regex (see compileRegex).
func translateMeta(s *ruleSchema) (rule, error) {
	var r rule
	if !strings.HasPrefix(s.ID, "secret-") || strings.ToLower(s.ID) != s.ID || strings.ContainsAny(s.ID, " \t[]") {
		return r, errors.New("id must be lower-case, start with \"secret-\" and contain no spaces or brackets")
	}
	if s.Category != finding.CatSecret {
		return r, fmt.Errorf("category %q: must be %q", s.Category, finding.CatSecret)
	}
	sev, err := finding.ParseSeverity(s.Severity)
	if err != nil || sev > finding.Critical {
		return r, fmt.Errorf("severity %q: use one of info, low, medium, high, critical", s.Severity)
	}
	if strings.TrimSpace(s.Description) == "" {
		return r, errors.New("description is empty: say in words what the rule finds")
	}
	kws, err := checkKeywords(s.Keywords)
	if err != nil {
		return r, err
	}
	r.src = s.Regex
	r.window = s.Window
	if r.window == 0 {
		r.window = defaultWindow
	}
	if r.window < 16 || r.window > maxWindow {
		return r, fmt.Errorf("window %d: must be 16..%d bytes", r.window, maxWindow)
	}
	if r.gate, err = lookupGate(s.Gate); err != nil {
		return r, err
	}
	if r.extend, err = lookupExtender(s.Extend); err != nil {
		return r, err
	}
	for _, v := range s.Validate {
		fn, err := parseValidator(v)
		if err != nil {
			return r, err
		}
		r.checks = append(r.checks, fn)
	}
	r.embedded = s.Embedded
	r.info = RuleInfo{
		ID: s.ID, Category: s.Category, Severity: sev,
		Description: strings.TrimSpace(s.Description), Keywords: kws,
		Examples: Examples{Match: s.Examples.Match, NoMatch: s.Examples.NoMatch},
	}
	return r, nil
}

// compileRegex compiles the rule's regex anchored at the keyword and
// narrows its window to the longest match.
func (r *rule) compileRegex() error {
	re, err := regexp.Compile(`^(?:` + r.src + `)`)
	if err != nil {
		return fmt.Errorf("regex: %w", err)
	}
	if idx := re.SubexpIndex("secret"); idx > 0 {
		r.valueGrp = idx
	}
	// A bounded regex never needs more text than its longest match; a
	// smaller window keeps the backtracker's per-call set-up small.
	if n, ok := maxMatchLen(re); ok && n < r.window {
		r.window = max(n, 1)
	}
	r.re = re
	return nil
}

func checkKeywords(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, errors.New("keywords are empty: every rule needs at least one literal prefilter keyword")
	}
	out := make([]string, 0, len(in))
	for _, k := range in {
		if len(k) < 3 || len(k) > maxKeywordLen {
			return nil, fmt.Errorf("keyword %q: must be 3..%d bytes", k, maxKeywordLen)
		}
		for i := 0; i < len(k); i++ {
			if k[i] < 0x21 || k[i] > 0x7e {
				return nil, fmt.Errorf("keyword %q: only printable ASCII without spaces", k)
			}
		}
		out = append(out, strings.ToLower(k))
	}
	return out, nil
}

// maxMatchLen returns the longest match of re in bytes, if it is bounded.
func maxMatchLen(re *regexp.Regexp) (int, bool) {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return 0, false
	}
	return syntaxMaxLen(t.Simplify())
}

func syntaxMaxLen(t *syntax.Regexp) (int, bool) {
	switch t.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpNoMatch:
		return 0, true
	case syntax.OpLiteral:
		n := 0
		for _, r := range t.Rune {
			n += utf8.RuneLen(r)
		}
		return n, true
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		if len(t.Rune) > 0 && t.Rune[len(t.Rune)-1] < utf8.RuneSelf {
			return 1, true
		}
		return utf8.UTFMax, true
	case syntax.OpCapture, syntax.OpQuest:
		return syntaxMaxLen(t.Sub[0])
	case syntax.OpRepeat:
		if t.Max < 0 {
			return 0, false
		}
		n, ok := syntaxMaxLen(t.Sub[0])
		return n * t.Max, ok
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range t.Sub {
			n, ok := syntaxMaxLen(sub)
			if !ok {
				return 0, false
			}
			if t.Op == syntax.OpConcat {
				total += n
			} else {
				total = max(total, n)
			}
		}
		return total, true
	}
	return 0, false // star, plus and anything unknown: unbounded
}
