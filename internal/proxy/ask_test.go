package proxy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAskFlowFromAHook is the shape of the future "ask" verdict: the hook
// for tools/call asks the user through the client (elicitation/create with
// moat's own id), waits for the answer, then allows or denies. The client's
// answer must reach the deferred decision while the loop that reads the
// client keeps going (a ping from the client is answered meanwhile).
func TestAskFlowFromAHook(t *testing.T) {
	cases := []struct {
		name, action, want string
	}{
		{"accepted call is forwarded", "accept", "forwarded"},
		{"declined call is denied", "decline", `"isError":true`},
		{"no answer in time is denied", "", `"isError":true`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &Proxy{}
			p.OnClientMessage = func(ctx context.Context, m, _ *Message) (Verdict, error) {
				if m.Method != "tools/call" {
					return Forwarding, nil
				}
				return Verdict{Action: Defer, Defer: func(ctx context.Context) (Verdict, error) {
					ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
					defer cancel()
					res, err := p.Call(ctx, SideClient, "elicitation/create", map[string]any{"message": "Allow delete_repo?", "requestedSchema": map[string]any{"type": "object"}})
					if err != nil {
						return Verdict{Action: Drop, Reason: "moat: no approval: " + err.Error()}, nil
					}
					var r struct{ Action string }
					if json.Unmarshal(res, &r) != nil || r.Action != "accept" {
						return Verdict{Action: Drop, Reason: "moat: the user declined"}, nil
					}
					return Forwarding, nil
				}}, nil
			}
			h := start(t, p)
			h.client.send(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"delete_repo"}}`)
			ask, err := ParseMessage([]byte(h.client.recv()))
			if err != nil || ask.Method != "elicitation/create" {
				t.Fatalf("client got %v %v", ask, err)
			}
			h.client.send(`{"jsonrpc":"2.0","id":"p","method":"ping"}`)
			if got := h.server.recv(); got != `{"jsonrpc":"2.0","id":"p","method":"ping"}` {
				t.Fatalf("the client was blocked while moat asked: server got %s", got)
			}
			if tc.action != "" {
				h.client.send(`{"jsonrpc":"2.0","id":` + string(ask.IDRaw) + `,"result":{"action":"` + tc.action + `"}}`)
			}
			var got string
			if tc.want == "forwarded" {
				got = h.server.recv()
				if !strings.Contains(got, `"delete_repo"`) {
					t.Fatalf("server got %s", got)
				}
				return
			}
			got = h.client.recv()
			if strings.Contains(got, `"method":"notifications/cancelled"`) {
				got = h.client.recv() // moat withdrew its unanswered question first
			}
			if !strings.Contains(got, tc.want) || !strings.Contains(got, `"id":5`) {
				t.Fatalf("client got %s", got)
			}
		})
	}
}

// TestCancelWhileDeciding: the client cancels a call while moat is still
// deciding (asking); the decision is abandoned and nothing is forwarded.
func TestCancelWhileDeciding(t *testing.T) {
	decided := make(chan error, 1)
	p := &Proxy{}
	p.OnClientMessage = func(_ context.Context, m, _ *Message) (Verdict, error) {
		if m.Method != "tools/call" {
			return Forwarding, nil
		}
		return Verdict{Action: Defer, Defer: func(ctx context.Context) (Verdict, error) {
			<-ctx.Done()
			decided <- ctx.Err()
			return Forwarding, nil // even an allow must not be sent now
		}}, nil
	}
	h := start(t, p)
	h.client.send(`{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"slow"}}`)
	cancel := `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"x"}}`
	h.client.send(cancel)
	if got := h.server.recv(); got != cancel {
		t.Fatalf("server got %s", got)
	}
	if err := <-decided; err == nil {
		t.Fatal("the deferred decision was not cancelled")
	}
	h.client.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	if got := h.server.recv(); got != `{"jsonrpc":"2.0","id":2,"method":"ping"}` {
		t.Fatalf("server got %s: the cancelled call was forwarded", got)
	}
}
