// Package discover finds the MCP servers that this machine's AI clients can
// start: one Locator per client knows the client's configuration files on
// Linux, macOS and Windows (Paths, pure) and how to read them (Parse, pure).
// Discover reads the files — bounded in size, never executing anything — and
// returns the inventory with warnings for whatever it had to skip.
package discover

import (
	"fmt"
	"path"
	"strings"

	"github.com/moat-dev/moat/internal/inventory"
)

// Env is what path computation depends on. Paths use forward slashes on
// every OS ("C:/Users/me/AppData/Roaming"); the reader converts them.
type Env struct {
	// OS is "linux", "darwin" or "windows".
	OS string
	// Home is the user's home directory ("" skips user-scope files).
	Home string
	// Project is a project directory ("" skips project-scope files).
	Project string
	// Getenv looks up environment variables (nil: none set). Relocations
	// such as CLAUDE_CONFIG_DIR and CODEX_HOME are honoured through it.
	Getenv func(string) string
	// System includes machine-wide and managed configuration files.
	System bool
}

func (e Env) get(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return strings.TrimSpace(e.Getenv(k))
}

// env returns a path-valued variable in slash form, or "".
func (e Env) envPath(k string) string {
	v := e.get(k)
	if v == "" {
		return ""
	}
	return toSlash(v)
}

func toSlash(p string) string { return strings.ReplaceAll(p, `\`, "/") }

// home joins elements under the home directory ("" when no home).
func (e Env) home(elem ...string) string {
	if e.Home == "" {
		return ""
	}
	return path.Join(append([]string{toSlash(e.Home)}, elem...)...)
}

// project joins elements under the project directory ("" when none).
func (e Env) project(elem ...string) string {
	if e.Project == "" {
		return ""
	}
	return path.Join(append([]string{toSlash(e.Project)}, elem...)...)
}

// xdgConfig is $XDG_CONFIG_HOME or ~/.config (on every OS: the CLI tools
// that use it — opencode, Zed on Linux — do so on macOS and Windows too).
func (e Env) xdgConfig(elem ...string) string {
	if d := e.envPath("XDG_CONFIG_HOME"); d != "" {
		return path.Join(append([]string{d}, elem...)...)
	}
	return e.home(append([]string{".config"}, elem...)...)
}

// appConfig is the per-OS application data directory of a desktop app:
// ~/.config/<app> (Linux), ~/Library/Application Support/<app> (macOS),
// %APPDATA%\<app> (Windows).
func (e Env) appConfig(app string, elem ...string) string {
	rest := append([]string{app}, elem...)
	switch e.OS {
	case "darwin":
		return e.home(append([]string{"Library", "Application Support"}, rest...)...)
	case "windows":
		if d := e.envPath("APPDATA"); d != "" {
			return path.Join(append([]string{d}, rest...)...)
		}
		return e.home(append([]string{"AppData", "Roaming"}, rest...)...)
	default:
		return e.xdgConfig(rest...)
	}
}

// systemDir returns machine-wide locations for an app, per OS: unix is
// tried as given, windows under %ProgramData%, darwin under
// /Library/Application Support.
func (e Env) systemPath(unix, darwin, windows string) string {
	if !e.System {
		return ""
	}
	switch e.OS {
	case "darwin":
		return darwin
	case "windows":
		pd := e.envPath("ProgramData")
		if pd == "" {
			pd = "C:/ProgramData"
		}
		return path.Join(pd, windows)
	default:
		return unix
	}
}

// Candidate is one place a configuration file may be.
type Candidate struct {
	// Path is the file (slash form), or the directory to search when Walk
	// is set.
	Path    string
	Client  string
	Scope   inventory.Scope
	Project string
	// Kind tells Parse which file of the client this is ("mcp",
	// "settings", …); each locator defines its own kinds.
	Kind string
	// Walk, when set, makes Path a directory searched up to Depth levels
	// for files whose base name is Walk (or matches it as a glob).
	Walk  string
	Depth int
}

// Warning is something discovery skipped or could not read.
type Warning struct {
	File    string
	Line    int
	Message string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Message)
	}
	return fmt.Sprintf("%s: %s", w.File, w.Message)
}

// Result is what one configuration file yields.
type Result struct {
	Servers  []inventory.ServerSpec
	Settings []inventory.Setting
	Warnings []Warning
	// Projects lists project directories the file names (Claude Code's
	// "projects" map), whose own project files are scanned too.
	Projects []string
}

func (r *Result) warn(c Candidate, line int, format string, a ...any) {
	r.Warnings = append(r.Warnings, Warning{File: c.Path, Line: line, Message: fmt.Sprintf(format, a...)})
}

func (r *Result) setting(c Candidate, line int, key, server string, values ...string) {
	r.Settings = append(r.Settings, inventory.Setting{
		Key: key, Values: values, Server: server,
		Source: inventory.Source{Client: c.Client, Scope: c.Scope, File: c.Path, Line: line, Project: c.Project},
	})
}

// Locator knows one AI client's configuration files.
type Locator interface {
	// ID is the client's stable id ("claude-code").
	ID() string
	// Name is the client's display name ("Claude Code").
	Name() string
	// Paths lists where the client's files may be. Pure.
	Paths(env Env) []Candidate
	// Parse reads one file's content. Pure; a malformed entry is skipped
	// with a warning, never the whole file.
	Parse(c Candidate, data []byte) Result
}

// Locators returns every known client locator, in a fixed order.
func Locators() []Locator {
	return []Locator{
		claudeCode{}, claudeDesktop{}, cursor{}, vscode{id: "vscode"}, vscode{id: "vscode-insiders"},
		windsurf(), gemini{}, codex{}, opencode{}, cline{}, roo{}, continueDev{}, zed{}, kiro{},
		amazonQ(), copilotCLI(), qwenCode(), lmStudio(), amp(), crush(), factoryDroid(), junie(),
	}
}

// ClientName returns the display name of a client id (the id if unknown).
func ClientName(id string) string {
	for _, l := range Locators() {
		if l.ID() == id {
			return l.Name()
		}
	}
	return id
}

func locatorByID(id string) Locator {
	for _, l := range Locators() {
		if l.ID() == id {
			return l
		}
	}
	return nil
}

// cand builds a candidate, or nothing when p is empty.
func cand(out []Candidate, p, client string, scope inventory.Scope, project, kind string) []Candidate {
	if p == "" {
		return out
	}
	return append(out, Candidate{Path: p, Client: client, Scope: scope, Project: project, Kind: kind})
}
