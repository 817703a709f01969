package detect

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	"go.yaml.in/yaml/v3"

	"github.com/moat-dev/moat/internal/finding"
)

//go:embed rules/*.yaml
var ruleFS embed.FS

// rulesGen is the catalogue in the form the binary loads (see loadGenerated).
//
//go:embed rules.gen.json
var rulesGen []byte

// The catalogue file schema. Decoded strictly: unknown keys are errors.
type fileSchema struct {
	Version int                            `yaml:"version"`
	Sets    map[string]map[string][]string `yaml:"sets"`
	Rules   []ruleSchema                   `yaml:"rules"`
}

type ruleSchema struct {
	ID          string         `yaml:"id"`
	Category    string         `yaml:"category"`
	Severity    string         `yaml:"severity"`
	Contexts    []string       `yaml:"contexts"`
	Description string         `yaml:"description"`
	Message     string         `yaml:"message"`
	Fix         string         `yaml:"fix"`
	Keywords    []string       `yaml:"keywords"`
	Match       matchSchema    `yaml:"match"`
	Quoted      string         `yaml:"quoted"`
	Weight      int            `yaml:"weight"`
	Examples    examplesSchema `yaml:"examples"`
}

type matchSchema struct {
	All       [][]string        `yaml:"all"`
	Window    int               `yaml:"window"`
	Ordered   bool              `yaml:"ordered"`
	NotBefore []string          `yaml:"not_before"`
	Unless    []string          `yaml:"unless"`
	Regex     string            `yaml:"regex"`
	Require   []string          `yaml:"require"`
	Forbid    []string          `yaml:"forbid"`
	Hidden    []string          `yaml:"hidden"`
	Combine   int               `yaml:"combine"`
	Sentence  bool              `yaml:"sentence"`
	Gap       int               `yaml:"gap"`
	Severity  map[string]string `yaml:"severity_in"`
}

type examplesSchema struct {
	Context    string   `yaml:"context"`
	Identifier bool     `yaml:"identifier"`
	Field      string   `yaml:"field"`
	Match      []string `yaml:"match"`
	Nomatch    []string `yaml:"nomatch"`
}

// Rule is one compiled rule of the catalogue.
type Rule struct {
	ID          string
	Category    string
	Severity    finding.Severity
	Contexts    []Context
	Description string
	Message     string
	Fix         string
	// Examples are the rule's own true and false positives; a test runs them.
	Examples examplesSchema
	// Quoted is the severity used when the match is quoted or explanatory;
	// -1 drops the finding.
	Quoted finding.Severity
	Weight int

	groups    [][]int32 // term ids per group
	window    int
	ordered   bool
	notBefore []int32
	unless    []int32
	keywords  []int32
	reSrc     string         // the regex as written; "" when the rule has none
	re        *regexp.Regexp // compiled on first use when loaded lazily (see regex)
	reOnce    sync.Once
	require   []featureFunc
	forbid    []featureFunc
	hidden    []string
	combine   int
	sentence  bool
	gap       int
	sevIn     map[Context]finding.Severity
	ctxMask   uint8
	features  []string
}

// Phrases returns every literal phrase the rule's groups match, for docs.
func (r *Rule) phraseCount(c *catalogue) int {
	n := 0
	for _, g := range r.groups {
		for _, t := range g {
			n += len(c.terms[t].phrases)
		}
	}
	return n
}

// quotedKeep marks rules whose severity does not change when quoted.
const quotedKeep finding.Severity = -2

type term struct {
	name    string // "@set" or the literal
	phrases []string
}

// pattern is one literal phrase in the automaton.
type pattern struct {
	text       string
	boundStart bool // must start at a word boundary
	boundEnd   bool // must end at a word boundary
	terms      []int32
}

type catalogue struct {
	rules    []*Rule
	terms    []term
	termIdx  map[string]int32
	patterns []pattern
	ac       *automaton
	compiled bool // patterns and ac were loaded from the compiled form
	// lazyRegex defers compiling rule regexes to their first use (the
	// generated catalogue, whose regexes the generator has compiled).
	lazyRegex bool
	// setsLater: terms of phrase sets have no phrases (compileTrusted).
	setsLater bool
}

// regex returns the rule's compiled regex, compiling it on first use. Only
// the generated catalogue defers compiling, and TestGeneratedCatalogue
// compiles every regex in it, so a failure here is a build defect.
func (r *Rule) regex() *regexp.Regexp {
	r.reOnce.Do(func() {
		if r.re == nil {
			r.re = regexp.MustCompile(r.reSrc)
		}
	})
	return r.re
}

var contextNames = map[string]Context{"definition": Definition, "output": Output, "input": Input}

