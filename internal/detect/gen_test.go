package detect

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// TestGeneratedCatalogue keeps rules.gen.json — the form the binary loads,
// so that no process parses YAML at start-up — in sync with rules/*.yaml.
// Run with -update after editing a rule file.
func TestGeneratedCatalogue(t *testing.T) {
	src, err := decodeRuleFiles(ruleFS)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := compileCatalogue(src)
	if err != nil {
		t.Fatal(err)
	}
	src.Compiled = cat.encodeCompiled()
	want, err := json.Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile("rules.gen.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(want, rulesGen) {
		t.Fatal("rules.gen.json is out of date: run go test ./internal/detect -run TestGeneratedCatalogue -update")
	}
	if _, err := loadGenerated(rulesGen); err != nil {
		t.Fatal(err)
	}
}
