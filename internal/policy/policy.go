// Package policy decides allow, deny or ask for one MCP tool call on its real
// arguments. It is pure: the caller passes the request, the grants in force
// and the time; the package holds no transport, file or database code beyond
// parsing policy documents handed to it as bytes.
package policy

import (
	"encoding/json"
	"time"
)

// Action is a decision. Higher values win when several rules match:
// deny > ask > allow.
type Action int

// Actions.
const (
	Allow Action = iota
	Ask
	Deny
)

func (a Action) String() string {
	switch a {
	case Allow:
		return "allow"
	case Ask:
		return "ask"
	case Deny:
		return "deny"
	}
	return "deny"
}

// Taint flags are set on a session by screening.
type Taint uint8

// Taints.
const (
	TaintReadSecrets Taint = 1 << iota // the session saw secret material
	TaintInjected                      // the session ingested content flagged as injection
)

// Server describes the MCP server a call goes to.
type Server struct {
	Name      string            `json:"name"`
	Labels    map[string]string `json:"labels,omitempty"`
	Transport string            `json:"transport,omitempty"` // stdio, http, sse, builtin
	Package   string            `json:"package,omitempty"`
}

// Tool describes the tool called.
type Tool struct {
	Name        string          `json:"name"`
	Annotations json.RawMessage `json:"annotations,omitempty"`
	PinnedHash  string          `json:"pinned_hash,omitempty"`
}

// Session is the state screening keeps per client session.
type Session struct {
	ID    string `json:"id,omitempty"`
	Taint Taint  `json:"taint,omitempty"`
}

// Request is everything a decision may depend on.
type Request struct {
	Client string `json:"client,omitempty"` // runtime: claude, cursor, … or an MCP client name
	Server Server `json:"server"`
	Tool   Tool   `json:"tool"`
	// Arguments is the raw JSON of the call's arguments, exactly as sent.
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Session   Session         `json:"session"`
	Now       time.Time       `json:"-"`
}

// Decision is the outcome with the id of the deciding rule and a reason that
// shows the argument values that mattered.
type Decision struct {
	Action Action `json:"-"`
	RuleID string `json:"rule"`
	Reason string `json:"reason"`
	// GrantID is set when a grant turned an ask into allow.
	GrantID string `json:"grant,omitempty"`
	// GrantOnce is set when the grant used was a once-grant: the caller
	// must delete it (it has been consumed).
	GrantOnce bool `json:"grant_once,omitempty"`
	// GrantPermanent is set when the grant used has no expiry.
	GrantPermanent bool `json:"grant_permanent,omitempty"`
	// Matched lists every rule that matched, strongest first, for explain
	// output and the audit log.
	Matched []Match `json:"matched,omitempty"`
}

// Match is one rule that matched a call.
type Match struct {
	Rule   string `json:"rule"`
	Action Action `json:"action"`
	// Source is "builtin", the policy source name (a file) or "default".
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// MarshalText encodes an action as "allow", "ask" or "deny".
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// ParseAction parses "allow", "ask" or "deny".
func ParseAction(s string) (Action, bool) {
	switch s {
	case "allow":
		return Allow, true
	case "ask":
		return Ask, true
	case "deny":
		return Deny, true
	}
	return Deny, false
}

// Grant is a narrow, expiring permission: a scope (server, tool, optional
// argument condition or exact-call hash) and an expiry.
type Grant struct {
	ID     string `json:"id"`
	Server string `json:"server"`         // glob
	Tool   string `json:"tool,omitempty"` // glob; empty means every tool of Server
	// Where is an optional CEL condition over the arguments.
	Where string `json:"where,omitempty"`
	// ArgsHash binds the grant to one exact call (canonical arguments hash).
	ArgsHash string `json:"args_hash,omitempty"`
	// SessionID binds the grant to one session.
	SessionID string `json:"session_id,omitempty"`
	// Once grants are consumed by their first use.
	Once    bool      `json:"once,omitempty"`
	Created time.Time `json:"created"`
	// Expires is zero only for permanent grants, which need an explicit flag.
	Expires time.Time `json:"expires"`
}
