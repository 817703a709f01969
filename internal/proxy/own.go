package proxy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
)

// idSpace issues ids for requests moat itself sends. They are strings with
// a random per-session prefix, so they never collide with the numeric or
// string ids the client and the server choose.
type idSpace struct {
	prefix string // `"moat-<16 hex>-`
	n      atomic.Uint64
}

func newIDSpace() idSpace {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return idSpace{prefix: `"moat-` + hex.EncodeToString(b[:]) + `-`}
}

func (s *idSpace) next() []byte {
	return []byte(s.prefix + strconv.FormatUint(s.n.Add(1), 10) + `"`)
}

func (s *idSpace) owns(id []byte) bool { return bytes.HasPrefix(id, []byte(s.prefix)) }

// deliverOwn hands a response to moat's own request to the waiting caller.
// It reports whether m was such a response (delivered or stale).
func (p *Proxy) deliverOwn(m *Message) bool {
	if m.Kind != KindResponse || !p.ids.owns(m.IDRaw) {
		return false
	}
	if e := p.own.remove(m.IDKey()); e != nil {
		e.reply <- m // buffered: never blocks
	}
	return true
}

// ErrNoAnswer means moat's own request got no usable answer: the peer went
// away, the proxy stopped, or ctx ended.
var ErrNoAnswer = errors.New("no answer from the peer")

// Call sends a request of moat's own to side `to` and waits for the answer.
// It is how hooks ask the user (elicitation/create to the client). The wait
// is bounded by ctx and by Limits.CallTimeout. A JSON-RPC error answer is
// returned as *RPCError. Call is safe to use from hooks while Run runs.
func (p *Proxy) Call(ctx context.Context, to Side, method string, params any) (json.RawMessage, error) {
	p.init()
	ps, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("encoding params of %s: %w", method, err)
	}
	id := p.ids.next()
	req := &Message{Kind: KindRequest, Method: method, IDRaw: id, Params: ps}
	req.Raw = encodeRequest(id, method, ps)
	e := &entry{req: req, reply: make(chan *Message, 1)}
	if err := p.own.add(idKey(id), e, 0, nil); err != nil {
		return nil, fmt.Errorf("sending %s: %w", method, err)
	}
	defer p.own.remove(idKey(id))
	ctx, cancel := context.WithTimeout(ctx, p.Limits.CallTimeout)
	defer cancel()
	if err := p.conns[to].Write(ctx, req.Raw); err != nil {
		return nil, fmt.Errorf("sending %s to the %s: %w", method, to, err)
	}
	select {
	case m, ok := <-e.reply:
		if !ok {
			return nil, fmt.Errorf("%s: %w", method, ErrNoAnswer)
		}
		if m.Error != nil {
			var re RPCError
			if err := json.Unmarshal(m.Error, &re); err != nil {
				return nil, fmt.Errorf("%s: malformed error answer: %w", method, err)
			}
			return nil, &re
		}
		return json.RawMessage(m.Result), nil
	case <-ctx.Done():
		p.write(context.Background(), to, cancelNote(id, "moat stopped waiting"))
		return nil, fmt.Errorf("%s: %w: %w", method, ErrNoAnswer, ctx.Err())
	}
}

// Notify sends a notification of moat's own to side `to`.
func (p *Proxy) Notify(ctx context.Context, to Side, method string, params any) error {
	p.init()
	ps, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encoding params of %s: %w", method, err)
	}
	return p.conns[to].Write(ctx, encodeRequest(nil, method, ps))
}

func encodeRequest(id []byte, method string, params []byte) []byte {
	mq, _ := json.Marshal(method)
	var b bytes.Buffer
	b.WriteString(`{"jsonrpc":"2.0",`)
	if id != nil {
		b.WriteString(`"id":`)
		b.Write(id)
		b.WriteByte(',')
	}
	b.WriteString(`"method":`)
	b.Write(mq)
	if len(params) > 0 && string(params) != "null" {
		b.WriteString(`,"params":`)
		b.Write(params)
	}
	b.WriteByte('}')
	return b.Bytes()
}
