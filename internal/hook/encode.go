package hook

import "github.com/moat-dev/moat/internal/policy"

// CapabilitiesOf says what the runtime can express for ev.
func CapabilitiesOf(ev Event) Capabilities {
	switch ev.Runtime {
	case Claude, Codex, Copilot:
		return Capabilities{Ask: ev.Phase == PreTool, Block: ev.Phase != Lifecycle, AddContext: ev.Phase != Lifecycle}
	case Cursor:
		ask := ev.Name == "beforeMCPExecution" || ev.Name == "beforeShellExecution"
		return Capabilities{Ask: ask, Block: ev.Phase == PreTool || ev.Phase == Prompt, AddContext: ev.Name == "postToolUse"}
	case Gemini:
		return Capabilities{Block: ev.Phase != Lifecycle, AddContext: ev.Phase == PostTool || ev.Phase == Prompt}
	case Windsurf:
		return Capabilities{Block: ev.Phase == PreTool || ev.Phase == Prompt}
	}
	return Capabilities{}
}

// Encode renders v as ev's runtime expects it.
func Encode(ev Event, v Verdict) Reply {
	switch ev.Runtime {
	case Claude, Codex:
		return encodeClaudeLike(ev, v)
	case Copilot:
		return encodeCopilot(ev, v)
	case Cursor:
		return encodeCursor(ev, v)
	case Gemini:
		return encodeGemini(ev, v)
	case Windsurf:
		return encodeWindsurf(ev, v)
	}
	return FailClosed(ev.Runtime, "unknown runtime")
}

// FailClosed is the answer when moat cannot decide: malformed input, an
// unknown event, a policy that fails to load, a timeout. Every supported
// runtime blocks on exit code 2 with the reason on stderr; runtimes that
// read a JSON decision on exit 2 ignore stdout, so none is written.
func FailClosed(rt Runtime, reason string) Reply {
	return Reply{Stderr: "moat: blocked: " + reason + "\n", Exit: 2}
}

// Deny is a convenience for a Verdict that blocks.
func Deny(reason string) Verdict { return Verdict{Action: policy.Deny, Reason: reason} }
