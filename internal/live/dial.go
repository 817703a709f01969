package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/secrets"
	"github.com/moat-dev/moat/internal/transport"
)

// conn is one server connection: frames arrive on frames until the
// connection ends.
type conn struct {
	raw    transport.Conn
	proc   *transport.Process // nil for remote servers
	stderr *tail
	frames chan frameOrErr
	redact *redactor
	once   sync.Once
}

type frameOrErr struct {
	frame []byte
	err   error
}

// dial starts or connects to the server. Nothing is read yet.
func dial(spec inventory.ServerSpec, opts Options) (*conn, error) {
	env := envMap(opts.Environ)
	red := newRedactor(spec, env)
	c := &conn{stderr: &tail{max: stderrTail}, frames: make(chan frameOrErr, 16), redact: red}
	switch {
	case spec.Transport == inventory.Stdio || (spec.Command != "" && spec.URL == ""):
		argv := spec.Argv()
		if len(argv) == 0 {
			return nil, errors.New("server has no command to start")
		}
		for i := range argv {
			argv[i] = Expand(argv[i], env)
		}
		cmd := transport.Command{
			Path: argv[0], Args: argv[1:], Env: childEnv(opts.Environ, spec.Env, env),
			Dir: Expand(workDir(spec), env), Stderr: c.stderr, MaxFrame: opts.MaxMessage, Grace: 200 * time.Millisecond,
		}
		p, err := cmd.Start()
		if err != nil {
			return nil, &Error{Msg: red.text(err.Error())}
		}
		c.raw, c.proc = p, p
	case spec.URL != "":
		u := Expand(spec.URL, env)
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, &Error{Msg: red.text(fmt.Sprintf("server URL %q is not an http(s) URL", u))}
		}
		h := http.Header{}
		for k, v := range spec.Headers {
			h.Set(k, Expand(v, env))
		}
		client := &http.Client{Transport: &capRT{base: http.DefaultTransport, max: int64(2 * opts.MaxMessage)}}
		c.raw = transport.DialHTTP(transport.HTTPOptions{URL: u, Header: h, MaxFrame: opts.MaxMessage, Client: client})
	default:
		return nil, errors.New("server has neither a command nor a URL")
	}
	go c.pump()
	return c, nil
}

func workDir(spec inventory.ServerSpec) string {
	if spec.Cwd != "" {
		return spec.Cwd
	}
	// Clients start project servers in the project directory.
	return spec.Source.Project
}

// pump reads frames until the connection ends. It never blocks forever on
// frames: close drains it.
func (c *conn) pump() {
	ctx := context.Background()
	for {
		f, err := c.raw.Read(ctx)
		c.frames <- frameOrErr{f, err}
		if err != nil {
			var tl *transport.TooLargeError
			if !errors.As(err, &tl) {
				close(c.frames)
				return
			}
		}
	}
}

func (c *conn) write(ctx context.Context, frame []byte) error {
	return c.raw.Write(ctx, frame)
}

// close ends the connection; for a child it closes stdin, then signals the
// process group (SIGTERM, then SIGKILL). It reports whether the child had
// already exited on its own (waiting briefly for that when waitExit).
func (c *conn) close(waitExit bool) (exitedBefore bool) {
	c.once.Do(func() {
		if c.proc != nil {
			wait := time.Duration(0)
			if waitExit { // the stream ended: give the exit a moment to be seen
				wait = 200 * time.Millisecond
			}
			grace := time.NewTimer(wait)
			defer grace.Stop()
			select {
			case <-c.proc.Done():
				exitedBefore = true
			case <-grace.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			c.proc.Stop(ctx)
			cancel()
		} else {
			_ = c.raw.Close()
		}
		go func() { // let pump finish
			for range c.frames {
			}
		}()
	})
	return exitedBefore
}

// describe turns a session error into the redacted error a report shows.
func (c *conn) describe(err error, exitedBefore bool) error {
	msg := err.Error()
	if c.proc != nil && exitedBefore {
		st := c.proc.Status()
		msg = fmt.Sprintf("server exited (status %d) before answering: %s", st.Code, msg)
	}
	return &Error{Msg: c.redact.text(msg), Timeout: errors.Is(err, ErrTimeout)}
}

func (c *conn) stderrTail() string { return c.redact.text(c.stderr.String()) }

// Error is a redacted failure to reach or use a server.
type Error struct {
	Msg     string
	Timeout bool
}

func (e *Error) Error() string { return e.Msg }

// Unwrap makes errors.Is(err, ErrTimeout) work.
func (e *Error) Unwrap() error {
	if e.Timeout {
		return ErrTimeout
	}
	return nil
}

func timeoutError(d time.Duration, err error) error {
	return fmt.Errorf("no complete answer within %s (raise --timeout if the server is just slow): %w", d, errors.Join(ErrTimeout, err))
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
	cut bool
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
		t.cut = true
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.ToValidUTF8(string(t.buf), "\uFFFD")
	if t.cut {
		s = "…" + s
	}
	return s
}

// redactor removes configured secret values (env and header values, URL
// credentials and query) and anything that looks like a secret.
type redactor struct{ values []string }

func newRedactor(spec inventory.ServerSpec, env map[string]string) *redactor {
	var vals []string
	add := func(v string) {
		if len(v) >= 4 {
			vals = append(vals, v)
		}
	}
	for _, v := range spec.Env {
		add(v)
		add(Expand(v, env))
	}
	for _, v := range spec.Headers {
		add(v)
		add(Expand(v, env))
		if _, tok, ok := strings.Cut(v, " "); ok {
			add(tok)
		}
	}
	if u, err := url.Parse(Expand(spec.URL, env)); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		add(u.RawQuery)
	}
	// Longest first, so a value containing another is removed whole.
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	return &redactor{values: vals}
}

func (r *redactor) text(s string) string {
	for _, v := range r.values {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	s, _ = secrets.Redact(s)
	return s
}

// capRT caps every response body: a server cannot make moat buffer more than
// max bytes from one HTTP response.
type capRT struct {
	base http.RoundTripper
	max  int64
}

func (rt *capRT) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: rt.max}
	return resp, nil
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

// errBodyTooLarge ends a response that exceeded the cap.
var errBodyTooLarge = errors.New("response body exceeds the size limit")

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
