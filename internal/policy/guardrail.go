package policy

import (
	"fmt"
	"path"
	"strings"
)

// An agent that can run shell commands can try to answer moat's questions
// itself (`moat approve K7QX2M`) or switch its guardrails off (edit the
// hook settings, moat's policy or state). These analyzers stop both.

// selfApprovalVerbs are moat sub-commands that widen what is allowed.
var selfApprovalVerbs = map[string]bool{"approve": true, "grant": true}

// selfApprovalPairs are two-word sub-commands that widen what is allowed.
var selfApprovalPairs = map[string]bool{"pins approve": true, "pins reset": true, "hook uninstall": true, "unwrap": true, "grants revoke": false}

func moatSelfApproval(x *evalCtx) (string, bool) {
	for _, sr := range x.shells() {
		if strings.Contains(sr.leaf.value, "MOAT_ALLOW_NONINTERACTIVE_GRANTS") {
			return fmt.Sprintf("argument %s sets MOAT_ALLOW_NONINTERACTIVE_GRANTS, which lets a script grant permissions", argName(sr.leaf)), true
		}
		for _, c := range sr.script.Commands() {
			if len(c.Argv) < 2 || path.Base(c.Argv[0]) != "moat" {
				continue
			}
			verb := c.Argv[1]
			pair := verb
			if len(c.Argv) > 2 {
				pair = verb + " " + c.Argv[2]
			}
			if selfApprovalVerbs[verb] || selfApprovalPairs[pair] || selfApprovalPairs[verb] {
				return fmt.Sprintf("argument %s runs %s: an agent must not answer moat's own approvals or remove its guardrails", argName(sr.leaf), showValue(c.String())), true
			}
		}
	}
	return "", false
}

// guardrailFiles are settings that hold moat's hooks, policy and state,
// as path suffixes after cleaning.
var guardrailFiles = []string{
	"/.config/moat/", "/.local/state/moat/", "/.moat/policy.yaml",
	"/.claude/settings.json", "/.claude/settings.local.json", "/.codex/hooks.json", "/.codex/config.toml",
	"/.gemini/settings.json", "/.cursor/hooks.json", "/.codeium/windsurf/hooks.json", "/.windsurf/hooks.json",
	"/.github/hooks/", "/.copilot/hooks/",
}

// guardrailPath reports which guardrail a cleaned path belongs to.
func guardrailPath(p string) string {
	if p == "" {
		return ""
	}
	q := "/" + strings.TrimPrefix(p, "/")
	for _, g := range guardrailFiles {
		if strings.HasSuffix(g, "/") {
			if strings.Contains(q+"/", g) {
				return g
			}
			continue
		}
		if strings.HasSuffix(q, g) {
			return g
		}
	}
	return ""
}

// guardrailTamper finds writes to hook settings, moat's policy or its state:
// a path-like argument of a tool that writes, or a shell redirection or
// editing command naming such a file.
func guardrailTamper(x *evalCtx) (string, bool) {
	if writes := writingTool(x.req.Tool.Name); writes {
		for i := range x.leaves {
			l := &x.leaves[i]
			if l.roles&RolePath == 0 {
				continue
			}
			if g := guardrailPath(x.clean(l.value)); g != "" {
				return fmt.Sprintf("argument %s writes %s (%s): changing guardrail settings needs a human", argName(l), showValue(l.value), strings.Trim(g, "/")), true
			}
		}
	}
	for _, sr := range x.shells() {
		for _, c := range sr.script.Commands() {
			for _, r := range c.Redirects {
				if strings.HasPrefix(r.Op, ">") {
					if g := guardrailPath(x.clean(r.Target)); g != "" {
						return fmt.Sprintf("argument %s redirects into %s (%s)", argName(sr.leaf), showValue(r.Target), strings.Trim(g, "/")), true
					}
				}
			}
			if len(c.Argv) > 1 && editingCommands[path.Base(c.Argv[0])] {
				for _, w := range c.Argv[1:] {
					if g := guardrailPath(x.clean(w)); g != "" {
						return fmt.Sprintf("argument %s runs %s on %s (%s)", argName(sr.leaf), showValue(c.Argv[0]), showValue(w), strings.Trim(g, "/")), true
					}
				}
			}
		}
	}
	return "", false
}

var editingCommands = map[string]bool{"rm": true, "mv": true, "cp": true, "sed": true, "tee": true, "truncate": true,
	"chmod": true, "ln": true, "install": true, "perl": true, "python": true, "python3": true, "jq": true, "dd": true, "unlink": true, "shred": true}

// writingTool recognises tools that write files by name.
func writingTool(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"write", "edit", "create", "move", "rename", "delete", "remove", "patch", "replace", "save", "append"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
