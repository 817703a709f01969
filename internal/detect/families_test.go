package detect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/moat-dev/moat/internal/finding"
)

type familyFile struct {
	Context  string                 `yaml:"context"`
	Families map[string]familyCases `yaml:"families"`
}

type familyCases struct {
	Identifier bool     `yaml:"identifier"`
	Fields     []string `yaml:"fields"`
	Attacks    []string `yaml:"attacks"`
	Benign     []string `yaml:"benign"`
}

// tagEncode spells s in invisible Unicode Tag characters.
func tagEncode(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x20 && r < 0x7F {
			b.WriteRune(0xE0000 + r)
		}
	}
	return b.String()
}

func familyText(s string) string {
	if strings.HasPrefix(s, "TAG:") {
		return "Reads a file." + tagEncode(s[4:])
	}
	return s
}

func serious(fs []finding.Finding) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Severity >= finding.Medium && f.Category != finding.CatSecret {
			out = append(out, f)
		}
	}
	return out
}

// TestFamilies runs our own attack and hard-negative sentences per family
// and language (testdata/families/*.yaml).
func TestFamilies(t *testing.T) {
	e := mustEngine(t)
	files, _ := filepath.Glob("testdata/families/*.yaml")
	if len(files) == 0 {
		t.Fatal("no family files")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var ff familyFile
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&ff); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		ctx := contextNames[ff.Context]
		for name, fc := range ff.Families {
			fields := fc.Fields
			if len(fields) == 0 {
				fields = []string{"description"}
			}
			t.Run(ff.Context+"/"+name, func(t *testing.T) {
				for _, field := range fields {
					for _, a := range fc.Attacks {
						fs := e.Scan(Target{Context: ctx, Text: familyText(a), Identifier: fc.Identifier, Location: finding.Location{Field: field}})
						if len(serious(fs)) == 0 {
							t.Errorf("missed [%s]: %q (got %s)", field, a, ruleIDs(fs))
						}
					}
					for _, n := range fc.Benign {
						fs := e.Scan(Target{Context: ctx, Text: familyText(n), Identifier: fc.Identifier, Location: finding.Location{Field: field}})
						if s := serious(fs); len(s) > 0 {
							t.Errorf("false positive [%s]: %q → %s", field, n, ruleIDs(s))
						}
					}
				}
			})
		}
	}
}
