package proxy

import (
	"bytes"
	"context"
)

// handleBatch relays a JSON-RPC batch. Each element goes through the hooks
// and the pairing tables like a single message. When every element is
// forwarded unchanged the batch's original bytes go on; otherwise:
//
//   - a client batch is refused as a whole (fail closed): every request in
//     it is answered with an error and nothing is forwarded, because the
//     server's batch answer could not be merged with moat's answers;
//   - a server batch is forwarded as a new array of the elements that
//     remain, each element still byte-identical unless a hook replaced it.
func (p *Proxy) handleBatch(ctx context.Context, from Side, b *Message) {
	outs := make([]outcome, 0, len(b.Batch))
	allSame := true
	for _, m := range b.Batch {
		if p.deliverOwn(m) {
			allSame = false
			continue
		}
		paired, v, ok := p.decide(ctx, from, m)
		if !ok {
			allSame = false
			continue
		}
		if v.Action == Defer {
			v = Verdict{Action: Drop, Reason: "moat cannot ask about a message inside a batch"}
		}
		o := outcomeOf(m, paired, v)
		allSame = allSame && o.same && o.reply == nil
		outs = append(outs, o)
	}
	if from == SideClient && !allSame {
		p.refuseBatch(ctx, outs)
		return
	}
	var fwd [][]byte
	for _, o := range outs {
		if o.pend != nil && !p.register(ctx, from, o) {
			allSame = false
			continue
		}
		p.write(ctx, from, o.reply)
		if o.fwd != nil {
			fwd = append(fwd, o.fwd)
		}
	}
	switch {
	case allSame:
		p.write(ctx, from.other(), b.Raw)
	case len(fwd) > 0:
		p.write(ctx, from.other(), joinBatch(fwd))
	}
}

// refuseBatch answers every request of a refused client batch, as one batch.
func (p *Proxy) refuseBatch(ctx context.Context, outs []outcome) {
	var replies [][]byte
	for _, o := range outs {
		switch {
		case o.reply != nil:
			replies = append(replies, o.reply)
		case o.msg.Kind == KindRequest:
			replies = append(replies, answerErr(o.msg, &RPCError{Code: CodeBlocked, Message: "moat: this batch was refused because one of its messages was blocked"}))
		}
	}
	if len(replies) > 0 {
		p.write(ctx, SideClient, joinBatch(replies))
	}
}

func joinBatch(parts [][]byte) []byte {
	return append(append([]byte{'['}, bytes.Join(parts, []byte{','})...), ']')
}
