package hook

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// envelope is the union of the fields the supported runtimes send. Keys are
// matched case-sensitively and duplicate keys are rejected.
type envelope struct {
	HookEventName   string         `json:"hook_event_name"`
	HookEventCamel  string         `json:"hookEventName"`
	AgentActionName string         `json:"agent_action_name"`
	SessionID       string         `json:"session_id"`
	SessionIDCamel  string         `json:"sessionId"`
	ConversationID  string         `json:"conversation_id"`
	TrajectoryID    string         `json:"trajectory_id"`
	Cwd             string         `json:"cwd"`
	ToolName        string         `json:"tool_name"`
	ToolNameCamel   string         `json:"toolName"`
	ToolInput       jsontext.Value `json:"tool_input"`
	ToolArgs        jsontext.Value `json:"toolArgs"`
	ToolResponse    jsontext.Value `json:"tool_response"`
	ToolResult      jsontext.Value `json:"toolResult"`
	ResultJSON      jsontext.Value `json:"result_json"`
	Prompt          jsontext.Value `json:"prompt"`
	Command         string         `json:"command"`
	URL             string         `json:"url"`
	FilePath        string         `json:"file_path"`
	Content         jsontext.Value `json:"content"`
	McpContext      *mcpContext    `json:"mcp_context"`
	ToolInfo        *toolInfo      `json:"tool_info"`
}

type mcpContext struct {
	ServerName string `json:"server_name"`
	ToolName   string `json:"tool_name"`
}

type toolInfo struct {
	McpServerName string         `json:"mcp_server_name"`
	McpToolName   string         `json:"mcp_tool_name"`
	McpToolArgs   jsontext.Value `json:"mcp_tool_arguments"`
	McpResult     jsontext.Value `json:"mcp_result"`
	CommandLine   string         `json:"command_line"`
	Cwd           string         `json:"cwd"`
	FilePath      string         `json:"file_path"`
	UserPrompt    string         `json:"user_prompt"`
	Edits         jsontext.Value `json:"edits"`
	Response      string         `json:"response"`
}

// ErrUnknownEvent is returned for an event name a codec does not know.
var ErrUnknownEvent = errors.New("unknown hook event")

// Decode parses one hook invocation of runtime rt. eventOverride names the
// event when the runtime does not send it (Copilot CLI); it may be empty.
func Decode(rt Runtime, data []byte, eventOverride string) (Event, error) {
	if len(data) > MaxInput {
		return Event{}, fmt.Errorf("hook input is %d bytes, over the %d-byte limit", len(data), MaxInput)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Event{}, errors.New("hook input is empty: the runtime must send the event as JSON on stdin")
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return Event{}, fmt.Errorf("hook input is not valid JSON: %w", err)
	}
	switch rt {
	case Claude, Codex:
		return decodeClaudeLike(rt, &env, eventOverride)
	case Copilot:
		return decodeCopilot(&env, eventOverride)
	case Cursor:
		return decodeCursor(&env, eventOverride)
	case Gemini:
		return decodeGemini(&env, eventOverride)
	case Windsurf:
		return decodeWindsurf(&env, eventOverride)
	}
	return Event{}, fmt.Errorf("unknown runtime %q", rt)
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// objectOrString returns v as a JSON object: an object passes, a string that
// holds a JSON object is decoded (Cursor and Copilot send arguments as a
// string), null or absent becomes {}.
func objectOrString(v jsontext.Value) (jsontext.Value, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return jsontext.Value("{}"), nil
	}
	switch v.Kind() {
	case '{':
		return v, nil
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		inner := jsontext.Value(strings.TrimSpace(s))
		if len(inner) == 0 {
			return jsontext.Value("{}"), nil
		}
		if inner.Kind() != '{' || !inner.IsValid() {
			return nil, errors.New("tool input string does not hold a JSON object")
		}
		return inner, nil
	}
	return nil, fmt.Errorf("tool input is a JSON %s, want an object", kindName(v.Kind()))
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '[':
		return "array"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "value"
}

// textOf renders a tool response for screening: strings as they are, the
// text parts of MCP content arrays, anything else as compact JSON.
func textOf(v jsontext.Value) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	if v.Kind() == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	var b strings.Builder
	collectStrings(v, &b, 0)
	return b.String()
}

// collectStrings appends every string value in v (depth-limited), one per
// line, so that screening reads the text a model would read.
func collectStrings(v jsontext.Value, b *strings.Builder, depth int) {
	if depth > 64 || b.Len() > MaxInput {
		return
	}
	switch v.Kind() {
	case '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	case '{':
		var m map[string]jsontext.Value
		if json.Unmarshal(v, &m) == nil {
			for _, k := range sortedKeys(m) {
				if structuralKeys[k] {
					continue
				}
				collectStrings(m[k], b, depth+1)
			}
		}
	case '[':
		var a []jsontext.Value
		if json.Unmarshal(v, &a) == nil {
			for _, e := range a {
				collectStrings(e, b, depth+1)
			}
		}
	}
}

// structuralKeys hold protocol vocabulary, not text a model reads as content.
var structuralKeys = map[string]bool{"type": true, "mimeType": true, "resultType": true}

func sortedKeys(m map[string]jsontext.Value) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

// objectFrom builds a JSON object from key/value string pairs, skipping
// empty values.
func objectFrom(kv ...string) jsontext.Value {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	out, _ := json.Marshal(m, json.Deterministic(true))
	return out
}
