package run_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// syncBuf is a goroutine-safe buffer for a child's stderr.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// connect starts `moat run [flags] -- server...` and connects the official
// Go SDK client to it.
func connect(t *testing.T, flags []string, server ...string) (*mcp.ClientSession, *exec.Cmd, *syncBuf) {
	t.Helper()
	return connectEnv(t, nil, flags, server...)
}

// connectEnv is connect with extra environment variables for moat and so
// for the server it starts.
func connectEnv(t *testing.T, env []string, flags []string, server ...string) (*mcp.ClientSession, *exec.Cmd, *syncBuf) {
	t.Helper()
	args := append(append([]string{"run"}, flags...), "--")
	cmd := exec.Command(bin.moat, append(args, server...)...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	stderr := &syncBuf{}
	cmd.Stderr = stderr
	client := mcp.NewClient(&mcp.Implementation{Name: "moat-e2e", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connecting through moat: %v (stderr: %s)", err, stderr)
	}
	t.Cleanup(func() { cs.Close() })
	return cs, cmd, stderr
}

func callText(t *testing.T, cs *mcp.ClientSession, name string, args any) (string, error) {
	t.Helper()
	return callTextWithin(t, 20*time.Second, cs, name, args)
}

func callTextWithin(t *testing.T, d time.Duration, cs *mcp.ClientSession, name string, args any) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			sb.WriteString(tc.Text)
		}
	}
	if res.IsError {
		return sb.String(), errToolResult(sb.String())
	}
	return sb.String(), nil
}

type errToolResult string

func (e errToolResult) Error() string { return "isError result: " + string(e) }

func TestGoSDKClientThroughMoat(t *testing.T) {
	cs, _, stderr := connect(t, nil, bin.fault)
	ctx := context.Background()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != 6 {
		t.Fatalf("got %d tools, want 6", len(tools.Tools))
	}
	// The bidi override is hidden content: moat strips it from results.
	got, err := callText(t, cs, "echo", map[string]any{"text": "héllo \u202e"})
	if err != nil || got != "héllo " {
		t.Fatalf("echo = %q, %v", got, err)
	}
	if err := cs.Ping(ctx, nil); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if !strings.Contains(stderr.String(), "fault: stderr works") {
		t.Errorf("server stderr did not pass through: %q", stderr)
	}
}
