// Package guard is what `moat run` does to the messages it relays: pinning
// tool definitions (trust on first use, withholding changed and new tools
// until approved), screening definitions, deciding every tools/call with the
// policy engine (allow, deny, or ask the user through elicitation or a
// pending approval), screening outputs and server-to-client requests,
// flagging tools that shadow another server's, and auditing each decision.
//
// A Guard is one struct whose two methods are the proxy's hooks. It does not
// import the proxy (only the cli layer does): the cli adapts proxy messages
// and verdicts to the small types here. Everything fails closed: a guard
// that cannot read its state, its policy or a definition denies or
// withholds, with the reason on stderr and in the audit log.
package guard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/sanitize"
)

// Kind classifies a message.
type Kind uint8

// Message kinds.
const (
	Request Kind = iota + 1
	Notification
	Response
)

// Message is one JSON-RPC message as the proxy parsed it (sub-slices of the
// wire bytes; the guard never modifies them).
type Message struct {
	Kind   Kind
	Method string
	ID     []byte
	Params []byte
	Result []byte
	Error  []byte
}

// Action is what to do with a message.
type Action uint8

// Actions, mirroring the proxy's verdicts.
const (
	Forward Action = iota // unchanged, or Replace
	Respond               // answer with Result or Error instead
	Drop                  // refuse; a request gets Reason as its error (an isError result for tools/call)
	Defer                 // decide later with Defer, off the read loop
)

// Verdict is the guard's decision about one message.
type Verdict struct {
	Action  Action
	Replace []byte          // Forward: the full message to send instead
	Result  json.RawMessage // Respond: the result
	Error   *RPCError       // Respond: the error (wins over Result)
	Reason  string          // Drop: user-safe reason
	Defer   func(ctx context.Context) (Verdict, error)
}

// RPCError is a JSON-RPC error object.
type RPCError struct {
	Code    int64
	Message string
}

// CodeBlocked is the JSON-RPC error code of a refusal.
const CodeBlocked = -32001

// Mode is what to do with a flagged definition.
type Mode uint8

// Modes.
const (
	Withhold Mode = iota // remove it from the list; calls to it are refused
	Warn                 // keep it; say so on stderr and in the audit log
)

// ParseMode reads "withhold" or "warn".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "withhold":
		return Withhold, nil
	case "warn":
		return Warn, nil
	}
	return Withhold, fmt.Errorf("%q is not withhold or warn", s)
}

func (m Mode) String() string {
	if m == Warn {
		return "warn"
	}
	return "withhold"
}

// Caller sends a request of moat's own to a peer and waits for the answer.
type Caller func(ctx context.Context, method string, params any) (json.RawMessage, error)

// Options configure a Guard.
type Options struct {
	// Server is the server as the policy sees it (name, labels, transport).
	Server policy.Server
	// Identity keys pins and shadowing: the name plus a digest of the
	// command line or URL.
	Identity string
	// Policy decides calls; a policy that failed to load is policy.Failed,
	// which denies everything.
	Policy *policy.Engine
	// Store is the state database; when it could not be opened, Store is
	// nil and StoreErr says why (calls are then denied, tools withheld).
	Store    Store
	StoreErr error
	Scanner  detect.Scanner
	Audit    audit.Sink
	Now      func() time.Time
	// Stderr receives one line per withheld tool, finding and ask.
	Stderr io.Writer

	OnPoison        Mode
	PoisonThreshold finding.Severity // zero means High
	OnInjection     sanitize.Mode
	OnShadow        Mode
	AskTimeout      time.Duration // zero means 2m
	NoPin           bool

	// CallClient sends moat's own requests to the client (elicitation);
	// CallServer to the server (re-listing tools after list_changed).
	CallClient Caller
	CallServer Caller
}

// Guard holds one session's state. Its hooks are safe for concurrent use.
type Guard struct {
	o       Options
	session string
	audit   *auditor

	// pinMu serialises pin checks: on first use one tools/list must pin
	// the whole list before another (the client's and moat's own re-list
	// after list_changed can overlap) reads the pins, or the second sees a
	// half-pinned server and withholds the rest as new.
	pinMu sync.Mutex

	mu       sync.Mutex
	client   string // clientInfo.name from initialize
	elicit   bool   // the client declared the elicitation capability
	taint    policy.Taint
	tools    map[string]*toolState // the latest listed tools, by name
	listed   bool
	grants   []policy.Grant // allow-for-this-session answers
	recheck  chan struct{}  // closed when a re-list after list_changed ends
	reported map[string]string
	hidden   map[string]bool // withheld prompts and resources: "prompt NAME", "resource URI"
}

