package detect

import (
	"bytes"
	"reflect"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// TestCompiledForm checks that the binary loads the compiled automaton (no
// rebuild) and that it scans exactly like one built from the phrases.
func TestCompiledForm(t *testing.T) {
	if _, ok := readHeader(rulesBin, rulesGen); !ok {
		t.Fatal("rules.gen.bin does not belong to rules.gen.json: run go test ./internal/detect -run TestGeneratedCatalogue -update")
	}
	loaded, err := loadGenerated(rulesGen, rulesBin)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.compiled {
		t.Fatal("the compiled form was not used: run go test ./internal/detect -run TestGeneratedCatalogue -update")
	}
	var src ruleSource
	if err := jsonv2.Unmarshal(rulesGen, &src); err != nil {
		t.Fatal(err)
	}
	if again, err := loaded.encodeCompiled(rulesGen, src.Rules); err != nil || !bytes.Equal(again, rulesBin) {
		t.Fatalf("re-encoding the loaded automaton changes it (%v)", err)
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

// TestCompiledRejectsMismatch: a compiled form for another rules.gen.json,
// or a damaged one, is not used; the catalogue is built from the phrases.
func TestCompiledRejectsMismatch(t *testing.T) {
	edited := append(bytes.TrimSuffix(rulesGen[:len(rulesGen):len(rulesGen)], []byte("\n")), " \n"...)
	cases := map[string]struct{ gen, bin []byte }{
		"truncated":    {rulesGen, rulesBin[:len(rulesBin)/2]},
		"trailing":     {rulesGen, append(append([]byte(nil), rulesBin...), 0)},
		"checksum":     {rulesGen, flip(rulesBin, len(compiledMagic))},
		"magic":        {rulesGen, flip(rulesBin, 0)},
		"empty":        {rulesGen, nil},
		"edited rules": {edited, rulesBin},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := loadGenerated(tc.gen, tc.bin)
			if err != nil {
				t.Fatal(err)
			}
			if c.compiled {
				t.Fatal("compiled form was used")
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
	src := []byte(`{"Rules":[]}`)
	seed, err := small.encodeCompiled(src, []ruleSchema{{ID: "x", Contexts: []string{"output"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:headerLen+3])
	f.Fuzz(func(t *testing.T, data []byte) {
		h, ok := readHeader(data, src)
		if !ok {
			return
		}
		if _, err := decodeRules(data[h.sectionOff:]); err != nil {
			return
		}
		c := &catalogue{terms: small.terms}
		if !c.loadCompiled(data, h) {
			return
		}
		c.ac.scan([]byte("xab abc bab ab"), func(id int32, s, e int) {
			if s < 0 || e > 14 || int(id) >= len(c.patterns) {
				t.Fatalf("bad hit %d [%d,%d)", id, s, e)
			}
		})
	})
}

// TestCompiledRules: the rule section decodes to exactly what rules.gen.json
// decodes to (nil and empty kept apart), and damage is an error.
func TestCompiledRules(t *testing.T) {
	var src ruleSource
	if err := jsonv2.Unmarshal(rulesGen, &src); err != nil {
		t.Fatal(err)
	}
	h, ok := readHeader(rulesBin, rulesGen)
	if !ok {
		t.Fatal("rules.gen.bin does not belong to rules.gen.json: run go test ./internal/detect -run TestGeneratedCatalogue -update")
	}
	got, err := decodeRules(rulesBin[h.sectionOff:])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, src.Rules) {
		t.Fatal("rule section differs from rules.gen.json")
	}
	sec := rulesBin[h.sectionOff:]
	for _, bad := range [][]byte{sec[:len(sec)-1], append(append([]byte(nil), sec...), 0), {0xff}} {
		if _, err := decodeRules(bad); err == nil {
			t.Errorf("damaged section of %d bytes decoded", len(bad))
		}
	}
}

// FuzzDecodeRules: any bytes decode or fail without panicking.
func FuzzDecodeRules(f *testing.F) {
	seed, err := encodeRules([]ruleSchema{{ID: "x", Contexts: []string{"output"}, Match: matchSchema{All: [][]string{{"a"}, {}}, Severity: map[string]string{"output": "high"}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte{2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := decodeRules(data)
		if err != nil {
			return
		}
		again, err := encodeRules(rules)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := decodeRules(again); err != nil || !reflect.DeepEqual(back, rules) {
			t.Fatalf("round trip differs: %v", err)
		}
	})
}
