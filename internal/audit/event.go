// Package audit is moat's tamper-evident record of what happened: every
// decision, grant, approval, pin change, screening verdict and egress
// attempt, one JSON object per line.
//
// Each record carries the SHA-256 of the previous record's exact line bytes
// ("prev") and a sequence number, so editing, removing, inserting or
// reordering records breaks the chain at a point Verify names. The first
// record of a new log is a "start" record whose prev is the hash of a
// genesis string containing a random log id; rotated files continue the
// chain. Argument values are redacted by default (keys, types and lengths
// kept). A separate head file remembers the last record so that removing
// or editing the final records is detected too.
//
// The chain proves internal consistency only: someone able to rewrite the
// whole directory can forge a new consistent log. Ship the head hash that
// `moat audit verify` prints somewhere else to anchor it.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Record kinds.
const (
	KindStart    = "start"    // first record of a new log
	KindDecision = "decision" // a policy decision on a tool call
	KindGrant    = "grant"    // a grant created, revoked or used
	KindApproval = "approval" // an approval requested, approved, denied or expired
	KindPin      = "pin"      // a tool definition pinned, drifted or approved
	KindScreen   = "screen"   // a screening verdict on a server's output or definitions
	KindEgress   = "egress"   // a sandboxed server's network attempt
	KindSandbox  = "sandbox"  // a sandbox applied (layers) or failed
)

// Event is one audit record. Seq, Time and Prev are filled by the sink;
// callers set the rest. Field names and meanings are stable: add fields,
// never rename or reuse them.
type Event struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Prev     string    `json:"prev"`
	Kind     string    `json:"kind"`
	Action   string    `json:"action,omitempty"` // sub-kind: create, revoke, approve, deny, drift, …
	Actor    string    `json:"actor,omitempty"`  // who caused it: "user:alice", "proxy", "hook:claude"
	Client   string    `json:"client,omitempty"`
	Session  string    `json:"session,omitempty"`
	Server   string    `json:"server,omitempty"`
	Tool     string    `json:"tool,omitempty"`
	Method   string    `json:"method,omitempty"` // MCP method, e.g. tools/call
	Decision string    `json:"decision,omitempty"`
	Rule     string    `json:"rule,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Grant    string    `json:"grant,omitempty"`
	Approval string    `json:"approval,omitempty"`
	ArgsHash string    `json:"args_hash,omitempty"`
	// Args are the call's arguments as the sink stores them: redacted unless
	// the sink keeps values (secrets are redacted either way).
	Args    json.RawMessage `json:"args,omitempty"`
	Details map[string]any  `json:"details,omitempty"`
}

// Sink receives audit events.
type Sink interface {
	Write(e Event) error
	Close() error
}

// genesisPrefix is hashed with the log id to give the first record's prev.
const genesisPrefix = "moat audit log v1 genesis:"

// GenesisHash is the prev of the start record of the log with this id.
func GenesisHash(logID string) string { return hashLine([]byte(genesisPrefix + logID)) }

// hashLine is the chain hash of one record: SHA-256 over the line's bytes
// without its newline, as lower-case hex.
func hashLine(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

// Discard is a Sink that drops every event.
var Discard Sink = discard{}

type discard struct{}

func (discard) Write(Event) error { return nil }
func (discard) Close() error      { return nil }