// toolState is what moat knows of one listed tool.
type toolState struct {
	annotations json.RawMessage
	hash        string
	withheld    string // model-safe reason; empty when the tool may be called
}

// New returns a Guard. Close it to flush the audit log.
func New(o Options) *Guard {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PoisonThreshold == finding.Info {
		o.PoisonThreshold = finding.High
	}
	if o.AskTimeout <= 0 {
		o.AskTimeout = 2 * time.Minute
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Policy == nil {
		o.Policy = policy.Failed(fmt.Errorf("no policy engine"))
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	g := &Guard{o: o, session: "run-" + hex.EncodeToString(b[:]), tools: map[string]*toolState{}, reported: map[string]string{}, hidden: map[string]bool{}}
	g.audit = newAuditor(o.Audit)
	return g
}

// Session is this guard's session id (policy grants bind to it).
func (g *Guard) Session() string { return g.session }

// Close flushes and closes the audit sink.
func (g *Guard) Close() error { return g.audit.close() }

// OnClientMessage is the hook for messages from the client.
func (g *Guard) OnClientMessage(ctx context.Context, m *Message, paired *Message) (Verdict, error) {
	if m.Kind != Request {
		return Verdict{}, nil
	}
	switch m.Method {
	case "initialize":
		g.noteInitialize(m.Params)
	case "tools/call":
		return g.call(ctx, m)
	case "prompts/get", "resources/read":
		return g.getWithheld(m), nil
	}
	return Verdict{}, nil
}

// OnServerMessage is the hook for messages from the server.
func (g *Guard) OnServerMessage(ctx context.Context, m *Message, paired *Message) (Verdict, error) {
	switch m.Kind {
	case Response:
		if paired == nil || m.Result == nil {
			return Verdict{}, nil
		}
		return g.response(ctx, m, paired)
	case Request:
		switch m.Method {
		case "sampling/createMessage":
			return g.serverRequest(m, sanitize.SamplingRequest), nil
		case "elicitation/create":
			return g.serverRequest(m, sanitize.ElicitationRequest), nil
		}
	case Notification:
		if m.Method == "notifications/tools/list_changed" {
			g.startRecheck(ctx)
		}
	}
	return Verdict{}, nil
}

func (g *Guard) response(ctx context.Context, m, paired *Message) (Verdict, error) {
	switch paired.Method {
	case "initialize", "server/discover":
		return g.initializeResult(ctx, m.Result), nil
	case "tools/list":
		return g.toolsListResult(ctx, m.Result, !hasCursor(paired.Params)), nil
	case "prompts/list", "resources/list", "resources/templates/list":
		return g.otherListResult(paired.Method, m.Result), nil
	case "tools/call":
		return g.output(sanitize.ToolResult, toolName(paired.Params), m.Result, true), nil
	case "resources/read":
		return g.output(sanitize.ResourceContents, "", m.Result, false), nil
	case "prompts/get":
		return g.output(sanitize.PromptMessages, "", m.Result, false), nil
	}
	return Verdict{}, nil
}

// noteInitialize records the client's name and whether it can be asked.
func (g *Guard) noteInitialize(params []byte) {
	var p struct {
		ClientInfo struct {
			Name string `json:"name"`
		} `json:"clientInfo"`
		Capabilities map[string]json.RawMessage `json:"capabilities"`
	}
	if err := unmarshal(params, &p); err != nil {
		return // the server will refuse it; nothing to learn
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.client = clip(p.ClientInfo.Name, 200)
	_, g.elicit = p.Capabilities["elicitation"]
}

func (g *Guard) clientName() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.client == "" {
		return "unknown"
	}
	return g.client
}

func (g *Guard) warnf(format string, args ...any) {
	fmt.Fprintf(g.o.Stderr, "moat: "+format+"\n", args...)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func hasCursor(params []byte) bool {
	var p struct {
		Cursor *string `json:"cursor"`
	}
	return len(params) > 0 && unmarshal(params, &p) == nil && p.Cursor != nil
}

// Started records how the session starts: a policy that failed to load
// (every call will be denied) and an explicit --no-pin.
func (g *Guard) Started(policyErr error, files []string) {
	if policyErr != nil {
		e := g.event(audit.KindDecision, "policy-unavailable")
		e.Decision, e.Rule, e.Reason = "deny", "policy-error", "every call is denied: "+clip(policyErr.Error(), 500)
		e.Details = map[string]any{"files": files}
		g.audit.write(e)
	}
	if g.o.NoPin {
		e := g.event(audit.KindPin, "disabled")
		e.Reason = "--no-pin: definitions are not pinned in this session"
		e.Details = map[string]any{"identity": g.o.Identity}
		g.audit.write(e)
	}
}
