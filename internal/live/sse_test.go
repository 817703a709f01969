package live

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/moat-dev/moat/internal/inventory"
)

// TestCollectLegacySSE connects to a legacy SSE server (go-sdk's SSE
// handler on a loopback httptest server) configured with type "sse".
func TestCollectLegacySSE(t *testing.T) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "legacy", Version: "0.1.0"}, &mcp.ServerOptions{Instructions: "Old server."})
	mcp.AddTool(srv, &mcp.Tool{Name: "ping_host", Description: "Ping a host."},
		func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{}, nil, nil
		})
	var sawAuth bool
	h := mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") == "k-123456" {
			sawAuth = true
		}
		h.ServeHTTP(w, r)
	}))
	defer ts.Close()
	spec := inventory.ServerSpec{Name: "legacy", Transport: inventory.SSE, URL: ts.URL, Headers: map[string]string{"X-Api-Key": "k-123456"}}
	res := CollectOne(context.Background(), spec, Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.ServerName != "legacy" || len(res.Tools) != 1 || res.Instructions != "Old server." || !sawAuth {
		t.Errorf("got %q, %d tools, %q, header seen %v", res.ServerName, len(res.Tools), res.Instructions, sawAuth)
	}
}

// TestHTTPBodyCapped: a server answering with an endless body is cut off.
func TestHTTPBodyCapped(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":{"instructions":"`))
		chunk := make([]byte, 64<<10)
		for i := range chunk {
			chunk[i] = 'a'
		}
		for i := 0; i < 64; i++ { // 4 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer ts.Close()
	res := CollectOne(context.Background(), inventory.ServerSpec{Name: "big", Transport: inventory.HTTP, URL: ts.URL},
		Options{MaxMessage: 1 << 20, Timeout: 5 * time.Second})
	if res.Err == nil {
		t.Fatal("want an error for an oversized answer")
	}
}
