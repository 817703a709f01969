package policy

import (
	"strconv"
	"strings"

	"github.com/moat-dev/moat/internal/netaddr"
)

// Role is what an argument value is used for, judged from its key name and
// its shape. A value can have several roles.
type Role uint8

// Roles.
const (
	RoleCommand Role = 1 << iota // shell command or code
	RolePath                     // file-system path
	RoleURL                      // URL or host
	RoleQuery                    // SQL or other query
	RoleData                     // content being written or sent (not interpreted)
)

// leaf is one string (or number) in the arguments with its location.
type leaf struct {
	path  string // JSON path: $.a.b[0]
	key   string // nearest member name
	value string
	roles Role
}

var roleWords = map[string]Role{
	"command": RoleCommand, "commands": RoleCommand, "cmd": RoleCommand, "cmdline": RoleCommand, "commandline": RoleCommand,
	"script": RoleCommand, "shell": RoleCommand, "bash": RoleCommand, "exec": RoleCommand, "code": RoleCommand,
	"powershell": RoleCommand, "pwsh": RoleCommand,
	"path": RolePath, "paths": RolePath, "file": RolePath, "files": RolePath, "filename": RolePath, "filepath": RolePath,
	"dir": RolePath, "directory": RolePath, "folder": RolePath, "dest": RolePath, "destination": RolePath,
	"src": RolePath, "source": RolePath, "target": RolePath, "cwd": RolePath, "workdir": RolePath, "root": RolePath,
	"notebook": RolePath, "location": RolePath, "glob": RolePath,
	"url": RoleURL, "urls": RoleURL, "uri": RoleURL, "endpoint": RoleURL, "href": RoleURL, "link": RoleURL,
	"host": RoleURL, "hostname": RoleURL, "domain": RoleURL, "webhook": RoleURL, "website": RoleURL, "origin": RoleURL,
	"query": RoleQuery, "sql": RoleQuery, "statement": RoleQuery, "stmt": RoleQuery, "queries": RoleQuery,
	"content": RoleData, "contents": RoleData, "text": RoleData, "body": RoleData, "message": RoleData,
	"description": RoleData, "prompt": RoleData, "note": RoleData, "comment": RoleData, "title": RoleData,
	"old": RoleData, "new": RoleData, "string": RoleData, "data": RoleData, "summary": RoleData,
}

// splitKey splits an identifier into lower-case words at camelCase, digit
// and punctuation boundaries: "filePath" → [file path], "old_string" →
// [old string]. (normalize.SplitIdentifier does the same for detectors; this
// copy is allocation-light because it runs on every key of every call.)
func splitKey(k string) []string {
	var words []string
	start := -1
	for i := 0; i <= len(k); i++ {
		var c byte
		if i < len(k) {
			c = k[i]
		}
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		boundary := !alnum || start >= 0 && c >= 'A' && c <= 'Z' && i > 0 && k[i-1] >= 'a' && k[i-1] <= 'z'
		if boundary && start >= 0 {
			words = append(words, strings.ToLower(k[start:i]))
			start = -1
		}
		if alnum && start < 0 {
			start = i
		}
	}
	return words
}

// keyRoles classifies a member name. The whole lower-cased key is tried
// first (so "filepath" and "commandline" work), then each word.
func keyRoles(k string) Role {
	if r, ok := roleWords[strings.ToLower(k)]; ok {
		return r
	}
	var r Role
	for _, w := range splitKey(k) {
		r |= roleWords[w]
	}
	if r&RoleData != 0 && r&^RoleData != 0 {
		r &^= RoleData // "file_content" is data, "content_path" a path: the other role wins
		if strings.Contains(strings.ToLower(k), "content") || strings.Contains(strings.ToLower(k), "text") {
			r = RoleData
		}
	}
	return r
}

// shapeRoles classifies a value by its shape, so that a tool that names its
// command argument "x" does not escape.
//
// Values under a recognised key only get the cheap URL and path shapes;
// values under unknown keys are also checked for shell and SQL shapes.
func shapeRoles(v string, unknownKey bool) Role {
	s := strings.TrimSpace(v)
	if s == "" || len(s) > 64<<10 {
		return 0
	}
	var r Role
	if netaddr.LooksLikeURL(s) {
		r |= RoleURL
	}
	if looksLikePath(s) {
		r |= RolePath
	}
	if unknownKey && looksLikeSQL(s) {
		r |= RoleQuery
	}
	if unknownKey && looksLikeShell(s) {
		r |= RoleCommand
	}
	return r
}

func looksLikePath(s string) bool {
	if strings.ContainsAny(s, "\n\r") {
		return false
	}
	switch {
	case strings.HasPrefix(s, "/"), strings.HasPrefix(s, "~"), strings.HasPrefix(s, "./"), strings.HasPrefix(s, "../"),
		strings.HasPrefix(s, "$HOME"), strings.HasPrefix(s, "${HOME}"), strings.HasPrefix(s, "file:"), strings.HasPrefix(s, `\\`),
		strings.HasPrefix(s, ".env"), strings.HasPrefix(s, "%USERPROFILE%"):
		return true
	case len(s) > 2 && s[1] == ':' && (s[2] == '\\' || s[2] == '/'):
		return true
	}
	return strings.Contains(s, "/.") || strings.Contains(s, `\.`)
}

