package policy

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Scope is where a policy document comes from. It decides what the
// document may do: only the user's own policy may allow or relax.
type Scope int

// Scopes.
const (
	ScopeUser    Scope = iota // ~/.config/moat/policy.yaml
	ScopeProject              // .moat/policy.yaml in the working tree (untrusted)
	ScopeCLI                  // --policy FILE: given by the user, so user scope
)

func (s Scope) String() string {
	return [...]string{"user", "project", "cli"}[s]
}

// Source is one policy document.
type Source struct {
	Name  string // file name, for messages
	Scope Scope
	Data  []byte
}

// Problem is a lint finding in a policy document.
type Problem struct {
	Source  string `json:"source"`
	Line    int    `json:"line,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Message string `json:"message"`
	Warning bool   `json:"warning,omitempty"`
}

func (p Problem) String() string {
	loc := p.Source
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", p.Source, p.Line)
	}
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	return fmt.Sprintf("%s: %s: %s", loc, kind, p.Message)
}

// MaxPolicyBytes bounds one policy document.
const MaxPolicyBytes = 1 << 20

// fileDoc is the schema of a policy file.
type fileDoc struct {
	Version  int         `yaml:"version"`
	Default  string      `yaml:"default"`
	Builtins builtinsDoc `yaml:"builtins"`
	Rules    []ruleDoc   `yaml:"rules"`
}

type builtinsDoc struct {
	Disable []disableDoc `yaml:"disable"`
}

type disableDoc struct {
	ID     string `yaml:"id"`
	Reason string `yaml:"reason"`
}

type ruleDoc struct {
	ID          string            `yaml:"id"`
	Description string            `yaml:"description"`
	Action      string            `yaml:"action"`
	Server      string            `yaml:"server"`
	Tool        string            `yaml:"tool"`
	Client      string            `yaml:"client"`
	Labels      map[string]string `yaml:"labels"`
	Taint       []string          `yaml:"taint"`
	Args        []argDoc          `yaml:"args"`
	When        string            `yaml:"when"`
	Reason      string            `yaml:"reason"`
}

type argDoc struct {
	Path   string   `yaml:"path"`
	Regex  string   `yaml:"regex"`
	Glob   string   `yaml:"glob"`
	Prefix string   `yaml:"prefix"`
	OneOf  []string `yaml:"one_of"`
	Not    bool     `yaml:"not"`
}

// parsed is one decoded document with the line of each rule.
type parsed struct {
	src       Source
	doc       fileDoc
	ruleLines []int
	argLines  [][]int
	disLines  []int
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDoc decodes a document strictly: unknown keys, duplicate keys and
// type mismatches are errors with line numbers. The YAML is parsed once
// into a node tree, checked for unknown keys against the schema and then
// decoded from the tree.
func parseDoc(src Source) (*parsed, []Problem) {
	p := &parsed{src: src}
	if len(src.Data) > MaxPolicyBytes {
		return nil, []Problem{{Source: src.Name, Message: fmt.Sprintf("policy file is %d bytes, over the %d-byte limit", len(src.Data), MaxPolicyBytes)}}
	}
	if len(bytes.TrimSpace(src.Data)) == 0 {
		return p, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(src.Data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		return nil, yamlProblems(src.Name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, []Problem{{Source: src.Name, Line: extra.Line, Message: "more than one YAML document; put everything in one"}}
	}
	if probs := checkKnown(src.Name, &root, reflect.TypeOf(p.doc), 0); len(probs) > 0 {
		return nil, probs
	}
	if err := root.Decode(&p.doc); err != nil {
		return nil, yamlProblems(src.Name, err)
	}
	p.lines(&root)
	return p, nil
}

var schemaNames = map[reflect.Type]string{
	reflect.TypeOf(fileDoc{}): "the policy file", reflect.TypeOf(ruleDoc{}): "a rule", reflect.TypeOf(argDoc{}): "an args entry",
	reflect.TypeOf(builtinsDoc{}): "builtins", reflect.TypeOf(disableDoc{}): "a builtins.disable entry",
}

// checkKnown reports mapping keys that the schema type t does not have.
// Alias nodes are not followed (their anchors are checked where defined).
func checkKnown(name string, n *yaml.Node, t reflect.Type, depth int) []Problem {
	if depth > 16 {
		return nil
	}
	var out []Problem
	switch {
	case n.Kind == yaml.DocumentNode:
		for _, c := range n.Content {
			out = append(out, checkKnown(name, c, t, depth+1)...)
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			f, ok := fieldByTag(t, k.Value)
			if !ok {
				out = append(out, Problem{Source: name, Line: k.Line, Message: fmt.Sprintf("unknown key %q in %s", k.Value, schemaNames[t])})
				continue
			}
			out = append(out, checkKnown(name, n.Content[i+1], f.Type, depth+1)...)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			out = append(out, checkKnown(name, c, t.Elem(), depth+1)...)
		}
	}
	return out
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func yamlProblems(name string, err error) []Problem {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var out []Problem
	for _, m := range msgs {
		pr := Problem{Source: name, Message: m}
		if sm := lineRE.FindStringSubmatch(m); sm != nil {
			fmt.Sscan(sm[1], &pr.Line)
			pr.Message = sm[2]
		} else if strings.HasPrefix(m, "line ") {
			var rest string
			if n, _ := fmt.Sscanf(m, "line %d:", &pr.Line); n == 1 {
				_, rest, _ = strings.Cut(m, ": ")
				pr.Message = rest
			}
		}
		pr.Message = friendlyYAML(pr.Message)
		out = append(out, pr)
	}
	return out
}

// lines records the line of every rule, argument condition and disable
// entry from the node tree.
func (p *parsed) lines(root *yaml.Node) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		switch m.Content[i].Value {
		case "rules":
			for _, r := range m.Content[i+1].Content {
				p.ruleLines = append(p.ruleLines, r.Line)
				var al []int
				if r.Kind == yaml.MappingNode {
					for j := 0; j+1 < len(r.Content); j += 2 {
						if r.Content[j].Value == "args" {
							for _, a := range r.Content[j+1].Content {
								al = append(al, a.Line)
							}
						}
					}
				}
				p.argLines = append(p.argLines, al)
			}
		case "builtins":
			b := m.Content[i+1]
			for j := 0; j+1 < len(b.Content); j += 2 {
				if b.Content[j].Value == "disable" {
					for _, d := range b.Content[j+1].Content {
						p.disLines = append(p.disLines, d.Line)
					}
				}
			}
		}
	}
}

func lineAt(ls []int, i int) int {
	if i < len(ls) {
		return ls[i]
	}
	return 0
}

var typeNames = strings.NewReplacer("policy.fileDoc", "the policy file", "policy.ruleDoc", "a rule",
	"policy.argDoc", "an args entry", "policy.builtinsDoc", "builtins", "policy.disableDoc", "a builtins.disable entry")

var unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)

// friendlyYAML rewrites yaml.v3 messages that name Go types.
func friendlyYAML(m string) string {
	if sm := unknownFieldRE.FindStringSubmatch(m); sm != nil {
		return fmt.Sprintf("unknown key %q in %s", sm[1], typeNames.Replace(sm[2]))
	}
	return typeNames.Replace(m)
}
