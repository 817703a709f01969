package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// HTTPOptions configures DialHTTP.
type HTTPOptions struct {
	URL      string
	Header   http.Header  // sent with every request (e.g. Authorization)
	Client   *http.Client // nil: a client over http.DefaultTransport
	MaxFrame int          // cap on one message; 0: DefaultMaxFrame
	Logger   *slog.Logger
}

// httpConn adapts a go-sdk client Connection (Streamable HTTP, or legacy SSE
// when the server answers the first POST with a 4xx) to a raw frame Conn.
//
// The go-sdk codec cannot carry every JSON-RPC id (a 20-digit number
// overflows its int64), so requests going upstream get small integer ids
// and their answers get the original id bytes back. Two gaps of the raw
// go-sdk client connection are filled here: the Mcp-Protocol-Version header
// (set from the initialize result) and the standalone GET stream on which a
// Streamable HTTP server sends list_changed and other unsolicited messages.
type httpConn struct {
	opts    HTTPOptions
	log     *slog.Logger
	client  *http.Client
	version atomic.Value // string: negotiated protocol version
	status  atomic.Int32 // status of the most recent POST

	mu      sync.Mutex
	inner   mcp.Connection
	legacy  bool
	nextID  int64
	ids     map[int64][]byte // upstream id → the client's id bytes
	initIDs map[int64]bool

	incoming  chan readResult
	ctx       context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
}

// DialHTTP returns a Conn to a remote MCP server. Nothing is sent until the
// first Write (the client's initialize), which also decides between
// Streamable HTTP and legacy SSE.
func DialHTTP(opts HTTPOptions) Conn {
	if opts.MaxFrame <= 0 {
		opts.MaxFrame = DefaultMaxFrame
	}
	c := &httpConn{opts: opts, log: opts.Logger, ids: map[int64][]byte{}, initIDs: map[int64]bool{}, incoming: make(chan readResult, 64)}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	base := http.DefaultTransport
	if opts.Client != nil && opts.Client.Transport != nil {
		base = opts.Client.Transport
	}
	c.client = &http.Client{Transport: &headerRT{base: base, c: c}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c
}

// headerRT adds the configured headers and the protocol version, and
// remembers the status of POSTs for the legacy-SSE fallback decision.
type headerRT struct {
	base http.RoundTripper
	c    *httpConn
}

func (rt *headerRT) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, vs := range rt.c.opts.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if v, _ := rt.c.version.Load().(string); v != "" && req.Header.Get("Mcp-Protocol-Version") == "" {
		req.Header.Set("Mcp-Protocol-Version", v)
	}
	resp, err := rt.base.RoundTrip(req)
	if err == nil && req.Method == http.MethodPost {
		rt.c.status.Store(int32(resp.StatusCode))
	}
	return resp, err
}

func (c *httpConn) Read(ctx context.Context) ([]byte, error) {
	select {
	case r := <-c.incoming:
		return r.frame, r.err
	case <-c.ctx.Done():
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *httpConn) Write(ctx context.Context, frame []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(frame), []byte("[")) {
		// Batches are sent one message at a time: the go-sdk HTTP client
		// transports carry single messages.
		return forEachElement(frame, func(el []byte) error { return c.Write(ctx, el) })
	}
	msg, err := jsonrpc.DecodeMessage(frame)
	if err != nil {
		return fmt.Errorf("decoding message for the HTTP upstream: %w", err)
	}
	if req, ok := msg.(*jsonrpc.Request); ok && req.IsCall() {
		if err := c.mapRequest(req, frame); err != nil {
			return err
		}
	}
	inner, err := c.connection(ctx, msg)
	if err != nil || inner == nil {
		return c.redact(err)
	}
	return c.redact(inner.Write(ctx, msg))
}

