package proxy_test

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/moat-dev/moat/internal/proxy"
	"github.com/moat-dev/moat/internal/transport"
)

// pipeEnd is one direction pair of io.Pipes.
type pipeEnd struct {
	r io.ReadCloser
	w io.WriteCloser
}

// pipes returns two connected ends over OS pipes (kernel-buffered, like a
// real stdio server).
func pipes() (a, b pipeEnd) {
	r1, w1, err1 := os.Pipe()
	r2, w2, err2 := os.Pipe()
	if err1 != nil || err2 != nil {
		panic("os.Pipe failed")
	}
	return pipeEnd{r1, w2}, pipeEnd{r2, w1}
}

func benchServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	payload := strings.Repeat("x", 1024)
	mcp.AddTool(s, &mcp.Tool{Name: "kb"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: payload}}}, nil, nil
	})
	return s
}

// session connects a Go SDK client to an in-process server, directly or
// through the proxy core with pass-through hooks.
func session(b *testing.B, viaMoat bool) *mcp.ClientSession {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	serverEnd, clientEnd := pipes()
	if viaMoat {
		var up, down pipeEnd
		serverEnd, up = pipes()
		down, clientEnd = pipes()
		pass := func(context.Context, *proxy.Message, *proxy.Message) (proxy.Verdict, error) {
			return proxy.Forwarding, nil
		}
		p := &proxy.Proxy{
			Client:          transport.NewStream(down.r, down.w, nil, transport.StreamOptions{}),
			Upstream:        transport.NewStream(up.r, up.w, nil, transport.StreamOptions{}),
			OnClientMessage: pass,
			OnServerMessage: pass,
		}
		go p.Run(ctx)
	}
	go benchServer().Run(ctx, &mcp.IOTransport{Reader: serverEnd.r, Writer: serverEnd.w})
	c := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.IOTransport{Reader: clientEnd.r, Writer: clientEnd.w}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cs.Close() })
	return cs
}

func call(b *testing.B, cs *mcp.ClientSession) {
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "kb", Arguments: map[string]any{}}); err != nil {
		b.Fatal(err)
	}
}

// concurrentRound makes n calls from 16 goroutines and returns the time taken.
func concurrentRound(b *testing.B, cs *mcp.ClientSession, n int) time.Duration {
	t0 := time.Now()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range n / 16 {
				call(b, cs)
			}
		})
	}
	wg.Wait()
	return time.Since(t0)
}

// benchOverhead interleaves direct and proxied calls so both see the same
// machine load, and reports the added median latency and the throughput
// ratio measured in this one run.
func benchOverhead(b *testing.B) {
	direct, moat := session(b, false), session(b, true)
	var ld, lm []time.Duration
	var td, tm time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		call(b, direct)
		t1 := time.Now()
		call(b, moat)
		ld, lm = append(ld, t1.Sub(t0)), append(lm, time.Since(t1))
		if i%32 == 31 {
			td += concurrentRound(b, direct, 64)
			tm += concurrentRound(b, moat, 64)
		}
	}
	slices.Sort(ld)
	slices.Sort(lm)
	pd, pm := ld[len(ld)/2], lm[len(lm)/2]
	b.ReportMetric(float64(pd.Nanoseconds())/1e3, "direct-p50-µs")
	b.ReportMetric(float64(pm.Nanoseconds())/1e3, "moat-p50-µs")
	b.ReportMetric(float64((pm-pd).Nanoseconds())/1e3, "added-p50-µs")
	if tm > 0 {
		b.ReportMetric(float64(td)/float64(tm), "throughput-ratio")
	}
}

// BenchmarkProxyRoundTrip measures tools/call with a 1 KB result, directly
// and through the proxy core: serial (median latency, reported as
// p50-µs) and with 16 concurrent callers (calls/s). "overhead" interleaves
// both in one run and reports the added latency and the throughput ratio
// (moat calls/s ÷ direct calls/s, 16 concurrent callers).
func BenchmarkProxyRoundTrip(b *testing.B) {
	b.Run("overhead", benchOverhead)
	for _, mode := range []string{"direct", "moat"} {
		b.Run(mode+"/serial", func(b *testing.B) {
			cs := session(b, mode == "moat")
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				call(b, cs)
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
		})
		b.Run(mode+"/concurrent16", func(b *testing.B) {
			cs := session(b, mode == "moat")
			b.ResetTimer()
			t0 := time.Now()
			var wg sync.WaitGroup
			per := (b.N + 15) / 16
			for range 16 {
				wg.Go(func() {
					for range per {
						call(b, cs)
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(per*16)/time.Since(t0).Seconds(), "calls/s")
		})
	}
}
