package run

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/guard"
	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/proxy"
	"github.com/moat-dev/moat/internal/state"
	"github.com/moat-dev/moat/internal/transport"
)

type pipeEnd struct {
	r io.ReadCloser
	w io.WriteCloser
}

func pipes(b *testing.B) (a, c pipeEnd) {
	r1, w1, err1 := os.Pipe()
	r2, w2, err2 := os.Pipe()
	if err1 != nil || err2 != nil {
		b.Fatal("os.Pipe failed")
	}
	return pipeEnd{r1, w2}, pipeEnd{r2, w1}
}

// benchSession connects a Go SDK client through the proxy core to an
// in-process server with a 1 KB-result tool, with pass-through hooks or
// with the guard (policy, pins, screening, audit to a real log).
func benchSession(b *testing.B, withGuard bool) *mcp.ClientSession {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	serverEnd, up := pipes(b)
	down, clientEnd := pipes(b)
	p := &proxy.Proxy{
		Client:   transport.NewStream(down.r, down.w, nil, transport.StreamOptions{}),
		Upstream: transport.NewStream(up.r, up.w, nil, transport.StreamOptions{}),
	}
	if withGuard {
		dir := b.TempDir()
		db, err := state.OpenDir(dir, state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		sink, err := audit.OpenDefaultEnv(dir, time.Now, os.Getenv) // MOAT_AUDIT_SYNC=always|interval
		if err != nil {
			b.Fatal(err)
		}
		eng, _, err := policy.Load(nil, policy.Options{})
		if err != nil {
			b.Fatal(err)
		}
		scanner, _ := detect.New(detect.Options{})
		g := guard.New(guard.Options{Server: policy.Server{Name: "bench"}, Identity: "bench@0", Policy: eng,
			Store: db, Scanner: scanner, Audit: benchSink(sink),
			CallServer: func(ctx context.Context, m string, params any) (json.RawMessage, error) {
				return p.Call(ctx, proxy.SideServer, m, params)
			}})
		b.Cleanup(func() { g.Close() })
		p.OnClientMessage, p.OnServerMessage = adapt(g.OnClientMessage), adapt(g.OnServerMessage)
	}
	go p.Run(ctx)
	s := mcp.NewServer(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	payload := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 23)
	mcp.AddTool(s, &mcp.Tool{Name: "kb", Description: "Returns 1 KB."}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: payload}}}, nil, nil
	})
	go s.Run(ctx, &mcp.IOTransport{Reader: serverEnd.r, Writer: serverEnd.w})
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).Connect(ctx, &mcp.IOTransport{Reader: clientEnd.r, Writer: clientEnd.w}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cs.Close() })
	if _, err := cs.ListTools(ctx, nil); err != nil {
		b.Fatal(err)
	}
	return cs
}

// BenchmarkGuardProxyRoundTrip interleaves tools/call (1 KB result) through
// the proxy with pass-through hooks and through the proxy with the guard,
// so both see the same machine load, and reports both medians and the
// latency the guard adds.
func BenchmarkGuardProxyRoundTrip(b *testing.B) {
	plain, guarded := benchSession(b, false), benchSession(b, true)
	call := func(cs *mcp.ClientSession) time.Duration {
		t0 := time.Now()
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "kb", Arguments: map[string]any{}})
		if err != nil || res.IsError {
			b.Fatalf("call: %v %v", err, res)
		}
		return time.Since(t0)
	}
	var lp, lg []time.Duration
	b.ResetTimer()
	for range b.N {
		lp = append(lp, call(plain))
		lg = append(lg, call(guarded))
	}
	slices.Sort(lp)
	slices.Sort(lg)
	pp, pg := lp[len(lp)/2], lg[len(lg)/2]
	b.ReportMetric(float64(pp.Nanoseconds())/1e3, "proxy-p50-µs")
	b.ReportMetric(float64(pg.Nanoseconds())/1e3, "guard-p50-µs")
	b.ReportMetric(float64((pg-pp).Nanoseconds())/1e3, "added-p50-µs")
}

// benchSink is the real audit log, or none with MOAT_BENCH_NO_AUDIT=1 (to
// see the log's share of the cost).
func benchSink(s audit.Sink) audit.Sink {
	if os.Getenv("MOAT_BENCH_NO_AUDIT") == "1" {
		s.Close()
		return audit.Discard
	}
	return s
}
