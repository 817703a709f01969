package detect

import (
	"bytes"
	"reflect"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// generatedParts decodes rules.gen.json into its raw parts and the source.
func generatedParts(t testing.TB) (generatedFile, ruleSource) {
	t.Helper()
	var g generatedFile
	var src ruleSource
	if err := jsonv2.Unmarshal(rulesGen, &g); err != nil {
		t.Fatal(err)
	}
	if err := jsonv2.Unmarshal(rulesGen, &src); err != nil {
		t.Fatal(err)
	}
	return g, src
}

// TestCompiledForm checks that the binary loads the compiled automaton (no
// rebuild) and that it scans exactly like one built from the phrases.
func TestCompiledForm(t *testing.T) {
	g, src := generatedParts(t)
	loaded, err := loadGenerated(rulesGen, rulesBin)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.compiled {
		t.Fatal("the compiled form was not used: run go test ./internal/detect -run TestGeneratedCatalogue -update")
	}
	if !bytes.Equal(loaded.encodeCompiled(sourceFingerprint(g.Sets, g.Rules)), rulesBin) {
		t.Fatal("re-encoding the loaded automaton changes it")
	}
	built, err := compileCatalogue(src)
	if err != nil {
		t.Fatal(err)
	}
	if built.compiled || len(built.terms) != len(loaded.terms) || len(built.rules) != len(loaded.rules) {
		t.Fatal("built and loaded catalogues differ in shape")
	}
	le, err := newEngine(loaded, Options{})
	if err != nil {
		t.Fatal(err)
	}
	be, err := newEngine(built, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range built.rules {
		for _, ex := range append(append([]string(nil), r.Examples.Match...), r.Examples.Nomatch...) {
			for _, ctx := range []Context{Definition, Output, Input} {
				tg := Target{Context: ctx, Text: ex}
				if a, b := le.Scan(tg), be.Scan(tg); !reflect.DeepEqual(a, b) {
					t.Fatalf("rule %s example %q: loaded %v built %v", r.ID, ex, a, b)
				}
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no examples scanned")
	}
}

// TestCompiledRejectsMismatch: a compiled form from another source, or a
// damaged one, is not used; the catalogue is built from the phrases.
func TestCompiledRejectsMismatch(t *testing.T) {
	g, _ := generatedParts(t)
	good := rulesBin
	cases := map[string][]byte{
		"truncated":   good[:len(good)/2],
		"trailing":    append(append([]byte(nil), good...), 0),
		"fingerprint": flip(good, len(compiledMagic)),
		"magic":       flip(good, 0),
		"empty":       {},
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := loadGenerated(rulesGen, data)
			if err != nil {
				t.Fatal(err)
			}
			if c.compiled {
				t.Fatal("damaged compiled form was used")
			}
			if len(c.patterns) == 0 || c.ac == nil {
				t.Fatal("no automaton built")
			}
		})
	}
	// Rules edited without regenerating: the fingerprint no longer matches.
	edited := bytes.Replace(g.Rules, []byte(`"Weight":0`), []byte(`"Weight":1`), 1)
	if _, err := compileTrusted(decodeRules(t, edited), good, sourceFingerprint(g.Sets, edited)); err == nil {
		t.Fatal("compiled form accepted for edited rules")
	}
}

func decodeRules(t *testing.T, raw []byte) []ruleSchema {
	var rules []ruleSchema
	if err := jsonv2.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	return rules
}

func flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 0xff
	return out
}

// FuzzLoadCompiled: any bytes either load into an automaton that scans
// without panicking, or are rejected.
func FuzzLoadCompiled(f *testing.F) {
	small := &catalogue{terms: []term{{name: "x", phrases: []string{"ab", "b*", "abc"}}}}
	small.buildAutomaton()
	const fp = 42
	f.Add(small.encodeCompiled(fp))
	f.Add(small.encodeCompiled(fp)[:20])
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &catalogue{terms: small.terms}
		if !c.loadCompiled(data, fp) {
			return
		}
		c.ac.scan([]byte("xab abc bab ab"), func(id int32, s, e int) {
			if s < 0 || e > 14 || int(id) >= len(c.patterns) {
				t.Fatalf("bad hit %d [%d,%d)", id, s, e)
			}
		})
	})
}
