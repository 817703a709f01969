package hook

import (
	"fmt"

	"github.com/moat-dev/moat/internal/policy"
)

// Windsurf (Cascade): agent_action_name pre_mcp_tool_use / pre_run_command /
// pre_read_code / pre_write_code / pre_user_prompt / post_* with tool_info;
// blocking is by exit code 2 with the reason on stderr; there is no ask and
// post hooks cannot block.

var windsurfPhases = map[string]Phase{
	"pre_mcp_tool_use":      PreTool,
	"pre_run_command":       PreTool,
	"pre_read_code":         PreTool,
	"pre_write_code":        PreTool,
	"post_mcp_tool_use":     PostTool,
	"pre_user_prompt":       Prompt,
	"post_run_command":      Lifecycle,
	"post_read_code":        Lifecycle,
	"post_write_code":       Lifecycle,
	"post_cascade_response": Lifecycle,
	"post_setup_worktree":   Lifecycle,
}

func decodeWindsurf(env *envelope, override string) (Event, error) {
	name := first(override, env.AgentActionName)
	phase, ok := windsurfPhases[name]
	if !ok {
		return Event{}, fmt.Errorf("%w %q for windsurf", ErrUnknownEvent, name)
	}
	ev := Event{Runtime: Windsurf, Name: name, Phase: phase, SessionID: env.TrajectoryID}
	ti := env.ToolInfo
	if ti == nil {
		if phase == Lifecycle {
			return ev, nil
		}
		return Event{}, fmt.Errorf("%s event has no tool_info", name)
	}
	ev.Cwd = ti.Cwd
	switch name {
	case "pre_mcp_tool_use", "post_mcp_tool_use":
		if ti.McpToolName == "" {
			return Event{}, fmt.Errorf("%s event has no tool_info.mcp_tool_name", name)
		}
		ev.RawTool, ev.Server, ev.Tool, ev.MCP = ti.McpToolName, ti.McpServerName, ti.McpToolName, true
		in, err := objectOrString(ti.McpToolArgs)
		if err != nil {
			return Event{}, fmt.Errorf("%s event: %w", name, err)
		}
		ev.Input = []byte(in)
		ev.Output = textOf(ti.McpResult)
	case "pre_run_command":
		ev.RawTool, ev.Server, ev.Tool = "run_command", BuiltinServer, "run_command"
		ev.Input = []byte(objectFrom("command", ti.CommandLine, "cwd", ti.Cwd))
	case "pre_read_code":
		ev.RawTool, ev.Server, ev.Tool = "read_code", BuiltinServer, "read_code"
		ev.Input = []byte(objectFrom("file_path", ti.FilePath))
	case "pre_write_code":
		ev.RawTool, ev.Server, ev.Tool = "write_code", BuiltinServer, "write_code"
		ev.Input = []byte(objectFrom("file_path", ti.FilePath))
	case "pre_user_prompt":
		ev.Prompt = ti.UserPrompt
	}
	return ev, nil
}

func encodeWindsurf(ev Event, v Verdict) Reply {
	if v.Action == policy.Allow || ev.Phase == PostTool || ev.Phase == Lifecycle {
		return Reply{Stderr: v.Context}
	}
	return Reply{Stderr: v.Reason + "\n", Exit: 2}
}
