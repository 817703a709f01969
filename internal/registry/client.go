// Package registry fetches package and repository metadata for moat vet:
// the npm registry (honouring .npmrc), the PyPI JSON API, OCI distribution
// registries (anonymous token flow), the GitHub REST API and the OSV API.
// Every base URL is configurable, every response is size-capped and every
// request has a timeout. Responses are kept in an on-disk cache with a TTL;
// offline mode answers from the cache only. Rate limits are reported as
// RateLimitError values so callers can mark signals unknown instead of
// failing.
package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults.
const (
	DefaultNPM     = "https://registry.npmjs.org"
	DefaultPyPI    = "https://pypi.org"
	DefaultGitHub  = "https://api.github.com"
	DefaultOSV     = "https://api.osv.dev"
	DefaultTimeout = 15 * time.Second
	// DefaultMaxBytes caps one response body. A full npm packument of a
	// package with thousands of versions can reach tens of MiB; 32 MiB
	// covers the packages MCP servers are published as while bounding
	// memory per request.
	DefaultMaxBytes = 32 << 20
	// DefaultTTL is how long a cached response is used without asking
	// again: metadata changes at release cadence, not by the minute.
	DefaultTTL = 24 * time.Hour
	userAgent  = "moat-vet (+https://github.com/moat-dev/moat)"
)

// Sentinel errors. Callers turn them into "unknown" signals with a reason.
var (
	ErrNotFound = errors.New("not found")
	ErrOffline  = errors.New("offline and not in the cache")
	ErrTooLarge = errors.New("response larger than the size cap")
)

// RateLimitError reports that a service refused because of its rate limit.
type RateLimitError struct {
	Service string
	Reset   time.Time // zero when the service did not say
}

func (e *RateLimitError) Error() string {
	msg := e.Service + " rate limit reached"
	if !e.Reset.IsZero() {
		msg += " (resets " + e.Reset.UTC().Format(time.RFC3339) + ")"
	}
	if e.Service == "github" {
		msg += "; set GITHUB_TOKEN for a higher limit"
	}
	return msg
}

// StatusError is an unexpected HTTP status.
type StatusError struct {
	URL  string
	Code int
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: HTTP %d", e.URL, e.Code) }

// Options configures a Client. Zero values take the defaults.
type Options struct {
	NPM NPMConfig
	// PyPI, GitHub and OSV are API base URLs.
	PyPI, GitHub, OSV string
	// OCI, when set, replaces every image's registry endpoint (a mirror,
	// or a test server); otherwise https://<registry host> is used.
	OCI         string
	GitHubToken string
	// Cache, when set, stores responses; TTL is their freshness.
	Cache   *Cache
	TTL     time.Duration
	Offline bool
	Timeout time.Duration
	// MaxBytes caps each response body.
	MaxBytes int64
	HTTP     *http.Client
	Now      func() time.Time
}

// Client fetches metadata. It is safe for concurrent use.
type Client struct {
	o Options
	// exhausted remembers services whose last response said no requests
	// remain (X-RateLimit-Remaining: 0), with the reset time, so moat does
	// not spend a request to be refused.
	mu        sync.Mutex
	exhausted map[string]time.Time
}

// limited returns a RateLimitError when service is known to be exhausted.
func (c *Client) limited(service string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	reset, ok := c.exhausted[service]
	if !ok || (!reset.IsZero() && c.o.Now().After(reset)) {
		return nil
	}
	return &RateLimitError{Service: service, Reset: reset}
}

// noteRemaining records an X-RateLimit-Remaining of 0.
func (c *Client) noteRemaining(service string, resp *http.Response) {
	if resp.Header.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exhausted == nil {
		c.exhausted = map[string]time.Time{}
	}
	c.exhausted[service] = resetOf(resp)
}

// New returns a Client with defaults filled in.
func New(o Options) *Client {
	if o.NPM.Default == "" {
		o.NPM.Default = DefaultNPM
	}
	o.PyPI = orDefault(o.PyPI, DefaultPyPI)
	o.GitHub = orDefault(o.GitHub, DefaultGitHub)
	o.OSV = orDefault(o.OSV, DefaultOSV)
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: o.Timeout}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Client{o: o}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return strings.TrimRight(s, "/")
}