// loadCatalogue reads and compiles every rules/*.yaml file.
func loadCatalogue(fsys fs.FS) (*catalogue, error) {
	src, err := decodeRuleFiles(fsys)
	if err != nil {
		return nil, err
	}
	return compileCatalogue(src)
}

// ruleSource is the decoded catalogue before compilation. It is also what
// rules.gen.json holds, so the binary need not parse YAML at start-up.
type ruleSource struct {
	Sets  map[string]map[string][]string
	Rules []ruleSchema
}

// loadGenerated compiles the catalogue from rules.gen.json and its compiled
// form rules.gen.bin (both kept in sync with the rule files by
// TestGeneratedCatalogue). When the compiled form belongs to this file, the
// rules and the automaton come from it and no JSON is decoded; otherwise
// the file is decoded and the automaton built. Decoding is strict:
// case-sensitive names, duplicate and unknown names rejected.
func loadGenerated(data, compiled []byte) (*catalogue, error) {
	if h, ok := readHeader(compiled, data); ok {
		// The embedded data never changes, so the rules' strings share it.
		if rules, err := decodeRulesFrom(compiled[h.sectionOff:], true); err == nil {
			if c, err := compileTrusted(rules, compiled, h); err == nil {
				return c, nil
			}
		}
	}
	var src ruleSource
	if err := jsonv2.Unmarshal(data, &src, jsonv2.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("decode rules.gen.json: %w (run go test ./internal/detect -run TestGeneratedCatalogue -update)", err)
	}
	return compileSource(src, true)
}

// compileTrusted compiles rules against the compiled form, which holds the
// phrase patterns, so the phrase sets are not needed. It fails when the
// compiled form is malformed.
func compileTrusted(rules []ruleSchema, compiled []byte, h compiledHeader) (*catalogue, error) {
	c := &catalogue{termIdx: map[string]int32{}, lazyRegex: true, setsLater: true}
	if err := c.compileRules(rules, nil); err != nil {
		return nil, err
	}
	if !c.loadCompiled(compiled, h) {
		return nil, errors.New("compiled form is malformed")
	}
	return c, nil
}

// decodeRuleFiles decodes every rules/*.yaml file strictly.
func decodeRuleFiles(fsys fs.FS) (ruleSource, error) {
	names, err := fs.Glob(fsys, "rules/*.yaml")
	if err != nil {
		return ruleSource{}, fmt.Errorf("list rule files: %w", err)
	}
	sort.Strings(names)
	sets := map[string]map[string][]string{}
	var rules []ruleSchema
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return ruleSource{}, fmt.Errorf("read %s: %w", name, err)
		}
		var f fileSchema
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
			return ruleSource{}, fmt.Errorf("decode %s: %w (fix the rule file)", name, err)
		}
		if f.Version != 1 {
			return ruleSource{}, fmt.Errorf("%s: version %d is not supported (want 1)", name, f.Version)
		}
		for k, v := range f.Sets {
			if _, dup := sets[k]; dup {
				return ruleSource{}, fmt.Errorf("%s: phrase set %q defined twice", name, k)
			}
			sets[k] = v
		}
		rules = append(rules, f.Rules...)
	}
	return ruleSource{Sets: sets, Rules: rules}, nil
}

// compileCatalogue compiles decoded rules and builds the automaton.
func compileCatalogue(src ruleSource) (*catalogue, error) { return compileSource(src, false) }

// compileSource is compileCatalogue, optionally deferring regex compiles.
func compileSource(src ruleSource, lazyRegex bool) (*catalogue, error) {
	c := &catalogue{termIdx: map[string]int32{}, lazyRegex: lazyRegex}
	if err := c.compileRules(src.Rules, src.Sets); err != nil {
		return nil, err
	}
	c.buildAutomaton()
	return c, nil
}

// compileRules compiles the rules and their terms. With c.setsLater, sets
// is nil and set terms get no phrases (the compiled form has the patterns).
func (c *catalogue) compileRules(rules []ruleSchema, sets map[string]map[string][]string) error {
	for _, rs := range rules {
		r, err := c.compileRule(rs, sets)
		if err != nil {
			return fmt.Errorf("rule %q: %w", rs.ID, err)
		}
		c.rules = append(c.rules, r)
	}
	for _, name := range []string{"explanatory", "example-marker"} {
		if _, ok := sets[name]; ok || c.setsLater {
			// The quoted-or-explanatory feature needs these phrases in the automaton.
			if _, err := c.termsFor([]string{"@" + name}, sets); err != nil {
				return err
			}
		}
	}
	return c.checkUnique()
}

