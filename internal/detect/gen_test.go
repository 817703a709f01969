package detect

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// TestGeneratedCatalogue keeps rules.gen.json and rules.gen.bin — the forms
// the binary loads, so that no process parses YAML or builds the phrase
// automaton at start-up — in sync with rules/*.yaml. Run with -update after
// editing a rule file (it rewrites both files; commit both).
func TestGeneratedCatalogue(t *testing.T) {
	src, err := decodeRuleFiles(ruleFS)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := compileCatalogue(src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	bin, err := cat.encodeCompiled(want, src.Rules)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("rules.gen.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("rules.gen.bin", bin, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(want, rulesGen) {
		t.Fatal("rules.gen.json is out of date: run go test ./internal/detect -run TestGeneratedCatalogue -update")
	}
	if !bytes.Equal(bin, rulesBin) {
		t.Fatal("rules.gen.bin is out of date: run go test ./internal/detect -run TestGeneratedCatalogue -update (and commit it with rules.gen.json)")
	}
	if _, err := loadGenerated(rulesGen, rulesBin); err != nil {
		t.Fatal(err)
	}
}
