package proxy

import (
	"bytes"
	"context"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/moat-dev/moat/internal/transport"
)

// refuseTooLarge handles a frame over the size cap. If the id can be
// recovered, the request it belongs to (from either side) gets an error
// instead of hanging until the timeout.
func (p *Proxy) refuseTooLarge(ctx context.Context, from Side, e *transport.TooLargeError) {
	id := recoverID(e.Head, e.Tail)
	p.log.Warn("refused an oversized message", "from", from.String(), "bytes", e.Size, "limit", e.Limit)
	if id == nil {
		return
	}
	rpcErr := &RPCError{Code: CodeTooLarge, Message: fmt.Sprintf("moat: the %s sent a message of %d bytes, over the %d-byte limit (--max-message-size)", from, e.Size, e.Limit)}
	// A response: its request is waiting on the other side.
	if en := p.pend[from.other()].remove(idKey(id)); en != nil {
		p.write(ctx, from.other(), answerErr(en.req, rpcErr))
		if from == SideServer {
			return
		}
	}
	if bytes.Contains(e.Head, []byte(`"method"`)) {
		// A request from `from`: answer it directly.
		p.write(ctx, from, answerErr(&Message{Kind: KindRequest, IDRaw: id}, rpcErr))
	}
}

// refuseMalformed handles a frame that is not strict JSON-RPC. The client
// gets a parse error (id null) as JSON-RPC requires; a server's stray stdout
// line is logged and skipped.
func (p *Proxy) refuseMalformed(ctx context.Context, from Side, frame []byte, err error) {
	if from == SideServer {
		p.log.Warn("ignored a line from the server that is not a JSON-RPC message", "bytes", len(frame), "err", err)
		if id := recoverID(frame, nil); id != nil {
			if en := p.pend[SideClient].remove(idKey(id)); en != nil {
				p.write(ctx, SideClient, answerErr(en.req, &RPCError{Code: CodeBlocked, Message: "moat: the MCP server sent a malformed response"}))
			}
		}
		return
	}
	p.log.Warn("refused a malformed message from the client", "bytes", len(frame), "err", err)
	code := int64(CodeParseError)
	if jsontext.Value(frame).IsValid() {
		code = CodeInvalidRequest
	}
	p.write(ctx, SideClient, encodeError(nil, &RPCError{Code: code, Message: "moat: " + err.Error()}))
}

// recoverID finds the top-level "id" of a truncated or malformed JSON-RPC
// object: first in its head, then (for senders that write the id last) in
// its tail.
func recoverID(head, tail []byte) []byte {
	if id := idFromHead(head); id != nil {
		return id
	}
	i := bytes.LastIndex(tail, []byte(`"id":`))
	if i < 0 {
		return nil
	}
	dec := jsontext.NewDecoder(bytes.NewBuffer(tail[i+5:]))
	v, err := dec.ReadValue()
	if err != nil || !validID(v) {
		return nil
	}
	return bytes.Clone(v)
}

func idFromHead(head []byte) []byte {
	dec := jsontext.NewDecoder(bytes.NewBuffer(head), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil
	}
	for {
		tok, err := dec.ReadToken()
		if err != nil || tok.Kind() != '"' {
			return nil
		}
		name := tok.String()
		v, err := dec.ReadValue()
		if err != nil {
			return nil
		}
		if name == "id" {
			if !validID(v) {
				return nil
			}
			return bytes.Clone(v)
		}
	}
}

func validID(v []byte) bool {
	k := jsontext.Value(v).Kind()
	return k == '"' || k == '0'
}

// memberRaw returns the raw value of a top-level member of a JSON object.
func memberRaw(obj []byte, name string) []byte {
	pd := getDecoder(obj)
	defer putDecoder(pd)
	dec := &pd.dec
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil
		}
		n := tok.String()
		v, err := dec.ReadValue()
		if err != nil {
			return nil
		}
		if n == name {
			return bytes.Clone(v)
		}
	}
	return nil
}
