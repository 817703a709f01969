package hook

import (
	"fmt"

	"github.com/moat-dev/moat/internal/policy"
)

// Gemini CLI: hook_event_name BeforeTool / AfterTool / BeforeAgent …;
// MCP tools carry mcp_context {server_name, tool_name} (or the name
// mcp_<server>_<tool>); answers {"decision":"allow|deny","reason"}; there is
// no ask; AfterTool deny replaces the tool result with the reason; exit 2
// blocks.

var geminiPhases = map[string]Phase{
	"BeforeTool":          PreTool,
	"AfterTool":           PostTool,
	"BeforeAgent":         Prompt,
	"AfterAgent":          Lifecycle,
	"BeforeModel":         Lifecycle,
	"AfterModel":          Lifecycle,
	"BeforeToolSelection": Lifecycle,
	"SessionStart":        Lifecycle,
	"SessionEnd":          Lifecycle,
	"Notification":        Lifecycle,
	"PreCompress":         Lifecycle,
}

func decodeGemini(env *envelope, override string) (Event, error) {
	name := first(override, env.HookEventName)
	phase, ok := geminiPhases[name]
	if !ok {
		return Event{}, fmt.Errorf("%w %q for gemini", ErrUnknownEvent, name)
	}
	ev := Event{Runtime: Gemini, Name: name, Phase: phase, SessionID: env.SessionID, Cwd: env.Cwd}
	ev, err := fillTool(ev, env, env.ToolName)
	if err != nil {
		return Event{}, err
	}
	if mc := env.McpContext; mc != nil && mc.ServerName != "" {
		ev.Server, ev.MCP = mc.ServerName, true
		if mc.ToolName != "" {
			ev.Tool = mc.ToolName
		}
	}
	return ev, nil
}

type geminiSpecific struct {
	HookEventName     string `json:"hookEventName"`
	AdditionalContext string `json:"additionalContext,omitempty"`
}

type geminiOutput struct {
	Decision           string          `json:"decision,omitempty"`
	Reason             string          `json:"reason,omitempty"`
	SystemMessage      string          `json:"systemMessage,omitempty"`
	HookSpecificOutput *geminiSpecific `json:"hookSpecificOutput,omitempty"`
}

func encodeGemini(ev Event, v Verdict) Reply {
	out := geminiOutput{}
	if v.Action != policy.Allow { // ask has no equivalent: it blocks with how to approve
		out.Decision, out.Reason = "deny", v.Reason
		out.SystemMessage = v.Reason
	}
	if v.Context != "" && ev.Phase != PreTool {
		out.HookSpecificOutput = &geminiSpecific{HookEventName: ev.Name, AdditionalContext: v.Context}
	}
	if out.Decision == "" && out.HookSpecificOutput == nil {
		return Reply{Stdout: []byte("{}\n")}
	}
	return Reply{Stdout: mustJSON(out)}
}