func (c *catalogue) checkUnique() error {
	seen := map[string]bool{}
	for _, r := range c.rules {
		if seen[r.ID] {
			return fmt.Errorf("rule id %q is defined twice", r.ID)
		}
		seen[r.ID] = true
	}
	return nil
}

var validCategories = map[string]bool{
	finding.CatToolPoisoning: true, finding.CatPromptInjection: true, finding.CatHiddenContent: true,
}

func (c *catalogue) compileRule(rs ruleSchema, sets map[string]map[string][]string) (*Rule, error) {
	if rs.ID == "" || rs.Description == "" {
		return nil, errors.New("id and description are required")
	}
	if !validCategories[rs.Category] {
		return nil, fmt.Errorf("category %q: use tool-poisoning, prompt-injection or hidden-content", rs.Category)
	}
	sev, err := finding.ParseSeverity(rs.Severity)
	if err != nil || sev > finding.Critical {
		return nil, fmt.Errorf("severity %q: %w", rs.Severity, err)
	}
	r := &Rule{ID: rs.ID, Category: rs.Category, Severity: sev, Description: strings.TrimSpace(rs.Description),
		Message: strings.TrimSpace(rs.Message), Fix: strings.TrimSpace(rs.Fix), Examples: rs.Examples,
		Weight: rs.Weight, window: rs.Match.Window, ordered: rs.Match.Ordered, hidden: rs.Match.Hidden,
		combine: rs.Match.Combine, sentence: rs.Match.Sentence, gap: rs.Match.Gap, Quoted: finding.Low}
	if r.Message == "" {
		r.Message = r.Description
	}
	if r.window == 0 {
		r.window = 120
	}
	if len(rs.Contexts) == 0 {
		return nil, errors.New("contexts are required")
	}
	for _, cn := range rs.Contexts {
		ctx, ok := contextNames[cn]
		if !ok {
			return nil, fmt.Errorf("context %q: use definition, output or input", cn)
		}
		r.Contexts = append(r.Contexts, ctx)
		r.ctxMask |= 1 << ctx
	}
	if err := c.compileQuoted(r, rs.Quoted); err != nil {
		return nil, err
	}
	if len(rs.Match.Severity) > 0 {
		r.sevIn = map[Context]finding.Severity{}
		for cn, s := range rs.Match.Severity {
			ctx, ok := contextNames[cn]
			sv, err := finding.ParseSeverity(s)
			if !ok || err != nil {
				return nil, fmt.Errorf("severity_in %q: %q", cn, s)
			}
			r.sevIn[ctx] = sv
		}
	}
	if err := c.compileMatch(r, rs, sets); err != nil {
		return nil, err
	}
	return r, nil
}

func (c *catalogue) compileQuoted(r *Rule, q string) error {
	switch q {
	case "":
	case "drop":
		r.Quoted = -1
	case "keep":
		r.Quoted = quotedKeep
	default:
		s, err := finding.ParseSeverity(q)
		if err != nil {
			return fmt.Errorf("quoted: %w", err)
		}
		r.Quoted = s
	}
	return nil
}

func (c *catalogue) compileMatch(r *Rule, rs ruleSchema, sets map[string]map[string][]string) error {
	m := rs.Match
	kinds := 0
	if len(m.All) > 0 || m.Regex != "" {
		kinds++
	}
	if len(m.Hidden) > 0 {
		kinds++
	}
	if m.Combine > 0 {
		kinds++
	}
	if kinds != 1 {
		return errors.New("match needs exactly one of: all/regex, hidden, combine")
	}
	for _, g := range m.All {
		ids, err := c.termsFor(g, sets)
		if err != nil {
			return err
		}
		r.groups = append(r.groups, ids)
	}
	var err error
	if r.notBefore, err = c.termsFor(m.NotBefore, sets); err != nil {
		return err
	}
	if r.unless, err = c.termsFor(m.Unless, sets); err != nil {
		return err
	}
	if r.keywords, err = c.termsFor(rs.Keywords, sets); err != nil {
		return err
	}
	if m.Regex != "" {
		if len(r.groups) == 0 && len(r.keywords) == 0 {
			return errors.New("a regex rule needs keywords (the literal prefilter)")
		}
		r.reSrc = m.Regex
		if !c.lazyRegex {
			if r.re, err = regexp.Compile(m.Regex); err != nil {
				return fmt.Errorf("regex: %w", err)
			}
		}
	}
	for _, name := range m.Require {
		f, ok := features[name]
		if !ok {
			return fmt.Errorf("unknown feature %q", name)
		}
		r.require = append(r.require, f)
		r.features = append(r.features, name)
	}
	for _, name := range m.Forbid {
		f, ok := features[name]
		if !ok {
			return fmt.Errorf("unknown feature %q", name)
		}
		r.forbid = append(r.forbid, f)
		r.features = append(r.features, "not "+name)
	}
	return nil
}

