package egress

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// loopbackOnly is the dialer every proxy test uses: it fails the test for
// anything but 127.0.0.1, so a broken decision can never send a packet
// anywhere else.
func loopbackOnly(t testing.TB) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if host != "127.0.0.1" {
			t.Errorf("proxy tried to dial %s", addr)
			return nil, fmt.Errorf("test dialer refuses %s", addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// startProxy serves p on a loopback listener and returns its address.
func startProxy(t testing.TB, p *Proxy) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(p)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func backend(t testing.TB) (*httptest.Server, string) {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s", r.URL.Path)
	}))
	t.Cleanup(s.Close)
	u, _ := url.Parse(s.URL)
	return s, u.Port()
}

func TestProxyForwardAndConnect(t *testing.T) {
	_, port := backend(t)
	_, otherPort := backend(t)
	rec := &recorder{}
	p := &Proxy{
		Policy:   mustPolicy(t, []string{"127.0.0.1:" + port, "named-lo.test:" + port}, nil),
		Resolver: fakeResolver{"named-lo.test": {"127.0.0.1"}},
		Dial:     loopbackOnly(t),
		Report:   rec.add,
	}
	proxyAddr := startProxy(t, p)
	proxyURL, _ := url.Parse("http://" + proxyAddr)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}

	get := func(u string) (int, string) {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://127.0.0.1:" + port + "/ok"); code != 200 || body != "hello from /ok" {
		t.Fatalf("allowed forward = %d %q", code, body)
	}
	if code, body := get("http://127.0.0.1:" + otherPort + "/no"); code != 403 || !strings.Contains(body, "not in the sandbox") {
		t.Fatalf("unlisted loopback port = %d %q", code, body)
	}
	if code, body := get("http://named-lo.test:" + port + "/no"); code != 403 || !strings.Contains(body, "loopback") {
		t.Fatalf("name resolving to a loopback address that is not allowed = %d %q", code, body)
	}
	if got := connectStatus(t, proxyAddr, "127.0.0.1:"+port, true); got != "200" {
		t.Fatalf("allowed CONNECT = %s", got)
	}
	if got := connectStatus(t, proxyAddr, "127.0.0.1:"+otherPort, false); got != "403" {
		t.Fatalf("unlisted CONNECT = %s", got)
	}
	if got := connectStatus(t, proxyAddr, "169.254.169.254:80", false); got != "403" {
		t.Fatalf("metadata CONNECT = %s", got)
	}
	var allows, denies int
	for _, e := range rec.all() {
		if e.Decision.Allow {
			allows++
		} else {
			denies++
		}
	}
	if allows != 2 || denies != 4 {
		t.Fatalf("reported %d allows and %d denies, want 2 and 4: %v", allows, denies, rec.all())
	}
}

// connectStatus sends CONNECT target through the proxy and returns the
// status code; when tunnel is set it also fetches / through the tunnel.
func connectStatus(t testing.TB, proxyAddr, target string, tunnel bool) string {
	t.Helper()
	c, err := net.Dial("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatal(err)
	}
	code := fmt.Sprint(resp.StatusCode)
	if resp.StatusCode != 200 || !tunnel {
		return code
	}
	fmt.Fprintf(c, "GET /tunnel HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target)
	inner, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(inner.Body)
	if string(b) != "hello from /tunnel" {
		t.Fatalf("through the tunnel: %q", b)
	}
	return code
}

func TestProxyRejectsOriginFormAndHTTPS(t *testing.T) {
	p := &Proxy{Policy: &Policy{}, Dial: loopbackOnly(t)}
	addr := startProxy(t, p)
	resp, err := http.Get("http://" + addr + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("origin-form request = %d, want 400", resp.StatusCode)
	}
}
