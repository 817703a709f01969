// Package rawserver is a tiny newline-delimited JSON-RPC MCP server for
// moat's deliberately malicious test servers. It serves hand-written raw
// JSON, so a definition can carry members the official SDKs would drop.
package rawserver

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Spec is what the server answers.
type Spec struct {
	Name, Version, Instructions string
	// Tools, Prompts, Resources and Templates are raw JSON objects.
	Tools, Prompts, Resources, Templates []string
	// PageSize splits tools/list into pages of this many tools (0: one page).
	PageSize int
}

type request struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Cursor string `json:"cursor"`
	} `json:"params"`
}

// Serve answers requests from r on w until r ends.
func Serve(r io.Reader, w io.Writer, s Spec) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil || len(req.ID) == 0 {
			continue
		}
		result := s.answer(req)
		if _, err := fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`+"\n", req.ID, result); err != nil {
			return err
		}
	}
	return sc.Err()
}

func (s Spec) answer(req request) string {
	switch req.Method {
	case "initialize":
		instr, _ := json.Marshal(s.Instructions)
		return fmt.Sprintf(`{"protocolVersion":"2025-06-18","capabilities":{"tools":{},"prompts":{},"resources":{}},"serverInfo":{"name":%q,"version":%q},"instructions":%s}`, s.Name, s.Version, instr)
	case "tools/list":
		return s.page(req.Params.Cursor)
	case "prompts/list":
		return `{"prompts":[` + strings.Join(s.Prompts, ",") + `]}`
	case "resources/list":
		return `{"resources":[` + strings.Join(s.Resources, ",") + `]}`
	case "resources/templates/list":
		return `{"resourceTemplates":[` + strings.Join(s.Templates, ",") + `]}`
	}
	return `{}`
}

func (s Spec) page(cursor string) string {
	if s.PageSize <= 0 {
		return `{"tools":[` + strings.Join(s.Tools, ",") + `]}`
	}
	start := 0
	fmt.Sscanf(cursor, "page-%d", &start)
	end := min(start+s.PageSize, len(s.Tools))
	start = min(start, end)
	next := ""
	if end < len(s.Tools) {
		next = fmt.Sprintf(`,"nextCursor":"page-%d"`, end)
	}
	return `{"tools":[` + strings.Join(s.Tools[start:end], ",") + `]` + next + `}`
}
