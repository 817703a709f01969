package secrets

import (
	"strings"
	"testing"
)

// TestManySecrets guards against super-linear overlap resolution: a dump
// with thousands of secrets must still scan in one pass.
func TestManySecrets(t *testing.T) {
	line := "GITHUB_TOKEN=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 postgres://app:MtEToD4uyeti@db:5432/x\n"
	text := strings.Repeat(line, 2000)
	ms := Scan(text)
	if len(ms) != 4000 {
		t.Fatalf("%d matches", len(ms))
	}
	checkSpans(t, text, ms)
}
