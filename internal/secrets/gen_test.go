package secrets

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// TestGeneratedCatalogue keeps rules.gen.json — what the binary loads — in
// sync with rules.yaml. Run with -update after editing it.
func TestGeneratedCatalogue(t *testing.T) {
	f, err := decodeCatalogue(defaultCatalogue)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(f)
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
	if !bytes.Equal(want, generatedCatalogue) {
		t.Fatal("rules.gen.json is out of date: run go test ./internal/secrets -run TestGeneratedCatalogue -update")
	}
}
