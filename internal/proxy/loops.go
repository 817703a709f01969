package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/moat-dev/moat/internal/transport"
)

// readLoop reads, parses and handles every frame from side s in order, on
// this one goroutine: no hand-off per message. Hooks run here too, so a
// hook must not wait on a peer; one that needs to (the ask flow) returns a
// Defer verdict and the wait happens on its own goroutine while this loop
// keeps reading, which is how the answer to moat's question gets through.
func (p *Proxy) readLoop(ctx context.Context, s Side) error {
	for {
		frame, err := p.conns[s].Read(ctx)
		if err != nil {
			var tooLarge *transport.TooLargeError
			if errors.As(err, &tooLarge) {
				p.refuseTooLarge(ctx, s, tooLarge)
				continue
			}
			return err
		}
		m, err := ParseMessage(frame)
		if err != nil {
			p.refuseMalformed(ctx, s, frame, err)
			continue
		}
		if p.deliverOwn(m) {
			continue
		}
		if m.Kind == KindBatch {
			p.handleBatch(ctx, s, m)
			continue
		}
		paired, v, ok := p.decide(ctx, s, m)
		switch {
		case !ok:
		case v.Action == Defer:
			p.deferVerdict(ctx, s, m, paired, v.Defer)
		default:
			p.apply(ctx, s, m, paired, v)
		}
	}
}

// apply converts a verdict and carries it out: record the request as in
// flight, answer, forward.
func (p *Proxy) apply(ctx context.Context, from Side, m, paired *Message, v Verdict) {
	o := outcomeOf(m, paired, v)
	if o.pend != nil && !p.register(ctx, from, o) {
		return
	}
	p.write(ctx, from, o.reply)
	p.forward(ctx, from, o.fwd, o.pend)
}

// deferVerdict waits for a deferred decision on its own goroutine, bounded
// in number and in time; whatever goes wrong denies.
func (p *Proxy) deferVerdict(ctx context.Context, from Side, m, paired *Message, later func(context.Context) (Verdict, error)) {
	select {
	case p.deferred <- struct{}{}:
	default:
		p.apply(ctx, from, m, paired, Verdict{Action: Drop, Reason: "moat: too many checks are waiting; try again"})
		return
	}
	dctx, cancel := context.WithTimeout(ctx, p.Limits.CallTimeout)
	w := &waiting{cancel: cancel}
	key := waitKey(from, m)
	if m.Kind == KindRequest {
		if _, dup := p.waiting.LoadOrStore(key, w); dup {
			cancel()
			<-p.deferred
			p.write(ctx, from, answerErr(m, &RPCError{Code: CodeInvalidRequest, Message: "moat: " + errDuplicateID.Error()}))
			return
		}
	}
	go func() {
		defer func() { <-p.deferred }()
		defer cancel()
		if m.Kind == KindRequest {
			defer p.waiting.Delete(key)
		}
		v := p.safely(from, m, func() (Verdict, error) {
			if later == nil {
				return Verdict{}, errors.New("Defer verdict without a Defer function")
			}
			return later(dctx)
		})
		if v.Action == Defer {
			v = Verdict{Action: Drop, Reason: "moat could not check this message"}
		}
		if w.withdrawn.Load() {
			return // the sender cancelled while moat was deciding: nothing to send
		}
		p.apply(ctx, from, m, paired, v)
	}()
}

// waiting is a request whose decision is deferred.
type waiting struct {
	cancel    context.CancelFunc
	withdrawn atomic.Bool
}

func waitKey(from Side, m *Message) string { return from.String() + " " + m.IDKey() }

// withdraw stops the deferred decision on a request its sender cancelled.
func (p *Proxy) withdraw(from Side, id []byte) {
	if v, ok := p.waiting.Load(from.String() + " " + idKey(id)); ok {
		w := v.(*waiting)
		w.withdrawn.Store(true)
		w.cancel()
	}
}

// outcome is what was decided for one message from side `from`: fwd goes to
// the other side, reply back to `from`, and pend is the request to record
// as in flight before fwd is written.
type outcome struct {
	msg   *Message
	fwd   []byte
	reply []byte
	pend  *Message
	same  bool // fwd is msg.Raw unchanged
}

// decide pairs a non-batch message and runs the hook. ok is false for a
// response nobody is waiting for, which is dropped.
func (p *Proxy) decide(ctx context.Context, from Side, m *Message) (paired *Message, v Verdict, ok bool) {
	switch m.Kind {
	case KindResponse:
		e := p.pend[from.other()].remove(m.IDKey())
		if e == nil {
			p.log.Warn("dropped a response nobody is waiting for", "from", from.String(), "id", string(clip(m.IDRaw, 64)))
			return nil, Verdict{}, false
		}
		paired = e.req
	case KindNotification:
		p.noteCancel(from, m)
	}
	return paired, p.runHook(ctx, from, m, paired), true
}