// termsFor resolves group items: "@name" is a phrase set, anything else a
// literal phrase.
func (c *catalogue) termsFor(items []string, sets map[string]map[string][]string) ([]int32, error) {
	if len(items) == 0 {
		return nil, nil
	}
	nLits := 0
	for _, it := range items {
		if len(it) > 1 && strings.HasPrefix(it, "@") {
			continue
		}
		if strings.TrimSpace(it) == "" {
			return nil, fmt.Errorf("empty phrase in group %q", items)
		}
		nLits++
	}
	ids := make([]int32, 0, 1+len(items)-nLits)
	lits := items[:len(items):len(items)] // all literals: share the group
	if nLits < len(items) {
		lits = make([]string, 0, nLits)
		for _, it := range items {
			if len(it) <= 1 || !strings.HasPrefix(it, "@") {
				lits = append(lits, it)
			}
		}
	}
	if len(lits) > 0 {
		// All literals of a group form one term, so the prefilter checks one
		// hit list per group instead of one per phrase.
		key := "lit:" + strings.Join(lits, "\x00")
		id, ok := c.termIdx[key]
		if !ok {
			id = int32(len(c.terms))
			c.terms = append(c.terms, term{name: key, phrases: lits})
			c.termIdx[key] = id
		}
		ids = append(ids, id)
	}
	for _, it := range items {
		if len(it) <= 1 || !strings.HasPrefix(it, "@") {
			continue
		}
		if id, ok := c.termIdx[it]; ok {
			ids = append(ids, id)
			continue
		}
		var phrases []string
		if c.setsLater {
			// Trusted compiled form: the patterns carry the phrases.
		} else if len(it) > 1 && strings.HasPrefix(it, "@") {
			set, ok := sets[it[1:]]
			if !ok {
				return nil, fmt.Errorf("unknown phrase set %q", it)
			}
			langs := make([]string, 0, len(set))
			for l := range set {
				langs = append(langs, l)
			}
			sort.Strings(langs)
			for _, l := range langs {
				phrases = append(phrases, set[l]...)
			}
		} else {
			phrases = []string{it}
		}
		for i, p := range phrases {
			if strings.TrimSpace(p) == "" {
				return nil, fmt.Errorf("empty phrase in %q", it)
			}
			phrases[i] = p
		}
		id := int32(len(c.terms))
		c.terms = append(c.terms, term{name: it, phrases: phrases})
		c.termIdx[it] = id
		ids = append(ids, id)
	}
	return ids, nil
}

// buildAutomaton puts every phrase of every term into one automaton.
func (c *catalogue) buildAutomaton() {
	type phraseKey struct {
		text       string
		start, end bool
	}
	idx := map[phraseKey]int{}
	for tid, t := range c.terms {
		for _, raw := range t.phrases {
			p := parsePhrase(raw)
			key := phraseKey{p.text, p.boundStart, p.boundEnd}
			i, ok := idx[key]
			if !ok {
				i = len(c.patterns)
				idx[key] = i
				c.patterns = append(c.patterns, p)
			}
			c.patterns[i].terms = appendUnique(c.patterns[i].terms, int32(tid))
		}
	}
	texts := make([]string, len(c.patterns))
	for i, p := range c.patterns {
		texts[i] = p.text
	}
	c.ac = newAutomaton(texts)
}

// parsePhrase folds a phrase and reads its boundary markers: a trailing "*"
// allows any word ending ("exfiltrat*"); a leading "*" any word start.
// Phrases that begin or end with a non-Latin letter (Chinese) never need a
// boundary there.
func parsePhrase(raw string) pattern {
	p := pattern{boundStart: true, boundEnd: true}
	s := raw
	if strings.HasPrefix(s, "*") {
		p.boundStart = false
		s = s[1:]
	}
	if strings.HasSuffix(s, "*") {
		p.boundEnd = false
		s = s[:len(s)-1]
	}
	s = foldString(s)
	if s != "" {
		if !isASCIIWord(s[0]) && s[0] != '.' && s[0] != '~' {
			p.boundStart = false
		}
		if s[len(s)-1] >= 0x80 || !isASCIIWord(s[len(s)-1]) {
			p.boundEnd = false
		}
	}
	p.text = s
	return p
}

func isASCIIWord(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
}

// isWordByte reports whether b continues a word in folded text; any byte of a
// multi-byte rune counts as a letter.
func isWordByte(b byte) bool {
	return isASCIIWord(b) || b >= 0x80
}

func appendUnique(s []int32, v int32) []int32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}
