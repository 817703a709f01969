package hook

import (
	"fmt"
	"path"
	"strings"

	"github.com/moat-dev/moat/internal/policy"
)

// Cursor: hook_event_name in camelCase; beforeMCPExecution carries the bare
// tool name, tool_input as a JSON string and the server's url or command;
// beforeShellExecution {command, cwd}; beforeReadFile {file_path}; answers
// {"permission":"allow|deny|ask","user_message","agent_message"}; exit 2
// blocks.

var cursorPhases = map[string]Phase{
	"beforeMCPExecution":   PreTool,
	"beforeShellExecution": PreTool,
	"beforeReadFile":       PreTool,
	"preToolUse":           PreTool,
	"afterMCPExecution":    PostTool,
	"postToolUse":          PostTool,
	"beforeSubmitPrompt":   Prompt,
	"afterShellExecution":  Lifecycle,
	"afterFileEdit":        Lifecycle,
	"postToolUseFailure":   Lifecycle,
	"sessionStart":         Lifecycle,
	"sessionEnd":           Lifecycle,
	"stop":                 Lifecycle,
	"subagentStart":        Lifecycle,
	"subagentStop":         Lifecycle,
	"preCompact":           Lifecycle,
	"afterAgentResponse":   Lifecycle,
	"afterAgentThought":    Lifecycle,
	"beforeTabFileRead":    Lifecycle,
	"afterTabFileEdit":     Lifecycle,
	"workspaceOpen":        Lifecycle,
}

func decodeCursor(env *envelope, override string) (Event, error) {
	name := first(override, env.HookEventName)
	phase, ok := cursorPhases[name]
	if !ok {
		return Event{}, fmt.Errorf("%w %q for cursor", ErrUnknownEvent, name)
	}
	ev := Event{Runtime: Cursor, Name: name, Phase: phase, SessionID: env.ConversationID, Cwd: env.Cwd}
	switch name {
	case "beforeShellExecution":
		ev.RawTool, ev.Server, ev.Tool = "Shell", BuiltinServer, "Shell"
		ev.Input = []byte(objectFrom("command", env.Command, "cwd", env.Cwd))
		return ev, nil
	case "beforeReadFile":
		ev.RawTool, ev.Server, ev.Tool = "Read", BuiltinServer, "Read"
		ev.Input = []byte(objectFrom("file_path", env.FilePath))
		return ev, nil
	case "afterMCPExecution":
		env.ToolResponse = env.ResultJSON
	}
	ev, err := fillTool(ev, env, env.ToolName)
	if err != nil {
		return Event{}, err
	}
	if name == "beforeMCPExecution" || name == "afterMCPExecution" {
		ev.MCP, ev.Tool = true, env.ToolName
		ev.ServerCommand, ev.ServerURL = env.Command, env.URL
		ev.Server = serverNameFrom(env.Command, env.URL)
	}
	return ev, nil
}

// serverNameFrom derives a server name from how Cursor says it is started:
// the package for npx/uvx/docker commands, the program's base name
// otherwise, the host for a URL.
func serverNameFrom(command, url string) string {
	if url != "" {
		host := url
		if i := strings.Index(host, "://"); i >= 0 {
			host = host[i+3:]
		}
		if i := strings.IndexAny(host, "/?#"); i >= 0 {
			host = host[:i]
		}
		return host
	}
	fields := strings.Fields(command)
	if len(fields) == 0 {
		return ""
	}
	prog := path.Base(fields[0])
	switch prog {
	case "npx", "uvx", "bunx", "pipx", "docker", "pnpm":
		for _, f := range fields[1:] {
			if !strings.HasPrefix(f, "-") && f != "run" && f != "dlx" {
				return f
			}
		}
	}
	return prog
}

type cursorOutput struct {
	Permission        string `json:"permission,omitempty"`
	Continue          *bool  `json:"continue,omitempty"`
	UserMessage       string `json:"user_message,omitempty"`
	AgentMessage      string `json:"agent_message,omitempty"`
	AdditionalContext string `json:"additional_context,omitempty"`
}

func encodeCursor(ev Event, v Verdict) Reply {
	switch ev.Phase {
	case PreTool:
		act := v.Action
		if act == policy.Ask && !CapabilitiesOf(ev).Ask {
			act = policy.Deny
		}
		out := cursorOutput{Permission: act.String()}
		if act != policy.Allow {
			out.UserMessage, out.AgentMessage = v.Reason, v.Reason
		}
		return Reply{Stdout: mustJSON(out)}
	case Prompt:
		cont := v.Action != policy.Deny
		return Reply{Stdout: mustJSON(cursorOutput{Continue: &cont, UserMessage: v.Reason})}
	case PostTool:
		if v.Context == "" {
			return Reply{}
		}
		return Reply{Stdout: mustJSON(cursorOutput{AdditionalContext: v.Context})}
	}
	return Reply{}
}
