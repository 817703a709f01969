package secrets

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// registryTools is the evaluation set of real tool definitions published in
// the Docker MCP registry (outside the repository; the test skips without
// it).
const registryTools = "/work/shared/eval/docker-mcp-registry-tools/tools.jsonl"

// TestRegistryFalsePositives scans every tool description and input schema
// of the registry set. Real tool definitions almost never hold secrets, so
// every hit is a candidate false positive to inspect by hand (-v prints
// them, redacted).
func TestRegistryFalsePositives(t *testing.T) {
	f, err := os.Open(registryTools)
	if err != nil {
		t.Skipf("registry evaluation set not available: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	tools, texts, hits := 0, 0, 0
	for sc.Scan() {
		var rec struct {
			ID          string          `json:"id"`
			Description string          `json:"description"`
			InputSchema json.RawMessage `json:"input_schema"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v", tools+1, err)
		}
		tools++
		for _, text := range []string{rec.Description, string(rec.InputSchema)} {
			texts++
			for _, m := range Scan(text) {
				hits++
				lo, hi := max(0, m.Start-40), min(len(text), m.End+40)
				t.Logf("%s %s: …%s%s%s…", rec.ID, m.RuleID, text[lo:m.Start], m.Redacted, text[m.End:hi])
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d tools, %d texts scanned, %d hits", tools, texts, hits)
}
