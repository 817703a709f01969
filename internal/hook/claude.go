package hook

import (
	"fmt"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/moat-dev/moat/internal/policy"
)

// Claude Code and Codex share one wire format: hook_event_name, tool_name
// (`mcp__<server>__<tool>` for MCP tools), tool_input, tool_response; answers
// in hookSpecificOutput; exit 2 blocks.

var claudePhases = map[string]Phase{
	"PreToolUse":         PreTool,
	"PostToolUse":        PostTool,
	"PostToolUseFailure": PostTool,
	"UserPromptSubmit":   Prompt,
	"SessionStart":       Lifecycle,
	"SessionEnd":         Lifecycle,
	"Stop":               Lifecycle,
	"SubagentStart":      Lifecycle,
	"SubagentStop":       Lifecycle,
	"PreCompact":         Lifecycle,
	"PostCompact":        Lifecycle,
	"Notification":       Lifecycle,
	"PermissionRequest":  Lifecycle,
}

func decodeClaudeLike(rt Runtime, env *envelope, override string) (Event, error) {
	name := first(override, env.HookEventName, env.HookEventCamel)
	phase, ok := claudePhases[name]
	if !ok {
		return Event{}, fmt.Errorf("%w %q for %s", ErrUnknownEvent, name, rt)
	}
	ev := Event{Runtime: rt, Name: name, Phase: phase, SessionID: env.SessionID, Cwd: env.Cwd}
	return fillTool(ev, env, first(env.ToolName, env.ToolNameCamel))
}

// fillTool completes tool-phase events: the tool identity, input, output and
// prompt, and rejects tool events without a tool.
func fillTool(ev Event, env *envelope, rawTool string) (Event, error) {
	switch ev.Phase {
	case Prompt:
		ev.Prompt = textOf(env.Prompt)
		return ev, nil
	case PreTool, PostTool:
	default:
		return ev, nil
	}
	if rawTool == "" {
		return Event{}, fmt.Errorf("%s event has no tool_name", ev.Name)
	}
	ev.RawTool = rawTool
	ev.Server, ev.Tool, ev.MCP = SplitMCPName(ev.Runtime, rawTool)
	in, err := objectOrString(first2(env.ToolInput, env.ToolArgs))
	if err != nil {
		return Event{}, fmt.Errorf("%s event: %w", ev.Name, err)
	}
	ev.Input = []byte(in)
	if ev.Phase == PostTool {
		ev.Output = textOf(first2(env.ToolResponse, env.ToolResult))
	}
	return ev, nil
}

func first2[T ~[]byte](a, b T) T {
	if len(a) > 0 {
		return a
	}
	return b
}

// SplitMCPName maps a runtime's tool name to (server, tool, isMCP).
// Claude Code / Codex / VS Code: mcp__<server>__<tool>; Gemini CLI:
// mcp_<server>_<tool>; everything else is a built-in tool.
func SplitMCPName(rt Runtime, name string) (server, tool string, mcp bool) {
	if rest, ok := strings.CutPrefix(name, "mcp__"); ok {
		if i := strings.Index(rest, "__"); i > 0 && i+2 < len(rest) {
			return rest[:i], rest[i+2:], true
		}
	}
	if rt == Gemini {
		if rest, ok := strings.CutPrefix(name, "mcp_"); ok {
			if i := strings.IndexByte(rest, '_'); i > 0 && i+1 < len(rest) {
				return rest[:i], rest[i+1:], true
			}
		}
	}
	if rt == Cursor {
		if rest, ok := strings.CutPrefix(name, "MCP:"); ok && rest != "" {
			return "", rest, true
		}
	}
	return BuiltinServer, name, false
}

type claudeSpecific struct {
	HookEventName            string `json:"hookEventName"`
	PermissionDecision       string `json:"permissionDecision,omitempty"`
	PermissionDecisionReason string `json:"permissionDecisionReason,omitempty"`
	AdditionalContext        string `json:"additionalContext,omitempty"`
}

type claudeOutput struct {
	Decision           string          `json:"decision,omitempty"`
	Reason             string          `json:"reason,omitempty"`
	SystemMessage      string          `json:"systemMessage,omitempty"`
	HookSpecificOutput *claudeSpecific `json:"hookSpecificOutput,omitempty"`
	// Copilot CLI reads these at the top level.
	PermissionDecision       string `json:"permissionDecision,omitempty"`
	PermissionDecisionReason string `json:"permissionDecisionReason,omitempty"`
	AdditionalContext        string `json:"additionalContext,omitempty"`
}

func encodeClaudeLike(ev Event, v Verdict) Reply {
	spec := &claudeSpecific{HookEventName: ev.Name}
	out := claudeOutput{}
	switch ev.Phase {
	case PreTool:
		if v.Action == policy.Allow {
			return Reply{} // no objection: the runtime's own permissions apply
		}
		spec.PermissionDecision = v.Action.String()
		spec.PermissionDecisionReason = v.Reason
		spec.AdditionalContext = v.Context
	case PostTool, Prompt:
		if v.Action == policy.Deny {
			out.Decision, out.Reason = "block", v.Reason
		}
		spec.AdditionalContext = v.Context
		if out.Decision == "" && spec.AdditionalContext == "" {
			return Reply{}
		}
	default:
		return Reply{}
	}
	out.HookSpecificOutput = spec
	return Reply{Stdout: mustJSON(out)}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		// Only plain structs of strings are encoded here.
		panic(err)
	}
	return append(b, '\n')
}
