package detect

import (
	"bytes"
	"reflect"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

func generatedSource(t testing.TB) ruleSource {
	t.Helper()
	var src ruleSource
	if err := jsonv2.Unmarshal(rulesGen, &src); err != nil {
		t.Fatal(err)
	}
	if len(src.Compiled) == 0 {
		t.Fatal("rules.gen.json has no compiled form: run go test ./internal/detect -run TestGeneratedCatalogue -update")
	}
	return src
}

// TestCompiledForm checks that the binary loads the compiled automaton (no
// rebuild) and that it scans exactly like one built from the phrases.
func TestCompiledForm(t *testing.T) {
	src := generatedSource(t)
	loaded, err := compileCatalogue(src)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.compiled {
		t.Fatal("the compiled form was not used: run go test ./internal/detect -run TestGeneratedCatalogue -update")
	}
	if !bytes.Equal(loaded.encodeCompiled(), src.Compiled) {
		t.Fatal("re-encoding the loaded automaton changes it")
	}
	src.Compiled = nil
	built, err := compileCatalogue(src)
	if err != nil {
		t.Fatal(err)
	}
	if built.compiled {
		t.Fatal("built catalogue claims the compiled form")
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

// TestCompiledRejectsMismatch: data from other terms, or damaged data, is
// not used; the catalogue is built from the phrases instead.
func TestCompiledRejectsMismatch(t *testing.T) {
	src := generatedSource(t)
	good := src.Compiled
	cases := map[string][]byte{
		"truncated":   good[:len(good)/2],
		"trailing":    append(append([]byte(nil), good...), 0),
		"fingerprint": flip(good, 1),
		"format":      append([]byte{9}, good[1:]...),
		"empty":       {},
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			s := src
			s.Compiled = data
			c, err := compileCatalogue(s)
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
	f.Add(small.encodeCompiled())
	f.Add(small.encodeCompiled()[:20])
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &catalogue{terms: small.terms}
		if !c.loadCompiled(data) {
			return
		}
		c.ac.scan([]byte("xab abc bab ab"), func(id int32, s, e int) {
			if s < 0 || e > 14 || int(id) >= len(c.patterns) {
				t.Fatalf("bad hit %d [%d,%d)", id, s, e)
			}
		})
	})
}
