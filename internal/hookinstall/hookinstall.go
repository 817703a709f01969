// Package hookinstall adds moat's hook entries to, and removes them from, an
// agent runtime's settings file. It transforms bytes to bytes with a JSONC
// syntax tree (github.com/tailscale/hujson) so other settings, comments and
// formatting survive; installing twice changes nothing the second time.
// File reading, backups and writing are the caller's.
package hookinstall

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/moat-dev/moat/internal/hook"
)

// Scope is where the hook is installed.
type Scope int

// Scopes.
const (
	User Scope = iota
	Project
)

// Target describes one runtime's settings file and what moat adds to it.
type Target struct {
	Runtime hook.Runtime
	// Path of the settings file.
	Path string
	// Events lists the event names moat hooks, in order.
	Events []string
	// grouped runtimes (Claude, Codex, Gemini) nest handlers in matcher groups.
	grouped bool
	// version is written as a top-level "version" when the file lacks one.
	version bool
}

// SettingsPath returns the settings file for rt at scope, given the home
// directory, the project directory and CODEX_HOME (may be empty).
func SettingsPath(rt hook.Runtime, scope Scope, home, project, codexHome string) (string, error) {
	base, rel := home, ""
	if scope == Project {
		base = project
	}
	switch rt {
	case hook.Claude:
		rel = ".claude/settings.json"
	case hook.Codex:
		if scope == User && codexHome != "" {
			return filepath.Join(codexHome, "hooks.json"), nil
		}
		rel = ".codex/hooks.json"
	case hook.Gemini:
		rel = ".gemini/settings.json"
	case hook.Cursor:
		rel = ".cursor/hooks.json"
	case hook.Windsurf:
		rel = ".codeium/windsurf/hooks.json"
		if scope == Project {
			rel = ".windsurf/hooks.json"
		}
	case hook.Copilot:
		rel = ".copilot/hooks/moat.json"
		if scope == Project {
			rel = ".github/hooks/moat.json"
		}
	default:
		return "", fmt.Errorf("unknown runtime %q", rt)
	}
	if base == "" {
		return "", fmt.Errorf("cannot locate the %s settings: no %s directory", rt, map[Scope]string{User: "home", Project: "project"}[scope])
	}
	return filepath.Join(base, filepath.FromSlash(rel)), nil
}

// For returns the Target for rt with its settings file at path.
func For(rt hook.Runtime, path string) (Target, error) {
	t := Target{Runtime: rt, Path: path}
	switch rt {
	case hook.Claude, hook.Codex:
		t.Events, t.grouped = []string{"PreToolUse", "PostToolUse", "UserPromptSubmit"}, true
	case hook.Gemini:
		t.Events, t.grouped = []string{"BeforeTool", "AfterTool", "BeforeAgent"}, true
	case hook.Cursor:
		t.Events, t.version = []string{"beforeMCPExecution", "beforeShellExecution", "beforeReadFile", "afterMCPExecution", "beforeSubmitPrompt"}, true
	case hook.Windsurf:
		t.Events = []string{"pre_mcp_tool_use", "pre_run_command", "pre_read_code", "pre_write_code", "post_mcp_tool_use", "pre_user_prompt"}
	case hook.Copilot:
		t.Events, t.version = []string{"preToolUse", "postToolUse", "userPromptSubmitted"}, true
	default:
		return Target{}, fmt.Errorf("unknown runtime %q", rt)
	}
	return t, nil
}

// Command is the hook command line for rt and event, given moat's path.
func Command(moatPath string, rt hook.Runtime, event string) string {
	cmd := quote(moatPath) + " hook " + string(rt)
	if rt == hook.Copilot {
		cmd += " --event " + event
	}
	return cmd
}

func quote(p string) string {
	if p == "" {
		return "moat"
	}
	if strings.ContainsAny(p, " \t'\"$`\\") {
		return strconv.Quote(p)
	}
	return p
}

// IsMoatCommand reports whether a hook command line is one moat installed
// for rt.
func IsMoatCommand(cmd string, rt hook.Runtime) bool {
	return strings.Contains(cmd, " hook "+string(rt)) && strings.Contains(cmd, "moat")
}

// handler is the JSON object of one hook handler for t's runtime.
func (t Target) handler(moatPath, event string) map[string]any {
	cmd := Command(moatPath, t.Runtime, event)
	switch t.Runtime {
	case hook.Claude, hook.Codex:
		return map[string]any{"type": "command", "command": cmd, "timeout": 30}
	case hook.Gemini:
		return map[string]any{"type": "command", "name": "moat", "command": cmd, "timeout": 30000}
	case hook.Cursor:
		return map[string]any{"command": cmd, "timeout": 30, "failClosed": true}
	case hook.Windsurf:
		return map[string]any{"command": cmd, "show_output": true}
	case hook.Copilot:
		return map[string]any{"type": "command", "bash": cmd, "powershell": cmd, "timeoutSec": 30}
	}
	return nil
}

// entry is what moat appends to the event's array: a matcher group for
// grouped runtimes, the handler itself otherwise.
func (t Target) entry(moatPath, event string) map[string]any {
	h := t.handler(moatPath, event)
	if !t.grouped {
		return h
	}
	g := map[string]any{"hooks": []any{h}}
	switch event {
	case "PreToolUse", "PostToolUse":
		g["matcher"] = "*" // every tool, built-in and mcp__.*
	case "BeforeTool", "AfterTool":
		g["matcher"] = ".*"
	}
	return g
}

// parse reads data (empty means a new file) into a syntax tree and a plain
// copy for inspection.
func parse(data []byte) (hujson.Value, map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}\n")
	}
	v, err := hujson.Parse(data)
	if err != nil {
		return hujson.Value{}, nil, fmt.Errorf("settings file is not valid JSON(C): %w", err)
	}
	std := v.Clone()
	std.Standardize()
	var m map[string]any
	if err := json.Unmarshal(std.Pack(), &m); err != nil {
		return hujson.Value{}, nil, fmt.Errorf("settings file must hold a JSON object: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return v, m, nil
}

type op struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

func apply(v hujson.Value, ops []op) ([]byte, error) {
	if len(ops) == 0 {
		return v.Pack(), nil
	}
	p, err := json.Marshal(ops)
	if err != nil {
		return nil, err
	}
	if err := v.Patch(p); err != nil {
		return nil, fmt.Errorf("updating settings: %w", err)
	}
	return v.Pack(), nil
}

func ptr(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(p))
	}
	return b.String()
}

func sortedDesc(xs []int) []int {
	sort.Sort(sort.Reverse(sort.IntSlice(xs)))
	return xs
}
