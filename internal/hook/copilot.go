package hook

import (
	"fmt"
	"strings"

	"github.com/moat-dev/moat/internal/policy"
)

// GitHub Copilot: the CLI sends {timestamp, cwd, toolName, toolArgs (a JSON
// string), toolResult} without an event name (the hook file names it, so
// `moat hook copilot --event preToolUse` passes it on); VS Code agent hooks
// send the Claude-style fields with hookEventName. Answers carry
// permissionDecision at the top level (CLI) and in hookSpecificOutput
// (VS Code).

var copilotPhases = map[string]Phase{
	"pretooluse":          PreTool,
	"posttooluse":         PostTool,
	"userpromptsubmitted": Prompt,
	"userpromptsubmit":    Prompt,
	"sessionstart":        Lifecycle,
	"sessionend":          Lifecycle,
	"erroroccurred":       Lifecycle,
	"agentstop":           Lifecycle,
	"stop":                Lifecycle,
	"subagentstart":       Lifecycle,
	"subagentstop":        Lifecycle,
	"precompact":          Lifecycle,
}

func decodeCopilot(env *envelope, override string) (Event, error) {
	name := first(override, env.HookEventCamel, env.HookEventName)
	if name == "" {
		name = inferCopilotEvent(env)
	}
	phase, ok := copilotPhases[strings.ToLower(name)]
	if !ok {
		return Event{}, fmt.Errorf("%w %q for copilot", ErrUnknownEvent, name)
	}
	ev := Event{Runtime: Copilot, Name: name, Phase: phase, SessionID: first(env.SessionIDCamel, env.SessionID), Cwd: env.Cwd}
	return fillTool(ev, env, first(env.ToolNameCamel, env.ToolName))
}

// inferCopilotEvent names an event from its shape when nothing names it.
func inferCopilotEvent(env *envelope) string {
	switch {
	case len(env.ToolResult) > 0 || len(env.ToolResponse) > 0:
		return "postToolUse"
	case env.ToolNameCamel != "" || env.ToolName != "":
		return "preToolUse"
	case len(env.Prompt) > 0:
		return "userPromptSubmitted"
	}
	return ""
}

func encodeCopilot(ev Event, v Verdict) Reply {
	if ev.Phase != PreTool {
		r := encodeClaudeLike(ev, v)
		return r
	}
	if v.Action == policy.Allow {
		return Reply{}
	}
	out := claudeOutput{
		PermissionDecision:       v.Action.String(),
		PermissionDecisionReason: v.Reason,
		AdditionalContext:        v.Context,
		HookSpecificOutput: &claudeSpecific{
			HookEventName:            "PreToolUse",
			PermissionDecision:       v.Action.String(),
			PermissionDecisionReason: v.Reason,
		},
	}
	return Reply{Stdout: mustJSON(out)}
}