// request is one HTTP exchange.
type request struct {
	service string
	method  string
	url     string
	body    []byte
	header  http.Header
	// noCache skips the cache (token exchanges).
	noCache bool
	// max, when set and smaller, replaces the client's size cap.
	max int64
}

// fetch returns the body of a 2xx response, from the cache when fresh.
func (c *Client) fetch(ctx context.Context, r request) ([]byte, error) {
	key := r.method + " " + r.url + "\x00" + r.header.Get("Accept") + "\x00" + string(r.body)
	if c.o.Cache != nil && !r.noCache {
		if e, ok := c.o.Cache.Get(key); ok && (c.o.Offline || c.o.Now().Sub(e.Fetched) < c.o.TTL) {
			if e.Status == http.StatusNotFound {
				return nil, fmt.Errorf("%s %s: %w", r.service, r.url, ErrNotFound)
			}
			return e.Body, nil
		}
	}
	if c.o.Offline {
		return nil, fmt.Errorf("%s %s: %w", r.service, r.url, ErrOffline)
	}
	if err := c.limited(r.service); err != nil {
		return nil, err
	}
	body, status, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	if c.o.Cache != nil && !r.noCache && (status == http.StatusOK || status == http.StatusNotFound) {
		_ = c.o.Cache.Put(key, Entry{Fetched: c.o.Now(), Status: status, Body: body}) // a cache write failure only costs a refetch
	}
	if status == http.StatusNotFound {
		return nil, fmt.Errorf("%s %s: %w", r.service, r.url, ErrNotFound)
	}
	return body, nil
}

// do performs the request with a timeout and a size cap. It returns the
// body for 200 and the status for 404; everything else is an error.
func (c *Client) do(ctx context.Context, r request) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, rd)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: build request: %w", r.service, err)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.o.HTTP.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", r.service, err)
	}
	defer resp.Body.Close()
	c.noteRemaining(r.service, resp)
	if rl := rateLimited(r.service, resp); rl != nil {
		return nil, resp.StatusCode, rl
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, http.StatusNotFound, nil
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, resp.StatusCode, &authError{resp.Header.Get("WWW-Authenticate"), r.url}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, resp.StatusCode, &StatusError{URL: r.url, Code: resp.StatusCode}
	}
	limit := c.o.MaxBytes
	if r.max > 0 && r.max < limit {
		limit = r.max
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: read %s: %w", r.service, r.url, err)
	}
	if int64(len(body)) > limit {
		return nil, 0, fmt.Errorf("%s %s: %w (%d bytes)", r.service, r.url, ErrTooLarge, limit)
	}
	return body, http.StatusOK, nil
}

// authError is a 401 with its challenge (the OCI token flow reads it).
type authError struct {
	challenge string
	url       string
}

func (e *authError) Error() string { return "GET " + e.url + ": HTTP 401 unauthorized" }

// rateLimited recognises 429, and 403 with X-RateLimit-Remaining: 0.
func rateLimited(service string, resp *http.Response) *RateLimitError {
	remaining := resp.Header.Get("X-RateLimit-Remaining")
	if resp.StatusCode != http.StatusTooManyRequests && !(resp.StatusCode == http.StatusForbidden && remaining == "0") {
		return nil
	}
	return &RateLimitError{Service: service, Reset: resetOf(resp)}
}

// resetOf reads X-RateLimit-Reset (Unix seconds); zero when absent.
func resetOf(resp *http.Response) time.Time {
	if s := resp.Header.Get("X-RateLimit-Reset"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1<<40 {
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}

// Reason is a short, user-facing explanation of a fetch error, used as the
// reason of an unknown signal.
func Reason(err error) string {
	var rl *RateLimitError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &rl):
		return rl.Error()
	case errors.Is(err, ErrOffline):
		return "offline and not in the cache"
	case errors.Is(err, ErrNotFound):
		return "not found"
	case errors.Is(err, ErrTooLarge):
		return "response too large"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		host := ue.URL
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
		if ue.Timeout() {
			return "timed out reaching " + host
		}
		return "cannot reach " + host
	}
	return err.Error()
}
