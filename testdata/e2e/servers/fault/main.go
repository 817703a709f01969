// Command fault is an MCP server for moat's end-to-end tests. Besides a
// well-behaved echo tool it misbehaves on request: it crashes mid-call,
// hangs, floods a huge result, writes non-JSON to stdout, or closes its
// own stdin. It is built by the tests; it is not part of moat.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type echoArgs struct {
	Text string `json:"text"`
}

type sizeArgs struct {
	Bytes int `json:"bytes"`
}

type codeArgs struct {
	Code int `json:"code"`
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

func main() {
	banner := flag.Bool("banner", false, "write a non-JSON line to stdout before serving")
	flag.Parse()
	if *banner {
		fmt.Println("fault server starting (this line is not JSON)")
	}
	fmt.Fprintln(os.Stderr, "fault: stderr works")
	s := mcp.NewServer(&mcp.Implementation{Name: "fault", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Echo text."}, func(_ context.Context, _ *mcp.CallToolRequest, a echoArgs) (*mcp.CallToolResult, any, error) {
		return text(a.Text), nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "crash", Description: "Exit with a code mid-call."}, func(_ context.Context, _ *mcp.CallToolRequest, a codeArgs) (*mcp.CallToolResult, any, error) {
		os.Exit(a.Code)
		return nil, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "hang", Description: "Never answer."}, func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		<-ctx.Done()
		time.Sleep(time.Hour)
		return nil, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "flood", Description: "Return a result of the given size."}, func(_ context.Context, _ *mcp.CallToolRequest, a sizeArgs) (*mcp.CallToolResult, any, error) {
		return text(strings.Repeat("x", a.Bytes)), nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "junk", Description: "Write non-JSON to stdout, then answer."}, func(_ context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		fmt.Fprintln(os.Stdout, "junk line from a careless server")
		return text("after junk"), nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "closestdin", Description: "Close stdin and answer after a moment."}, func(_ context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		stdin.Close()
		return text("stdin closed"), nil, nil
	})
	if err := s.Run(context.Background(), &mcp.IOTransport{Reader: stdin, Writer: stdout{}}); err != nil {
		fmt.Fprintln(os.Stderr, "fault:", err)
		os.Exit(1)
	}
}

// gatedStdin makes closing stdin deterministic: a read already blocked on
// fd 0 when the closestdin tool closes it can still return the next request,
// so everything read after the close is reported as end of input instead.
type gatedStdin struct{ closed atomic.Bool }

var stdin = &gatedStdin{}

func (g *gatedStdin) Read(p []byte) (int, error) {
	if g.closed.Load() {
		return 0, io.EOF
	}
	n, err := os.Stdin.Read(p)
	if g.closed.Load() {
		return 0, io.EOF
	}
	return n, err
}

func (g *gatedStdin) Close() error {
	g.closed.Store(true)
	return os.Stdin.Close()
}

// stdout is os.Stdout without Close: the server keeps answering after its
// input ends.
type stdout struct{}

func (stdout) Write(p []byte) (int, error) { return os.Stdout.Write(p) }
func (stdout) Close() error                { return nil }
