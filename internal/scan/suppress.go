package scan

import (
	"bytes"
	"fmt"
	"path"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/moat-dev/moat/internal/finding"
)

// Suppression silences findings by rule, server, tool and client. A reason
// is required; until (YYYY-MM-DD, inclusive) makes it expire.
type Suppression struct {
	Rule   string `yaml:"rule"`
	Server string `yaml:"server"`
	Tool   string `yaml:"tool"`
	Client string `yaml:"client"`
	Reason string `yaml:"reason"`
	Until  string `yaml:"until"`

	line  int
	until time.Time
	used  int
}

// Suppressions is a parsed suppressions file (.moatignore).
type Suppressions struct {
	File    string
	entries []*Suppression
}

type suppressionsDoc struct {
	Version int           `yaml:"version"`
	Ignore  []Suppression `yaml:"ignore"`
}

// ParseSuppressions parses a suppressions file strictly: unknown keys, a
// missing reason, an entry that matches everything and a bad date are
// errors that name the line.
func ParseSuppressions(file string, data []byte) (*Suppressions, error) {
	var doc suppressionsDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && err.Error() != "EOF" {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if doc.Version != 0 && doc.Version != 1 {
		return nil, fmt.Errorf("%s: version %d is not supported (want 1)", file, doc.Version)
	}
	lines := itemLines(data)
	out := &Suppressions{File: file}
	for i := range doc.Ignore {
		s := doc.Ignore[i]
		if i < len(lines) {
			s.line = lines[i]
		}
		if s.Reason == "" {
			return nil, fmt.Errorf("%s:%d: suppression has no reason; say why the finding is acceptable", file, s.line)
		}
		if s.Rule == "" && s.Server == "" && s.Tool == "" {
			return nil, fmt.Errorf("%s:%d: suppression needs at least one of rule, server or tool", file, s.line)
		}
		for _, pat := range []string{s.Rule, s.Server, s.Tool, s.Client} {
			if _, err := path.Match(pat, ""); err != nil {
				return nil, fmt.Errorf("%s:%d: bad pattern %q: %w", file, s.line, pat, err)
			}
		}
		if s.Until != "" {
			t, err := time.Parse("2006-01-02", s.Until)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: until %q is not a date (want YYYY-MM-DD)", file, s.line, s.Until)
			}
			s.until = t.AddDate(0, 0, 1) // inclusive: expires at the end of that day (UTC)
		}
		out.entries = append(out.entries, &s)
	}
	return out, nil
}

// itemLines returns the line of each item of the top-level "ignore" list.
func itemLines(data []byte) []int {
	var n yaml.Node
	if yaml.Unmarshal(data, &n) != nil || len(n.Content) == 0 {
		return nil
	}
	m := n.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "ignore" {
			var out []int
			for _, it := range m.Content[i+1].Content {
				out = append(out, it.Line)
			}
			return out
		}
	}
	return nil
}

func match(pat, v string) bool {
	if pat == "" {
		return true
	}
	ok, _ := path.Match(pat, v)
	return ok
}

// Apply removes suppressed findings. Expired entries do not apply; every
// expired or unused entry yields a warning.
func (ss *Suppressions) Apply(fs []finding.Finding, now time.Time) (kept []finding.Finding, suppressed int, warnings []string) {
	if ss == nil {
		return fs, 0, nil
	}
	for _, f := range fs {
		hit := false
		for _, s := range ss.entries {
			if !s.until.IsZero() && !now.Before(s.until) {
				continue
			}
			if match(s.Rule, f.Rule) && match(s.Server, f.Location.Server) && match(s.Tool, f.Location.Tool) && match(s.Client, f.Location.Client) {
				s.used++
				hit = true
				break
			}
		}
		if hit {
			suppressed++
		} else {
			kept = append(kept, f)
		}
	}
	for _, s := range ss.entries {
		switch {
		case !s.until.IsZero() && !now.Before(s.until):
			warnings = append(warnings, fmt.Sprintf("%s:%d: suppression expired on %s and no longer applies (%s)", ss.File, s.line, s.Until, s.describe()))
		case s.used == 0:
			warnings = append(warnings, fmt.Sprintf("%s:%d: suppression matched no finding; remove it (%s)", ss.File, s.line, s.describe()))
		}
	}
	return kept, suppressed, warnings
}

func (s *Suppression) describe() string {
	var b bytes.Buffer
	for _, kv := range [][2]string{{"rule", s.Rule}, {"server", s.Server}, {"tool", s.Tool}, {"client", s.Client}} {
		if kv[1] != "" {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(kv[0] + " " + kv[1])
		}
	}
	return b.String()
}
