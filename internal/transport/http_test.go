package transport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type headerLog struct {
	mu   sync.Mutex
	seen []http.Header
}

func (l *headerLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.seen = append(l.seen, r.Header.Clone())
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func newServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "up", Version: "1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "grow", Description: "Add a tool."}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		mcp.AddTool(s, &mcp.Tool{Name: "grown"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{}, nil, nil
		})
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "grew"}}}, nil, nil
	})
	return s
}

func readUntil(t *testing.T, c Conn, substr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		f, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %q: %v", substr, err)
		}
		if strings.Contains(string(f), substr) {
			return string(f)
		}
	}
}

const initialize = `{"jsonrpc":"2.0","id":12345678901234567890,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

func TestHTTPUpstream(t *testing.T) {
	s := newServer()
	cases := []struct {
		name    string
		handler http.Handler
		legacy  bool
	}{
		{"streamable", mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil), false},
		{"legacy sse fallback", mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log := &headerLog{}
			srv := httptest.NewServer(log.wrap(tc.handler))
			defer srv.Close()
			c := DialHTTP(HTTPOptions{URL: srv.URL, Header: http.Header{"X-Moat-Test": {"yes"}}})
			defer c.Close()
			ctx := context.Background()
			must(t, c.Write(ctx, []byte(initialize)))
			got := readUntil(t, c, `"id":12345678901234567890`)
			if !strings.HasPrefix(got, `{"jsonrpc":"2.0","id":12345678901234567890,"result":{`) {
				t.Fatalf("initialize answer lost the 20-digit id: %s", got)
			}
			must(t, c.Write(ctx, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)))
			must(t, c.Write(ctx, []byte(`[{"jsonrpc":"2.0","id":"a\u0062","method":"tools/list"}]`)))
			if got := readUntil(t, c, `"id":"a\u0062"`); !strings.Contains(got, `"grow"`) {
				t.Fatalf("tools/list: %s", got)
			}
			time.Sleep(100 * time.Millisecond) // let the standalone stream attach
			must(t, c.Write(ctx, []byte(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"grow","arguments":{}}}`)))
			readUntil(t, c, "notifications/tools/list_changed")
			checkHeaders(t, log, tc.legacy)
		})
	}
}

func checkHeaders(t *testing.T, l *headerLog, legacy bool) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var versioned int
	for _, h := range l.seen {
		if h.Get("X-Moat-Test") != "yes" {
			t.Errorf("a request lacks the configured header: %v", h)
		}
		if h.Get("Mcp-Protocol-Version") == "2025-06-18" {
			versioned++
		}
	}
	if !legacy && versioned < 2 {
		t.Errorf("only %d of %d requests carried Mcp-Protocol-Version", versioned, len(l.seen))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestHTTPErrorsAreRedacted(t *testing.T) {
	c := DialHTTP(HTTPOptions{URL: "http://user:pa55word@127.0.0.1:9/mcp?token=s3cret&x=1"})
	defer c.Close()
	err := c.Write(context.Background(), []byte(initialize))
	if err == nil {
		t.Fatal("writing to a closed port succeeded")
	}
	for _, secret := range []string{"s3cret", "pa55word"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks %q: %v", secret, err)
		}
	}
}
