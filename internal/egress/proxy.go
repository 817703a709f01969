package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is what the proxy reports for every decision (moat writes it to the
// audit log).
type Event struct {
	Method   string // CONNECT, GET, …
	Decision Decision
	Dialed   string // the address actually connected to ("" if none)
	Err      string // dial or upstream error after an allow
}

// Proxy serves HTTP proxy requests from one sandboxed server.
type Proxy struct {
	Policy   *Policy
	Resolver Resolver
	// Dial connects to a checked address; nil means a net.Dialer with a
	// 10 s timeout. It is only ever given an IP:port the policy allowed.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Report receives every decision; nil drops them.
	Report func(Event)
	// IdleTimeout closes a tunnel with no traffic in either direction for
	// this long (0: 10 minutes).
	IdleTimeout time.Duration

	once      sync.Once
	transport *http.Transport
}

// NewServer returns an http.Server for p with bounded header size and
// read timeouts; call Serve with the listener the sandbox provides.
func NewServer(p *Proxy) *http.Server {
	return &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// Connection-level errors (a client hanging up mid-request) are
		// not moat's diagnostics; decisions are reported through Report.
		ErrorLog: log.New(io.Discard, "", 0),
	}
}

type ctxKey struct{}

func (p *Proxy) init() {
	p.once.Do(func() {
		p.transport = &http.Transport{
			Proxy:                  nil,
			DialContext:            p.dialDecided,
			DisableKeepAlives:      true,
			ResponseHeaderTimeout:  60 * time.Second,
			MaxResponseHeaderBytes: 1 << 20,
		}
	})
}

// ServeHTTP handles CONNECT tunnels and absolute-form http:// requests.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.init()
	if r.Method == http.MethodConnect {
		p.connect(w, r)
		return
	}
	if !r.URL.IsAbs() || r.URL.Scheme != "http" {
		http.Error(w, "moat egress: only CONNECT and absolute http:// requests are proxied", http.StatusBadRequest)
		return
	}
	p.forward(w, r)
}

func (p *Proxy) decide(ctx context.Context, method, hostport, defPort string) (Decision, bool) {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		host, portStr = strings.Trim(hostport, "[]"), defPort
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		port = 0
	}
	d := p.Policy.Decide(ctx, p.Resolver, host, port)
	if !d.Allow {
		p.report(Event{Method: method, Decision: d})
	}
	return d, d.Allow
}

func (p *Proxy) report(e Event) {
	if p.Report != nil {
		p.Report(e)
	}
}

func deniedBody(d Decision) string { return "moat egress: denied: " + d.Reason + "\n" }

func (p *Proxy) dialChecked(ctx context.Context, d Decision) (net.Conn, error) {
	dial := p.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second}).DialContext
	}
	var errs []error
	for _, ap := range d.Dial {
		c, err := dial(ctx, "tcp", ap.String())
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, errors.New("no checked address to dial")
	}
	return nil, errors.Join(errs...)
}

// dialDecided is the forwarding transport's dialer: it dials only the
// decision stored in the request context, never the name it is given.
func (p *Proxy) dialDecided(ctx context.Context, _, _ string) (net.Conn, error) {
	d, ok := ctx.Value(ctxKey{}).(Decision)
	if !ok || !d.Allow {
		return nil, errors.New("moat egress: no allow decision for this connection")
	}
	return p.dialChecked(ctx, d)
}

func (p *Proxy) connect(w http.ResponseWriter, r *http.Request) {
	d, ok := p.decide(r.Context(), "CONNECT", r.Host, "")
	if !ok {
		http.Error(w, deniedBody(d), http.StatusForbidden)
		return
	}
	up, err := p.dialChecked(r.Context(), d)
	if err != nil {
		p.report(Event{Method: "CONNECT", Decision: d, Err: err.Error()})
		http.Error(w, "moat egress: connecting upstream failed", http.StatusBadGateway)
		return
	}
	p.report(Event{Method: "CONNECT", Decision: d, Dialed: up.RemoteAddr().String()})
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "moat egress: tunnel not supported", http.StatusInternalServerError)
		return
	}
	down, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if _, err := io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		up.Close()
		down.Close()
		return
	}
	if n := buf.Reader.Buffered(); n > 0 { // bytes the client sent early
		b, _ := buf.Reader.Peek(n)
		if _, err := up.Write(b); err != nil {
			up.Close()
			down.Close()
			return
		}
	}
	splice(down, up, p.idle())
}

func (p *Proxy) idle() time.Duration {
	if p.IdleTimeout > 0 {
		return p.IdleTimeout
	}
	return 10 * time.Minute
}

// hopHeaders are removed in both directions when forwarding.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (p *Proxy) forward(w http.ResponseWriter, r *http.Request) {
	d, ok := p.decide(r.Context(), r.Method, r.URL.Host, "80")
	if !ok {
		http.Error(w, deniedBody(d), http.StatusForbidden)
		return
	}
	out := r.Clone(context.WithValue(r.Context(), ctxKey{}, d))
	out.RequestURI = ""
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		p.report(Event{Method: r.Method, Decision: d, Err: err.Error()})
		http.Error(w, "moat egress: upstream request failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	p.report(Event{Method: r.Method, Decision: d, Dialed: d.Dial[0].String()})
	for _, h := range hopHeaders {
		resp.Header.Del(h)
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// splice copies both ways until both sides are done or the tunnel is idle
// for longer than idle.
func splice(a, b net.Conn, idle time.Duration) {
	defer a.Close()
	defer b.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	cp := func(dst, src net.Conn) {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			_ = src.SetReadDeadline(time.Now().Add(idle))
			n, err := src.Read(buf)
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		} else {
			_ = dst.Close()
		}
	}
	go cp(a, b)
	cp(b, a)
	wg.Wait()
}

// String renders an event for diagnostics.
func (e Event) String() string {
	verdict := "deny"
	if e.Decision.Allow {
		verdict = "allow"
	}
	return fmt.Sprintf("%s %s %s:%d (%s)", verdict, e.Method, e.Decision.Host, e.Decision.Port, e.Decision.Reason)
}
