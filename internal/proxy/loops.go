package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/moat-dev/moat/internal/transport"
)

// readLoop reads and parses frames from side s. Responses to moat's own
// requests are delivered here, so a hook waiting on one never blocks the
// loop that would deliver it. Everything else is queued for workLoop.
func (p *Proxy) readLoop(ctx context.Context, s Side, q chan<- *Message, errOut *error) {
	defer close(q)
	for {
		frame, err := p.conns[s].Read(ctx)
		if err != nil {
			var tooLarge *transport.TooLargeError
			if errors.As(err, &tooLarge) {
				p.refuseTooLarge(ctx, s, tooLarge)
				continue
			}
			*errOut = err
			return
		}
		m, err := ParseMessage(frame)
		if err != nil {
			p.refuseMalformed(ctx, s, frame, err)
			continue
		}
		if p.deliverOwn(m) {
			continue
		}
		select {
		case q <- m:
		case <-ctx.Done():
			*errOut = ctx.Err()
			return
		}
	}
}

func (p *Proxy) workLoop(ctx context.Context, s Side, q <-chan *Message) {
	for m := range q {
		if m.Kind == KindBatch {
			p.handleBatch(ctx, s, m)
			continue
		}
		o := p.step(ctx, s, m)
		if o.pend != nil && !p.register(ctx, s, o) {
			continue
		}
		p.write(ctx, s, o.reply)
		p.forward(ctx, s, o.fwd, o.pend)
	}
}

// outcome is what step decided for one message from side `from`: fwd goes to
// the other side, reply back to `from`, and pend is the request to record
// as in flight before fwd is written.
type outcome struct {
	msg   *Message
	fwd   []byte
	reply []byte
	pend  *Message
	same  bool // fwd is msg.Raw unchanged
}

// step runs the hook for one non-batch message and converts its verdict.
func (p *Proxy) step(ctx context.Context, from Side, m *Message) outcome {
	var paired *Message
	switch m.Kind {
	case KindResponse:
		e := p.pend[from.other()].remove(m.IDKey())
		if e == nil {
			p.log.Warn("dropped a response nobody is waiting for", "from", from.String(), "id", string(clip(m.IDRaw, 64)))
			return outcome{msg: m}
		}
		paired = e.req
	case KindNotification:
		p.noteCancel(from, m)
	}
	v := p.runHook(ctx, from, m, paired)
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

// runHook calls the hook for side from, turning an error or a panic into a
// fail-closed verdict.
func (p *Proxy) runHook(ctx context.Context, from Side, m, paired *Message) (v Verdict) {
	h := p.OnClientMessage
	if from == SideServer {
		h = p.OnServerMessage
	}
	if h == nil {
		return Forwarding
	}
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("hook panicked; failing closed", "from", from.String(), "method", m.Method, "panic", fmt.Sprint(r))
			v = Verdict{Action: Drop, Reason: "moat could not check this message"}
		}
	}()
	v, err := h(ctx, m, paired)
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
