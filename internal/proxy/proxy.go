// Package proxy is moat's one message-level MCP proxy core. It sits between
// a client Conn and an upstream Conn (both raw JSON-RPC frame streams from
// package transport), pairs requests with responses by id in each
// direction, and lets hooks forward, replace, answer or drop every message.
// Proxy-originated requests (the future "ask" flow) use an id space of their
// own. Messages no hook changes are forwarded as the exact bytes received.
//
// Order of work per message: size cap and strict parse (hygiene) → pairing →
// hook → the single verdict-to-wire conversion (answer) → write. Any hook
// error or panic fails closed.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/moat-dev/moat/internal/transport"
)

// Side names one of the two peers.
type Side uint8

// The two peers.
const (
	SideClient Side = iota // the MCP client (the agent host) moat serves
	SideServer             // the upstream MCP server
)

func (s Side) String() string {
	if s == SideClient {
		return "client"
	}
	return "server"
}

func (s Side) other() Side { return 1 - s }

// Hook inspects one message from a peer. paired is the request a response
// answers (nil for requests and notifications). Hooks run on the goroutine
// that reads that peer, in message order, so they must be quick and must
// not wait on a peer: to wait, return a Defer verdict. A returned error or
// a panic fails closed.
type Hook func(ctx context.Context, msg *Message, paired *Message) (Verdict, error)

// Limits bounds the proxy. Zero fields take the defaults.
type Limits struct {
	MaxMessageSize int           // bytes per message; default 16 MiB (enforced by the Conns)
	MaxPending     int           // in-flight requests per direction; default 4096
	CallTimeout    time.Duration // how long a request may wait for its answer; default 10m
	MaxCallTime    time.Duration // progress notifications restart CallTimeout up to this total; default 1h
	MaxDeferred    int           // Defer verdicts waiting at once; default 256
}

// Defaults for Limits.
const (
	DefaultMaxPending  = 4096
	DefaultCallTimeout = 10 * time.Minute
	DefaultMaxCallTime = time.Hour
	DefaultMaxDeferred = 256
)

// Errors Run returns to say which side ended the session.
var (
	ErrClientClosed = errors.New("the MCP client closed the connection")
	ErrServerClosed = errors.New("the MCP server closed the connection")
)

// Proxy relays JSON-RPC between Client and Upstream. Set the fields, then
// call Run once. Nil hooks forward everything unchanged.
type Proxy struct {
	Client   transport.Conn
	Upstream transport.Conn

	// OnClientMessage sees every message from the client before it is
	// forwarded upstream; OnServerMessage every message from the server.
	OnClientMessage Hook
	OnServerMessage Hook

	Limits Limits
	Logger *slog.Logger

	once     sync.Once
	log      *slog.Logger
	conns    [2]transport.Conn
	pend     [2]*pending // pend[s]: requests sent by side s, waiting for other(s)
	own      *pending    // requests moat itself sent, by id
	ids      idSpace
	deferred chan struct{} // semaphore for Defer verdicts
	waiting  sync.Map      // waitKey → *waiting: deferred requests
}

func (p *Proxy) init() {
	p.once.Do(func() {
		if p.Limits.MaxPending <= 0 {
			p.Limits.MaxPending = DefaultMaxPending
		}
		if p.Limits.CallTimeout <= 0 {
			p.Limits.CallTimeout = DefaultCallTimeout
		}
		if p.Limits.MaxCallTime < p.Limits.CallTimeout {
			p.Limits.MaxCallTime = max(DefaultMaxCallTime, p.Limits.CallTimeout)
		}
		if p.Limits.MaxDeferred <= 0 {
			p.Limits.MaxDeferred = DefaultMaxDeferred
		}
		p.deferred = make(chan struct{}, p.Limits.MaxDeferred)
		p.log = p.Logger
		if p.log == nil {
			p.log = slog.New(slog.DiscardHandler)
		}
		p.conns = [2]transport.Conn{p.Client, p.Upstream}
		p.pend = [2]*pending{newPending(p.Limits.MaxPending), newPending(p.Limits.MaxPending)}
		p.own = newPending(p.Limits.MaxPending)
		p.ids = newIDSpace()
	})
}

// Run relays messages until a side closes or ctx ends. It returns
// ErrClientClosed or ErrServerClosed (wrapped with the cause), or ctx's
// error. Before returning after the server went away, every request still
// waiting is answered with an error so the client is never left hanging.
// Run does not close the Conns.
func (p *Proxy) Run(ctx context.Context) error {
	if p.Client == nil || p.Upstream == nil {
		return errors.New("proxy: both Client and Upstream must be set")
	}
	p.init()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := [2]chan error{make(chan error, 1), make(chan error, 1)}
	for _, s := range []Side{SideClient, SideServer} {
		go func() { done[s] <- p.readLoop(ctx, s) }()
	}
	var err error
	select {
	case err = <-done[SideClient]:
		err = fmt.Errorf("%w: %w", ErrClientClosed, err)
	case err = <-done[SideServer]:
		err = fmt.Errorf("%w: %w", ErrServerClosed, err)
		p.failPending(ctx, SideClient, &RPCError{Code: CodeUnavailable, Message: "the MCP server exited or closed the connection before answering"})
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.failOwn()
	return err
}

// failPending answers every request side s is still waiting on.
func (p *Proxy) failPending(ctx context.Context, s Side, e *RPCError) {
	for _, en := range p.pend[s].drain() {
		p.write(ctx, s, answerErr(en.req, e))
	}
}

func (p *Proxy) failOwn() {
	for _, en := range p.own.drain() {
		close(en.reply)
	}
}

// answerErr is the error reply to req. For tools/call it is still produced by
// the one conversion function.
func answerErr(req *Message, e *RPCError) []byte {
	_, reply := answer(req, nil, Verdict{Action: Respond, Error: e})
	return reply
}

func (p *Proxy) write(ctx context.Context, to Side, frame []byte) error {
	if frame == nil {
		return nil
	}
	err := p.conns[to].Write(ctx, frame)
	if err != nil {
		p.log.Debug("write failed", "to", to.String(), "err", err)
	}
	return err
}

// forward writes a message to the other side; if a request cannot be
// delivered its sender is answered at once instead of waiting for the
// timeout.
func (p *Proxy) forward(ctx context.Context, from Side, frame []byte, req *Message) {
	err := p.write(ctx, from.other(), frame)
	if err == nil || req == nil {
		return
	}
	cause := err.Error() // transports redact credentials from their errors
	p.log.Warn("could not deliver a request", "to", from.other().String(), "method", req.Method, "err", cause)
	if e := p.pend[from].remove(req.IDKey()); e != nil {
		msg := fmt.Sprintf("moat: could not deliver %s to the %s: %s", req.Method, from.other(), cause)
		p.write(ctx, from, answerErr(req, &RPCError{Code: CodeUnavailable, Message: msg}))
	}
}
