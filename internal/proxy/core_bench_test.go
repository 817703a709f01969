package proxy

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkProxyCoreMessage is the proxy's own CPU cost for one tools/call
// round trip with a 1 KB result, without any I/O: strict parse of the
// request and the response, pairing, pass-through hooks and the
// verdict-to-wire conversion. The rest of the added latency in
// BenchmarkProxyRoundTrip is the two extra pipe hops and scheduler wake-ups.
func BenchmarkProxyCoreMessage(b *testing.B) {
	p := &Proxy{
		OnClientMessage: func(context.Context, *Message, *Message) (Verdict, error) { return Forwarding, nil },
		OnServerMessage: func(context.Context, *Message, *Message) (Verdict, error) { return Forwarding, nil },
	}
	p.init()
	req := []byte(`{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"kb","arguments":{},"_meta":{"progressToken":7}}}`)
	resp := []byte(`{"jsonrpc":"2.0","id":42,"result":{"content":[{"type":"text","text":"` + strings.Repeat("x", 1024) + `"}]}}`)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(req) + len(resp)))
	for b.Loop() {
		m, err := ParseMessage(req)
		if err != nil {
			b.Fatal(err)
		}
		paired, v, _ := p.decide(ctx, SideClient, m)
		o := outcomeOf(m, paired, v)
		if !p.register(ctx, SideClient, o) {
			b.Fatal("register failed")
		}
		r, err := ParseMessage(resp)
		if err != nil {
			b.Fatal(err)
		}
		paired, v, ok := p.decide(ctx, SideServer, r)
		if !ok || outcomeOf(r, paired, v).fwd == nil {
			b.Fatal("response not paired")
		}
	}
}