// redact removes the URL's query and credentials from an error: the go-sdk
// transports quote the full URL, and a token in its query must not reach a
// log or the agent.
func (c *httpConn) redact(err error) error {
	if err == nil {
		return nil
	}
	u, perr := url.Parse(c.opts.URL)
	if perr != nil {
		return errors.New("HTTP upstream error (details withheld: unparsable URL)")
	}
	msg := err.Error()
	if u.RawQuery != "" {
		msg = strings.ReplaceAll(msg, u.RawQuery, "REDACTED")
	}
	if p, ok := u.User.Password(); ok && p != "" {
		msg = strings.ReplaceAll(msg, p, "REDACTED")
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError keeps errors.Is/As working while its text is redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// mapRequest gives req a small upstream id and remembers the original.
func (c *httpConn) mapRequest(req *jsonrpc.Request, frame []byte) error {
	raw := topLevelMember(frame, "id")
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ids) >= 1<<16 {
		return errors.New("too many requests in flight to the HTTP upstream")
	}
	c.nextID++
	id, err := jsonrpc.MakeID(float64(c.nextID))
	if err != nil {
		return err
	}
	c.ids[c.nextID] = raw
	if req.Method == "initialize" {
		c.initIDs[c.nextID] = true
	}
	req.ID = id
	return nil
}

// connection returns the upstream connection, connecting on first use. The
// first message is written here too (nil connection returned) so that a 4xx
// answer to it can switch to legacy SSE.
func (c *httpConn) connection(ctx context.Context, first jsonrpc.Message) (mcp.Connection, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inner != nil {
		return c.inner, nil
	}
	st := &mcp.StreamableClientTransport{Endpoint: c.opts.URL, HTTPClient: c.client, DisableStandaloneSSE: true, MaxEventSize: c.opts.MaxFrame}
	inner, err := st.Connect(c.ctx)
	if err == nil {
		err = inner.Write(ctx, first)
	}
	if err != nil {
		if s := c.status.Load(); s < 400 || s >= 500 {
			return nil, fmt.Errorf("connecting to the server: %w", err)
		}
		c.log.Info("server refused Streamable HTTP; trying legacy SSE", "status", c.status.Load())
		if inner != nil {
			_ = inner.Close()
		}
		sse := &mcp.SSEClientTransport{Endpoint: c.opts.URL, HTTPClient: c.client, MaxEventSize: c.opts.MaxFrame}
		if inner, err = sse.Connect(c.ctx); err == nil {
			err = inner.Write(ctx, first)
		}
		if err != nil {
			return nil, fmt.Errorf("connecting to the server (Streamable HTTP, then legacy SSE): %w", err)
		}
		c.legacy = true
	}
	c.inner = inner
	go c.pump(inner)
	return nil, nil
}

// pump moves messages from the go-sdk connection to Read, restoring ids.
func (c *httpConn) pump(inner mcp.Connection) {
	for {
		msg, err := inner.Read(c.ctx)
		if err != nil {
			c.deliver(nil, c.redact(fmt.Errorf("reading from the HTTP upstream: %w", err)))
			return
		}
		frame, err := c.frameOf(msg)
		if err != nil {
			c.log.Warn("dropped an upstream message", "err", err)
			continue
		}
		if !c.deliver(frame, nil) {
			return
		}
	}
}

func (c *httpConn) deliver(frame []byte, err error) bool {
	select {
	case c.incoming <- readResult{frame, err}:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// frameOf encodes msg, giving a response its client id back.
func (c *httpConn) frameOf(msg jsonrpc.Message) ([]byte, error) {
	resp, ok := msg.(*jsonrpc.Response)
	if !ok {
		return jsonrpc.EncodeMessage(msg)
	}
	n, _ := resp.ID.Raw().(int64)
	c.mu.Lock()
	raw, known := c.ids[n]
	isInit := c.initIDs[n]
	delete(c.ids, n)
	delete(c.initIDs, n)
	c.mu.Unlock()
	if !known {
		return nil, fmt.Errorf("response to unknown upstream id %v", resp.ID.Raw())
	}
	if isInit && resp.Error == nil {
		c.initialized(resp.Result)
	}
	var b bytes.Buffer
	b.WriteString(`{"jsonrpc":"2.0","id":`)
	b.Write(raw)
	if resp.Error != nil {
		var we *jsonrpc.Error
		if !errors.As(resp.Error, &we) {
			we = &jsonrpc.Error{Code: -32603, Message: resp.Error.Error()}
		}
		eb, err := json.Marshal(we)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"error":`)
		b.Write(eb)
	} else {
		b.WriteString(`,"result":`)
		b.Write(resp.Result)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// initialized records the negotiated version and opens the standalone
// stream a raw go-sdk connection does not open by itself (go-sdk #657).
func (c *httpConn) initialized(result json.RawMessage) {
	var r struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if json.Unmarshal(result, &r) == nil && r.ProtocolVersion != "" {
		c.version.Store(r.ProtocolVersion)
	}
	c.mu.Lock()
	legacy, inner := c.legacy, c.inner
	c.mu.Unlock()
	if !legacy && inner != nil {
		go c.listen(inner.SessionID())
	}
}

func (c *httpConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.mu.Lock()
		inner := c.inner
		c.mu.Unlock()
		if inner != nil {
			err = inner.Close()
		}
		c.cancel()
	})
	return err
}

// topLevelMember returns the raw bytes of a member of a JSON object.
func topLevelMember(obj []byte, name string) []byte {
	dec := jsontext.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil
		}
		n := tok.String()
		v, err := dec.ReadValue()
		if err != nil {
			return nil
		}
		if n == name {
			return bytes.Clone(v)
		}
	}
	return nil
}

func forEachElement(arr []byte, fn func([]byte) error) error {
	dec := jsontext.NewDecoder(bytes.NewReader(arr))
	if _, err := dec.ReadToken(); err != nil {
		return fmt.Errorf("reading batch: %w", err)
	}
	for dec.PeekKind() != ']' {
		v, err := dec.ReadValue()
		if err != nil {
			return fmt.Errorf("reading batch: %w", err)
		}
		if err := fn(bytes.Clone(v)); err != nil {
			return err
		}
	}
	return nil
}