var shellTriggers = []string{"rm ", "rm\t", "mkfs", "dd ", "chmod ", "chown ", "curl", "wget", "/dev/", "nc ", "ncat", "socat",
	"base64", "(){", "git ", "bash", "sh ", "sh\t", "python", "perl", "ruby", "sudo", "eval", "$(", "`", "${", "$'", "find ",
	"| sh", "|sh", "shred", "> /", ">/", "ssh ", "scp ", "cat ", "less ", "head ", "tail ", "cp ", "tar ", "zip ", "IFS"}

func looksLikeShell(s string) bool {
	for _, t := range shellTriggers {
		if strings.Contains(s, t) {
			return true
		}
	}
	return false
}

// collectLeaves walks every string and number with its JSON path.
func collectLeaves(root *value) []leaf {
	var out []leaf
	var walk func(v *value, path, key string, inherited Role)
	walk = func(v *value, path, key string, inherited Role) {
		switch v.kind {
		case kString, kNumber:
			r := inherited
			if r&(RoleData|RoleCommand) == 0 && v.kind == kString {
				r |= shapeRoles(v.str, inherited == 0)
				if r&RoleCommand == 0 && looksLikeInjection(v.str) {
					r |= RoleCommand // "/proj/$(curl …|sh)" in a path: aimed at a server that shells out
				}
			} else if r&RoleCommand != 0 && netaddr.LooksLikeURL(v.str) {
				r |= RoleURL
			}
			out = append(out, leaf{path: path, key: key, value: v.str, roles: r})
		case kArray:
			for i, e := range v.elems {
				walk(e, path+"["+strconv.Itoa(i)+"]", key, inherited)
			}
			if cmd := argvCommand(v, key); cmd != "" {
				out = append(out, leaf{path: path, key: key, value: cmd, roles: RoleCommand})
			}
		case kObject:
			for i, k := range v.keys {
				walk(v.elems[i], path+jsonPathKey(k), k, keyRoles(k))
			}
			if cmd := splitCommand(v); cmd != "" {
				out = append(out, leaf{path: path, key: "command+args", value: cmd, roles: RoleCommand})
			}
		}
	}
	walk(root, "$", "", 0)
	return out
}

func jsonPathKey(k string) string {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "[" + strconv.Quote(k) + "]"
		}
	}
	return "." + k
}

// argvCommand joins an array of strings under a command key ("command":
// ["rm","-rf","/"]) into one shell line.
func argvCommand(v *value, key string) string {
	if keyRoles(key)&RoleCommand == 0 || len(v.elems) == 0 {
		return ""
	}
	return joinArgv(nil, v.elems)
}

// splitCommand joins {"command": "rm", "args": ["-rf", "/"]}.
func splitCommand(v *value) string {
	var cmd *value
	var args *value
	for i, k := range v.keys {
		switch e := v.elems[i]; {
		case e.kind == kString && keyRoles(k)&RoleCommand != 0:
			cmd = e
		case e.kind == kArray && (k == "args" || k == "argv" || k == "arguments"):
			args = e
		}
	}
	if cmd == nil || args == nil {
		return ""
	}
	return joinArgv([]string{cmd.str}, args.elems)
}

func joinArgv(prefix []string, elems []*value) string {
	parts := append([]string{}, prefix...)
	for _, e := range elems {
		if e.kind != kString && e.kind != kNumber {
			return ""
		}
		parts = append(parts, shellQuote(e.str))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%~") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// looksLikeInjection reports a value with shell command syntax — a
// substitution, or a separator followed by more text — and a shell
// trigger word.
func looksLikeInjection(s string) bool {
	if !strings.Contains(s, "$(") && !strings.Contains(s, "`") && !strings.ContainsAny(s, ";|&\n") {
		return false
	}
	return looksLikeShell(s)
}

// identWords are member-name words for values that should be plain
// identifiers (names, ids, refs, namespaces …).
var identWords = map[string]bool{"name": true, "id": true, "number": true, "table": true, "resource": true, "namespace": true,
	"pod": true, "branch": true, "ref": true, "repo": true, "repository": true, "tag": true, "port": true, "type": true,
	"kind": true, "user": true, "username": true, "owner": true, "org": true, "project": true, "database": true, "db": true,
	"schema": true, "column": true, "field": true, "key": true, "label": true, "container": true, "service": true,
	"deployment": true, "image": true, "version": true, "channel": true, "bucket": true, "region": true, "zone": true, "index": true}

// identKey reports whether a member name names an identifier.
func identKey(k string) bool {
	words := splitKey(k)
	return len(words) > 0 && identWords[words[len(words)-1]]
}

// injectionIn describes what makes an identifier value unsafe to pass on
// to a command line or query, or "".
func injectionIn(v string) string {
	for _, c := range []string{";", "|", "&&", "`", "$(", "${", "\n", "\r", "\x00"} {
		if strings.Contains(v, c) {
			return "contains " + strconv.Quote(c)
		}
	}
	for i := 0; i+1 < len(v); i++ {
		if v[i] == '-' && (i == 0 || v[i-1] == ' ' || v[i-1] == '\t') && (isAlnum(v[i+1]) || v[i+1] == '-') {
			return "carries a command-line option"
		}
	}
	if strings.Contains(v, "--") || strings.Contains(v, "/*") || strings.Contains(v, "' ") || strings.Contains(v, "'=") {
		return "contains query syntax"
	}
	return ""
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
