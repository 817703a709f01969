package proxy

import (
	"context"
	"encoding/json"
)

// Action is what the proxy does with a message after the hooks ran.
type Action uint8

// Actions a hook can choose.
const (
	// Forward sends the message on, unchanged unless Verdict.Replace is set.
	Forward Action = iota
	// Respond answers the request the message belongs to with Verdict.Result
	// or Verdict.Error and forwards nothing. For a request that is its
	// sender; for a response it replaces what the waiting side receives.
	// For a notification it is the same as Drop.
	Respond
	// Drop forwards nothing. A request dropped this way still gets an error
	// answer: nobody is left waiting forever.
	Drop
	// Defer decides later: Verdict.Defer runs on its own goroutine (bounded
	// by Limits.CallTimeout) and its verdict is then applied. A hook that
	// must wait on a peer, such as asking the user with Proxy.Call, returns
	// Defer instead of blocking the loop that reads that peer.
	Defer
)

// Verdict is a hook's decision about one message.
type Verdict struct {
	Action Action
	// Replace, with Forward, is the full JSON-RPC message to forward instead
	// of the original (it must keep the original id).
	Replace []byte
	// Result or Error, with Respond, is the answer. Exactly one is used;
	// Error wins when both are set.
	Result json.RawMessage
	Error  *RPCError
	// Reason is a short user-safe text for Drop and failed-closed answers.
	Reason string
	// Defer, with the Defer action, produces the final verdict.
	Defer func(ctx context.Context) (Verdict, error)
}

// RPCError is a JSON-RPC error object. Message must be safe to show to the
// agent: no secrets, no policy internals.
type RPCError struct {
	Code    int64           `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string { return e.Message }

// JSON-RPC error codes moat uses. The -32000..-32099 range is reserved for
// implementation-defined server errors.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeInternalError  = -32603
	CodeBlocked        = -32001 // a hook refused the message (policy, screening, failure)
	CodeTimeout        = -32002 // the peer did not answer within --call-timeout
	CodeUnavailable    = -32003 // the server is gone or moat is shutting down
	CodeTooLarge       = -32004 // a message exceeded --max-message-size
	CodeOverloaded     = -32005 // too many requests in flight
)

// Forwarding is the zero Verdict: forward unchanged.
var Forwarding = Verdict{}

// answer is the one place where a decision becomes wire bytes. It returns
// the message to forward (nil: nothing) and the answer to send back toward
// the side waiting on id (nil: nothing).
//
// req is the request the answer belongs to (its method decides whether a
// refusal of tools/call becomes an isError result, which agents show to the
// model, rather than a protocol error).
func answer(msg *Message, req *Message, v Verdict) (forward, reply []byte) {
	switch v.Action {
	case Forward:
		if v.Replace != nil {
			return v.Replace, nil
		}
		return msg.Raw, nil
	case Respond, Drop:
	default:
		v = Verdict{Action: Drop, Reason: "unknown verdict"}
	}
	id := msg.IDRaw
	if msg.Kind == KindResponse && req != nil {
		id = req.IDRaw
	}
	if id == nil || msg.Kind == KindNotification {
		return nil, nil // nobody waits on a notification
	}
	if v.Action == Respond && v.Error == nil && v.Result != nil {
		return nil, encodeResult(id, v.Result)
	}
	rpcErr := v.Error
	if rpcErr == nil {
		reason := v.Reason
		if reason == "" {
			reason = "blocked by moat"
		}
		method := msg.Method
		if req != nil {
			method = req.Method
		}
		if method == "tools/call" {
			return nil, encodeResult(id, toolError(reason))
		}
		rpcErr = &RPCError{Code: CodeBlocked, Message: reason}
	}
	return nil, encodeError(id, rpcErr)
}

// toolError is a CallToolResult that tells the model the call failed.
func toolError(text string) json.RawMessage {
	q, _ := json.Marshal(text)
	return json.RawMessage(`{"content":[{"type":"text","text":` + string(q) + `}],"isError":true}`)
}

func encodeResult(id []byte, result json.RawMessage) []byte {
	b := make([]byte, 0, len(result)+len(id)+32)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"result":`...)
	b = append(b, result...)
	return append(b, '}')
}

func encodeError(id []byte, e *RPCError) []byte {
	eb, err := json.Marshal(e)
	if err != nil {
		eb = []byte(`{"code":-32603,"message":"internal error"}`)
	}
	if id == nil {
		id = []byte("null")
	}
	b := make([]byte, 0, len(eb)+len(id)+32)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"error":`...)
	b = append(b, eb...)
	return append(b, '}')
}
