package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/moat-dev/moat/internal/transport"
)

// peer is the test's end of a pipe to the proxy: it writes lines the proxy
// reads and reads lines the proxy writes.
type peer struct {
	t  *testing.T
	w  *io.PipeWriter
	br *bufio.Reader
	r  *io.PipeReader
}

func (pe *peer) send(line string) {
	pe.t.Helper()
	if _, err := io.WriteString(pe.w, line+"\n"); err != nil {
		pe.t.Fatalf("send: %v", err)
	}
}

func (pe *peer) recv() string {
	pe.t.Helper()
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := pe.br.ReadString('\n')
		ch <- res{s, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			pe.t.Fatalf("recv: %v", r.err)
		}
		return strings.TrimSuffix(r.s, "\n")
	case <-time.After(5 * time.Second):
		pe.t.Fatal("recv: timed out")
		return ""
	}
}

// newPipe returns the proxy's Conn and the test's peer for one side.
func newPipe(t *testing.T, maxFrame int) (transport.Conn, *peer) {
	inR, inW := io.Pipe()   // peer → proxy
	outR, outW := io.Pipe() // proxy → peer
	c := transport.NewStream(inR, outW, closers{inR, outW}, transport.StreamOptions{MaxFrame: maxFrame})
	t.Cleanup(func() { c.Close(); inW.Close(); outR.Close() })
	return c, &peer{t: t, w: inW, r: outR, br: bufio.NewReader(outR)}
}

type closers []io.Closer

func (cs closers) Close() error {
	for _, c := range cs {
		c.Close()
	}
	return nil
}

type harness struct {
	p      *Proxy
	client *peer
	server *peer
	done   chan error
}

