package pin

import (
	"fmt"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// MaxTools caps the tools ToolsOf returns from one result.
const MaxTools = 10_000

// ToolsOf splits one tools/list result ({"tools":[…],"nextCursor":…}) into
// the raw bytes of each tool definition, strictly (duplicate member names
// are errors), for FingerprintTool or NewServer. moat run calls it on every
// tools/list answer it relays; moat scan on every page it reads.
func ToolsOf(result []byte) (tools [][]byte, nextCursor string, err error) {
	var r struct {
		Tools      []jsontext.Value `json:"tools"`
		NextCursor string           `json:"nextCursor"`
	}
	if err := jsonv2.Unmarshal(result, &r); err != nil {
		return nil, "", fmt.Errorf("parse tools/list result: %w", err)
	}
	if len(r.Tools) > MaxTools {
		return nil, "", fmt.Errorf("tools/list result has %d tools, more than the %d moat pins", len(r.Tools), MaxTools)
	}
	for _, t := range r.Tools {
		tools = append(tools, []byte(t.Clone()))
	}
	return tools, r.NextCursor, nil
}
