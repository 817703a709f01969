// Command probe is an MCP server for moat's sandbox end-to-end tests: its
// one tool tries what a confined server must not do (and one thing it
// may) and reports each outcome. It is built by the tests; it is not part
// of moat.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type probeArgs struct {
	Read         string `json:"read"`                  // a file to read (a credential in the fixture home)
	WriteOutside string `json:"write_outside"`         // a file outside every allowed path
	WriteInside  string `json:"write_inside"`          // a file in the allowed root
	Connect      string `json:"connect"`               // host:port dialled directly, ignoring the proxy
	FetchDenied  string `json:"fetch_denied"`          // URL fetched through the proxy, not allowed
	FetchAllowed string `json:"fetch_allowed"`         // URL fetched through the proxy, allowed
	Unix         string `json:"unix,omitempty"`        // a host daemon's Unix socket
	ReadSystem   string `json:"read_system,omitempty"` // a system secret (e.g. /etc/shadow)
	TTY          bool   `json:"tty,omitempty"`         // try TIOCSTI on stderr
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return "error: " + err.Error()
}

// fetch uses the proxy from HTTP_PROXY explicitly: Go's environment proxy
// skips loopback URLs, which is exactly what these tests fetch.
func fetch(raw string) string {
	pu, err := url.Parse(os.Getenv("HTTP_PROXY"))
	if err != nil || pu.Host == "" {
		return "error: no HTTP_PROXY"
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
	resp, err := c.Get(raw)
	if err != nil {
		return outcome(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

func probe(a probeArgs) map[string]string {
	r := map[string]string{}
	_, err := os.ReadFile(a.Read)
	r["read"] = outcome(err)
	r["write_outside"] = outcome(os.WriteFile(a.WriteOutside, []byte("x"), 0o600))
	r["write_inside"] = outcome(os.WriteFile(a.WriteInside, []byte("x"), 0o600))
	c, err := net.DialTimeout("tcp", a.Connect, 2*time.Second)
	if err == nil {
		c.Close()
	}
	r["connect"] = outcome(err)
	if a.Unix != "" {
		u, err := net.DialTimeout("unix", a.Unix, 2*time.Second)
		if err == nil {
			u.Close()
		}
		r["unix"] = outcome(err)
	}
	if a.ReadSystem != "" {
		_, err := os.ReadFile(a.ReadSystem)
		r["read_system"] = outcome(err)
	}
	if a.TTY {
		c := byte('x')
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, 2, syscall.TIOCSTI, uintptr(unsafe.Pointer(&c)))
		r["tiocsti"] = outcome(errnoErr(errno))
	}
	r["fetch_denied"] = fetch(a.FetchDenied)
	r["fetch_allowed"] = fetch(a.FetchAllowed)
	_, _, errno := syscall.Syscall6(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0, 0, 0, 0) // allowed for any process unless seccomp denies it
	if errno != 0 {
		r["ptrace"] = outcome(errno)
	} else {
		r["ptrace"] = "ok"
	}
	r["pid"] = fmt.Sprint(os.Getpid())
	if st, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(st), "\n") {
			k, v, _ := strings.Cut(line, ":")
			switch k {
			case "NoNewPrivs", "Seccomp", "CapEff", "CapBnd":
				r[k] = strings.TrimSpace(v)
			}
		}
	}
	host, _ := os.Hostname()
	r["hostname"] = host
	return r
}

type loopArgs struct {
	Target string `json:"target"` // host:port reached with CONNECT through the proxy
	N      int    `json:"n"`
}

// connectLoop opens n CONNECT tunnels through the proxy, exchanging one
// request each, and returns the mean time per tunnel in nanoseconds.
func connectLoop(a loopArgs) map[string]string {
	pu, err := url.Parse(os.Getenv("HTTP_PROXY"))
	if err != nil || a.N <= 0 || a.N > 10000 {
		return map[string]string{"error": "bad arguments or no HTTP_PROXY"}
	}
	start := time.Now()
	for i := 0; i < a.N; i++ {
		c, err := net.Dial("tcp", pu.Host)
		if err != nil {
			return map[string]string{"error": err.Error()}
		}
		fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", a.Target, a.Target)
		buf := make([]byte, 39) // "HTTP/1.1 200 Connection established\r\n\r\n"
		if _, err := io.ReadFull(c, buf); err != nil {
			c.Close()
			return map[string]string{"error": err.Error()}
		}
		c.Close()
	}
	return map[string]string{"ns_per_connect": fmt.Sprint(time.Since(start).Nanoseconds() / int64(a.N))}
}

func main() {
	s := mcp.NewServer(&mcp.Implementation{Name: "probe", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "exit", Description: "Exit with a code."}, func(_ context.Context, _ *mcp.CallToolRequest, a struct {
		Code int `json:"code"`
	}) (*mcp.CallToolResult, any, error) {
		os.Exit(a.Code)
		return nil, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "connect_loop", Description: "Time CONNECT tunnels."}, func(_ context.Context, _ *mcp.CallToolRequest, a loopArgs) (*mcp.CallToolResult, any, error) {
		b, _ := json.Marshal(connectLoop(a))
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "probe", Description: "Try confined operations."}, func(_ context.Context, _ *mcp.CallToolRequest, a probeArgs) (*mcp.CallToolResult, any, error) {
		b, _ := json.Marshal(probe(a))
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil, nil
	})
	if err := s.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