func start(t *testing.T, p *Proxy) *harness {
	t.Helper()
	cc, client := newPipe(t, p.Limits.MaxMessageSize)
	uc, server := newPipe(t, p.Limits.MaxMessageSize)
	p.Client, p.Upstream = cc, uc
	h := &harness{p: p, client: client, server: server, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { h.done <- p.Run(ctx) }()
	return h
}

func TestByteFaithful(t *testing.T) {
	cases := []struct{ name, fromClient, fromServer string }{
		{"20-digit id and vendor fields",
			`{"jsonrpc":"2.0","id":12345678901234567890,"method":"tools/list","params":{"cursor":null,"futureParam":[1,2.50,"\u00e9"]}}`,
			`{"jsonrpc":"2.0","id":12345678901234567890,"result":{"tools":[{"name":"t","inputSchema":{"type":"object"},"x-vendor":{"big":12345678901234567890,"f":1.0},"futureField":true}]},"topLevelExtra":1}`},
		{"unknown method", `{"jsonrpc":"2.0","id":"a\u0062","method":"acme/vendorMethod","params":{"z":1,"a":2}}`,
			`{"jsonrpc":"2.0","id":"a\u0062","result":{}}`},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"ping"} , {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":99999999999999999999,"progress":0.5}}]`,
			`[{"jsonrpc":"2.0","id":1,"result":{}}]`},
		{"fractional id", `{"jsonrpc":"2.0","id":1.50,"method":"ping"}`, `{"jsonrpc":"2.0","id":1.50,"result":{}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, &Proxy{})
			h.client.send(tc.fromClient)
			if got := h.server.recv(); got != tc.fromClient {
				t.Fatalf("server got\n%s\nwant\n%s", got, tc.fromClient)
			}
			h.server.send(tc.fromServer)
			if got := h.client.recv(); got != tc.fromServer {
				t.Fatalf("client got\n%s\nwant\n%s", got, tc.fromServer)
			}
		})
	}
}

func TestServerToClientRequests(t *testing.T) {
	h := start(t, &Proxy{})
	for _, method := range []string{"sampling/createMessage", "elicitation/create", "roots/list", "ping"} {
		req := `{"jsonrpc":"2.0","id":7,"method":"` + method + `","params":{}}`
		h.server.send(req)
		if got := h.client.recv(); got != req {
			t.Fatalf("client got %s", got)
		}
		resp := `{"jsonrpc":"2.0","id":7,"result":{"ok":true}}`
		h.client.send(resp)
		if got := h.server.recv(); got != resp {
			t.Fatalf("server got %s", got)
		}
	}
}

func TestHookVerdicts(t *testing.T) {
	cases := []struct {
		name string
		hook Hook
		req  string
		want string
	}{
		{"deny tools/call becomes isError result",
			func(context.Context, *Message, *Message) (Verdict, error) {
				return Verdict{Action: Drop, Reason: "denied by policy rule r1"}, nil
			},
			`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x"}}`,
			`{"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"denied by policy rule r1"}],"isError":true}}`},
		{"deny other request is a JSON-RPC error",
			func(context.Context, *Message, *Message) (Verdict, error) { return Verdict{Action: Drop}, nil },
			`{"jsonrpc":"2.0","id":"q","method":"resources/read"}`,
			`{"jsonrpc":"2.0","id":"q","error":{"code":-32001,"message":"blocked by moat"}}`},
		{"hook error fails closed",
			func(context.Context, *Message, *Message) (Verdict, error) {
				return Forwarding, errors.New("policy db locked")
			},
			`{"jsonrpc":"2.0","id":4,"method":"tools/call"}`,
			`{"jsonrpc":"2.0","id":4,"result":{"content":[{"type":"text","text":"moat could not check this message"}],"isError":true}}`},
		{"hook panic fails closed",
			func(context.Context, *Message, *Message) (Verdict, error) { panic("boom") },
			`{"jsonrpc":"2.0","id":5,"method":"prompts/get"}`,
			`{"jsonrpc":"2.0","id":5,"error":{"code":-32001,"message":"moat could not check this message"}}`},
		{"deferred decision that panics fails closed",
			func(context.Context, *Message, *Message) (Verdict, error) {
				return Verdict{Action: Defer, Defer: func(context.Context) (Verdict, error) { panic("late boom") }}, nil
			},
			`{"jsonrpc":"2.0","id":7,"method":"tools/call"}`,
			`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"moat could not check this message"}],"isError":true}}`},
		{"Defer without a function fails closed",
			func(context.Context, *Message, *Message) (Verdict, error) { return Verdict{Action: Defer}, nil },
			`{"jsonrpc":"2.0","id":8,"method":"resources/read"}`,
			`{"jsonrpc":"2.0","id":8,"error":{"code":-32001,"message":"moat could not check this message"}}`},
		{"synthesized result",
			func(context.Context, *Message, *Message) (Verdict, error) {
				return Verdict{Action: Respond, Result: []byte(`{"tools":[]}`)}, nil
			},
			`{"jsonrpc":"2.0","id":6,"method":"tools/list"}`,
			`{"jsonrpc":"2.0","id":6,"result":{"tools":[]}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, &Proxy{OnClientMessage: tc.hook})
			h.client.send(tc.req)
			if got := h.client.recv(); got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			if n := h.p.pend[SideClient].len(); n != 0 {
				t.Fatalf("%d requests left pending", n)
			}
		})
	}
}

func TestResponseHookSeesPairedRequest(t *testing.T) {
	var pairedMethod string
	h := start(t, &Proxy{OnServerMessage: func(_ context.Context, m, paired *Message) (Verdict, error) {
		if m.Kind == KindResponse {
			pairedMethod = paired.Method
			return Verdict{Action: Forward, Replace: []byte(`{"jsonrpc":"2.0","id":9,"result":{"tools":[],"_meta":{"moat":"screened"}}}`)}, nil
		}
		return Forwarding, nil
	}})
	h.client.send(`{"jsonrpc":"2.0","id":9,"method":"tools/list"}`)
	h.server.recv()
	h.server.send(`{"jsonrpc":"2.0","id":9,"result":{"tools":[{"name":"evil"}]}}`)
	if got := h.client.recv(); !strings.Contains(got, "screened") {
		t.Fatalf("client got %s", got)
	}
	if pairedMethod != "tools/list" {
		t.Fatalf("paired request method = %q", pairedMethod)
	}
}

func TestPairingLimits(t *testing.T) {
	t.Run("duplicate in-flight id", func(t *testing.T) {
		h := start(t, &Proxy{})
		h.client.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call"}`)
		h.server.recv()
		h.client.send(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)
		if got := h.client.recv(); !strings.Contains(got, `"code":-32600`) {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("table full", func(t *testing.T) {
		h := start(t, &Proxy{Limits: Limits{MaxPending: 1}})
		h.client.send(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)
		h.server.recv()
		h.client.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
		if got := h.client.recv(); !strings.Contains(got, `"code":-32005`) || !strings.Contains(got, `"id":2`) {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("timeout answers and cancels", func(t *testing.T) {
		h := start(t, &Proxy{Limits: Limits{CallTimeout: 30 * time.Millisecond}})
		h.client.send(`{"jsonrpc":"2.0","id":12345678901234567890,"method":"tools/call"}`)
		h.server.recv()
		if got := h.client.recv(); !strings.Contains(got, `"id":12345678901234567890,"error":{"code":-32002`) {
			t.Fatalf("client got %s", got)
		}
		if got := h.server.recv(); got != `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345678901234567890,"reason":"timed out in moat"}}` {
			t.Fatalf("server got %s", got)
		}
		// The late answer is dropped; the next exchange still works.
		h.server.send(`{"jsonrpc":"2.0","id":12345678901234567890,"result":{}}`)
		h.client.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
		h.server.recv()
		h.server.send(`{"jsonrpc":"2.0","id":2,"result":{}}`)
		if got := h.client.recv(); got != `{"jsonrpc":"2.0","id":2,"result":{}}` {
			t.Fatalf("client got %s", got)
		}
	})
	t.Run("cancel removes the entry", func(t *testing.T) {
		h := start(t, &Proxy{})
		h.client.send(`{"jsonrpc":"2.0","id":"c1","method":"tools/call"}`)
		h.server.recv()
		cancel := `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c1"}}`
		h.client.send(cancel)
		if got := h.server.recv(); got != cancel {
			t.Fatalf("server got %s", got)
		}
		waitFor(t, func() bool { return h.p.pend[SideClient].len() == 0 })
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("condition not reached")
}

func TestOwnRequestsAreRoutedToTheCaller(t *testing.T) {
	h := start(t, &Proxy{})
	type res struct {
		b   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		b, err := h.p.Call(context.Background(), SideClient, "elicitation/create", map[string]any{"message": "allow?"})
		ch <- res{string(b), err}
	}()
	req, err := ParseMessage([]byte(h.client.recv()))
	if err != nil || req.Method != "elicitation/create" || !strings.HasPrefix(string(req.IDRaw), `"moat-`) {
		t.Fatalf("client got %+v %v", req, err)
	}
	// The real server uses the same kind of id concurrently; no confusion.
	h.server.send(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)
	h.client.recv()
	h.client.send(`{"jsonrpc":"2.0","id":` + string(req.IDRaw) + `,"result":{"action":"accept"}}`)
	r := <-ch
	if r.err != nil || r.b != `{"action":"accept"}` {
		t.Fatalf("Call = %q, %v", r.b, r.err)
	}
	h.client.send(`{"jsonrpc":"2.0","id":1,"result":{}}`)
	if got := h.server.recv(); got != `{"jsonrpc":"2.0","id":1,"result":{}}` {
		t.Fatalf("server got %s (moat's own answer must not reach it)", got)
	}
}

func TestServerGoneAnswersPending(t *testing.T) {
	h := start(t, &Proxy{})
	h.client.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"crash"}}`)
	h.server.recv()
	h.server.w.Close()
	if got := h.client.recv(); !strings.Contains(got, `"id":1,"error":{"code":-32003`) {
		t.Fatalf("client got %s", got)
	}
	if err := <-h.done; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Run = %v", err)
	}
}

func TestHygiene(t *testing.T) {
	h := start(t, &Proxy{Limits: Limits{MaxMessageSize: 256}})
	h.client.send(`not json`)
	if got := h.client.recv(); got != `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"moat: malformed JSON-RPC message: not a JSON object or array"}}` {
		t.Fatalf("got %s", got)
	}
	h.client.send(`{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}`)
	if got := h.client.recv(); !strings.Contains(got, `"code":-32700`) || !strings.Contains(got, "duplicate") {
		t.Fatalf("duplicate key: got %s", got)
	}
	h.client.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call"}`)
	h.server.recv()
	h.server.send(`npm WARN something on stdout`)
	h.server.send(`{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"` + strings.Repeat("x", 1000) + `"}]}}`)
	if got := h.client.recv(); !strings.Contains(got, `"id":2`) || !strings.Contains(got, "--max-message-size") {
		t.Fatalf("oversized: got %s", got)
	}
	h.client.send(`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	h.server.recv()
	h.server.send(`{"jsonrpc":"2.0","result":{"x":"` + strings.Repeat("y", 1000) + `"},"id":3}`)
	if got := h.client.recv(); !strings.Contains(got, `"id":3,"error":{"code":-32004`) {
		t.Fatalf("oversized with trailing id: got %s", got)
	}
}

func TestProgressKeepsACallAlive(t *testing.T) {
	// synctest: the fake clock makes the timing exact however busy the machine.
	synctest.Test(t, func(t *testing.T) {
		h := start(t, &Proxy{Limits: Limits{CallTimeout: 150 * time.Millisecond, MaxCallTime: 500 * time.Millisecond}})
		h.client.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"long","_meta":{"progressToken":"p1"}}}`)
		h.server.recv()
		for i := range 4 {
			time.Sleep(100 * time.Millisecond)
			note := `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p1","progress":` + string(rune('1'+i)) + `}}`
			h.server.send(note)
			if got := h.client.recv(); got != note {
				t.Fatalf("client got %s (the call timed out despite progress?)", got)
			}
		}
		// The 4th progress (at 400ms) could not restart the clock past
		// MaxCallTime (500ms), so the call times out at 450ms.
		time.Sleep(100 * time.Millisecond)
		if got := h.client.recv(); !strings.Contains(got, `"id":1,"error":{"code":-32002`) {
			t.Fatalf("client got %s, want a timeout", got)
		}
	})
}