// outcomeOf turns a verdict into wire bytes through answer, the one
// conversion function.
func outcomeOf(m, paired *Message, v Verdict) outcome {
	fwd, reply := answer(m, paired, v)
	o := outcome{msg: m, fwd: fwd, same: fwd != nil && len(v.Replace) == 0}
	if m.Kind == KindResponse {
		// An answer that replaces a response goes on to the waiting side.
		o.fwd, o.reply = firstNonNil(fwd, reply), nil
		o.same = o.same && reply == nil
	} else {
		o.reply = reply
	}
	if m.Kind == KindRequest && fwd != nil {
		o.pend = m
	}
	return o
}

func firstNonNil(a, b []byte) []byte {
	if a != nil {
		return a
	}
	return b
}

// runHook calls the hook for side from.
func (p *Proxy) runHook(ctx context.Context, from Side, m, paired *Message) Verdict {
	h := p.OnClientMessage
	if from == SideServer {
		h = p.OnServerMessage
	}
	if h == nil {
		return Forwarding
	}
	return p.safely(from, m, func() (Verdict, error) { return h(ctx, m, paired) })
}

// safely runs a decision, turning an error or a panic into a fail-closed
// verdict.
func (p *Proxy) safely(from Side, m *Message, f func() (Verdict, error)) (v Verdict) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("hook panicked; failing closed", "from", from.String(), "method", m.Method, "panic", fmt.Sprint(r))
			v = Verdict{Action: Drop, Reason: "moat could not check this message"}
		}
	}()
	v, err := f()
	if err != nil {
		p.log.Error("hook failed; failing closed", "from", from.String(), "method", m.Method, "err", err)
		return Verdict{Action: Drop, Reason: "moat could not check this message"}
	}
	return v
}

// register records o.pend as in flight from side `from`. On failure the
// sender gets an error and nothing is forwarded.
func (p *Proxy) register(ctx context.Context, from Side, o outcome) bool {
	req := o.pend
	e := &entry{req: req, token: progressToken(req.Params)}
	err := p.pend[from].add(req.IDKey(), e, p.Limits.CallTimeout, func() {
		p.timedOut(ctx, from, req)
	})
	if err == nil {
		return true
	}
	code := int64(CodeOverloaded)
	if errors.Is(err, errDuplicateID) {
		code = CodeInvalidRequest
	}
	p.write(ctx, from, answerErr(req, &RPCError{Code: code, Message: "moat: " + err.Error()}))
	return false
}

// timedOut answers a request whose answer did not come in time and tells
// the peer to stop working on it.
func (p *Proxy) timedOut(ctx context.Context, from Side, req *Message) {
	msg := fmt.Sprintf("moat: no answer to %s within %s (--call-timeout)", req.Method, p.Limits.CallTimeout)
	p.write(ctx, from, answerErr(req, &RPCError{Code: CodeTimeout, Message: msg}))
	p.write(ctx, from.other(), cancelNote(req.IDRaw, "timed out in moat"))
}

func cancelNote(id []byte, reason string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":`)
	b.Write(id)
	b.WriteString(`,"reason":"` + reason + `"}}`)
	return b.Bytes()
}

// noteCancel forgets a request its sender cancelled (a late response to it
// is then dropped rather than forwarded) and restarts the timeout of a
// request the other side reports progress on.
func (p *Proxy) noteCancel(from Side, m *Message) {
	if m.Method == "notifications/progress" && m.Params != nil {
		// Progress on a request the other side sent keeps it alive.
		if tok := memberRaw(m.Params, "progressToken"); tok != nil {
			p.pend[from.other()].touch(idKey(tok), p.Limits.CallTimeout, p.Limits.MaxCallTime)
		}
		return
	}
	if m.Method != "notifications/cancelled" || m.Params == nil {
		return
	}
	if id := memberRaw(m.Params, "requestId"); id != nil {
		p.pend[from].remove(idKey(id))
		p.withdraw(from, id)
	}
}

// progressToken returns the pairing key of params._meta.progressToken.
func progressToken(params []byte) string {
	if params == nil {
		return ""
	}
	meta := memberRaw(params, "_meta")
	if meta == nil {
		return ""
	}
	if tok := memberRaw(meta, "progressToken"); tok != nil {
		return idKey(tok)
	}
	return ""
}

func clip(b []byte, n int) []byte { return b[:min(len(b), n)] }
