// Package hook translates agent runtimes' hook protocols (Claude Code,
// Cursor, Gemini CLI, Codex, Windsurf, GitHub Copilot) to and from one model:
// an Event moat decides on, and a Verdict it answers with. It is pure: the
// command in internal/cli/hook does the reading, deciding and auditing.
//
// Conventions shared by every codec:
//   - moat only ever tightens a runtime's own permissions. "No objection" is
//     encoded as the runtime's neutral answer (no decision), never as an
//     explicit allow that would skip the runtime's own prompt — except where
//     the protocol requires an explicit permission (Cursor).
//   - ask maps to the runtime's own ask where it has one; where it has none,
//     ask is encoded as a block whose reason says how to approve.
//   - anything that cannot be decoded is answered with FailClosed.
package hook

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/moat-dev/moat/internal/policy"
)

// Runtime names an agent runtime.
type Runtime string

// Runtimes with a codec.
const (
	Claude   Runtime = "claude"
	Cursor   Runtime = "cursor"
	Gemini   Runtime = "gemini"
	Codex    Runtime = "codex"
	Windsurf Runtime = "windsurf"
	Copilot  Runtime = "copilot"
)

// Runtimes lists every supported runtime, sorted.
func Runtimes() []Runtime {
	rs := []Runtime{Claude, Codex, Copilot, Cursor, Gemini, Windsurf}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return rs
}

// ParseRuntime validates a runtime name.
func ParseRuntime(s string) (Runtime, error) {
	for _, r := range Runtimes() {
		if string(r) == strings.ToLower(strings.TrimSpace(s)) {
			return r, nil
		}
	}
	names := make([]string, 0, 6)
	for _, r := range Runtimes() {
		names = append(names, string(r))
	}
	return "", fmt.Errorf("unknown runtime %q: use one of %s", s, strings.Join(names, ", "))
}

// Phase is where in an agent's loop an event happens.
type Phase int

// Phases.
const (
	PhaseUnknown Phase = iota
	PreTool            // before a tool runs: decide
	PostTool           // after a tool ran: screen its output
	Prompt             // a user prompt is submitted: screen it
	Lifecycle          // session start/end, stop …: nothing to decide
)

func (p Phase) String() string {
	return [...]string{"unknown", "pre-tool", "post-tool", "prompt", "lifecycle"}[p]
}

// BuiltinServer is the server name given to a runtime's own tools (shell,
// file reads and writes, web fetches), so one policy covers them too.
const BuiltinServer = "builtin"

// Event is one decoded hook invocation.
type Event struct {
	Runtime Runtime
	// Name is the runtime's event name (PreToolUse, beforeMCPExecution …).
	Name  string
	Phase Phase
	// SessionID and Cwd when the runtime sends them.
	SessionID string
	Cwd       string
	// RawTool is the tool name exactly as the runtime sent it.
	RawTool string
	// Server and Tool identify the tool: an MCP server's name and the tool's
	// name on it, or BuiltinServer and the runtime's tool name.
	Server string
	Tool   string
	MCP    bool
	// ServerCommand / ServerURL when the runtime names the server by how it
	// is started (Cursor).
	ServerCommand string
	ServerURL     string
	// Input is the tool's input as a JSON object.
	Input json.RawMessage
	// Output is the tool's response as text the model will read (post-tool).
	Output string
	// Prompt is the submitted prompt (prompt phase).
	Prompt string
}

// Verdict is moat's answer to an event.
type Verdict struct {
	// Action for pre-tool events: Allow (no objection), Ask or Deny.
	// For post-tool and prompt events Deny means block.
	Action policy.Action
	// Reason is shown to the user and, on deny, to the model. It must show the
	// parameters that mattered.
	Reason string
	// Context is extra text for the model (post-tool notices, prompt notices).
	Context string
}

// Reply is what the hook process writes and how it exits.
type Reply struct {
	Stdout []byte
	Stderr string
	Exit   int
}

// Capabilities says what a runtime's protocol can express for an event.
type Capabilities struct {
	Ask        bool // the runtime has its own ask for this event
	Block      bool // the runtime can block this event
	AddContext bool // the runtime can add context for the model
}

// MaxInput caps the hook input read from stdin.
const MaxInput = 8 << 20
