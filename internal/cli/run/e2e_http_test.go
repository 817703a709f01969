package run_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type echoIn struct {
	Text string `json:"text"`
}

func upstreamServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "remote", Version: "1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo"}, func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: in.Text}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "grow"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		mcp.AddTool(s, &mcp.Tool{Name: "grown"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{}, nil, nil
		})
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "grew"}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "sample"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		res, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{MaxTokens: 5, Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "hi"}}}})
		if err != nil {
			return nil, nil, err
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "model said " + res.Content.(*mcp.TextContent).Text}}}, nil, nil
	})
	return s
}

// TestRemoteStreamableHTTP runs `moat run --url` against a go-sdk server on
// a loopback httptest server and drives it with the Go SDK client over stdio.
func TestRemoteStreamableHTTP(t *testing.T) {
	s := upstreamServer()
	for name, h := range map[string]http.Handler{
		"streamable": mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil),
		"legacy-sse": mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil),
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			changed := make(chan struct{}, 8)
			client := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, &mcp.ClientOptions{
				ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
				CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
					return &mcp.CreateMessageResult{Model: "m", Role: "assistant", Content: &mcp.TextContent{Text: "pong"}}, nil
				},
			})
			cmd := exec.Command(bin.moat, "run", "--name", "remote", "--url", srv.URL, "--header", "X-Trace=e2e")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			tools, err := cs.ListTools(ctx, nil)
			if err != nil || len(tools.Tools) < 2 {
				t.Fatalf("tools/list = %v, %v", tools, err)
			}
			if got, err := callText(t, cs, "echo", map[string]any{"text": "over http"}); err != nil || got != "over http" {
				t.Fatalf("echo = %q, %v", got, err)
			}
			// A server-to-client request (sampling) inside a call, over HTTP.
			if got, err := callText(t, cs, "sample", map[string]any{}); err != nil || got != "model said pong" {
				t.Fatalf("sample = %q, %v", got, err)
			}
			time.Sleep(100 * time.Millisecond) // the standalone stream attaches after initialize
			if _, err := callText(t, cs, "grow", map[string]any{}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-changed:
			case <-time.After(5 * time.Second):
				t.Fatal("notifications/tools/list_changed never reached the stdio client")
			}
		})
	}
}
