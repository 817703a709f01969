// Package live connects to MCP servers the way an AI client would — starting
// stdio servers with their configured environment, reaching Streamable HTTP
// and legacy SSE servers with their configured headers — and collects what
// they tell a model: the initialize result (server info, instructions,
// capabilities), every page of tools/list, prompts/list, resources/list and
// resources/templates/list, each item kept as raw JSON so that checks see
// unknown members too.
//
// Servers are untrusted. Every message is size-capped, every list is capped,
// every server has a deadline after which its process group is killed, moat
// declares no client capabilities and answers server requests (sampling,
// roots, elicitation) with a refusal, and nothing a server says is acted on.
// Secret values from the configuration never appear in errors or in the
// stderr tail.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/moat-dev/moat/internal/inventory"
)

// Defaults.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultConcurrency = 8
	DefaultMaxMessage  = 16 << 20
	DefaultMaxItems    = 10_000
	// maxPages bounds pagination even when every page is empty.
	maxPages = 1_000
	// stderrTail is how much of a failed server's stderr is kept.
	stderrTail = 2 << 10
)

// Options configure Collect.
type Options struct {
	Timeout     time.Duration // per server, start to last list; 0: 10 s
	Concurrency int           // servers contacted at once; 0: 8
	MaxMessage  int           // bytes per message; 0: 16 MiB
	MaxItems    int           // items per list (all pages); 0: 10,000
	// Environ is the environment stdio servers start with before their
	// configured env is added (moat scan passes its own environment, as
	// clients do). ${VAR} references in the configuration expand from it.
	Environ []string
	// ClientName and ClientVersion go into initialize's clientInfo.
	ClientName, ClientVersion string
	// Progress, if set, is called when a server starts and when it ends;
	// calls are serialised.
	Progress func(Progress)
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = DefaultMaxMessage
	}
	if o.MaxItems <= 0 {
		o.MaxItems = DefaultMaxItems
	}
	if o.ClientName == "" {
		o.ClientName = "moat"
	}
	if o.ClientVersion == "" {
		o.ClientVersion = "dev"
	}
	return o
}

// Progress reports one server starting or ending.
type Progress struct {
	Index       int // the server's index in the specs given to Collect
	Name        string
	Finished    bool
	Err         error // set when Finished and the server failed
	Done, Total int   // servers finished so far, of Total
}

// Result is what one server told moat.
type Result struct {
	Spec inventory.ServerSpec
	// Init is the raw initialize result.
	Init json.RawMessage
	// ServerName, ServerVersion and Instructions come from Init.
	ServerName, ServerVersion, Instructions string
	ProtocolVersion                         string
	// Items of every page, raw.
	Tools, Prompts, Resources, Templates []json.RawMessage
	// Truncated names the lists cut at MaxItems.
	Truncated []string
	// ListErrors are lists that failed while the server stayed up ("method":
	// "error"); a server may simply not implement one.
	ListErrors map[string]string
	// Err is set when the server could not be started, connected to or
	// initialised, or timed out; Stderr then holds the redacted tail of its
	// standard error.
	Err     error
	Stderr  string
	Elapsed time.Duration
}

// ErrTimeout is wrapped in Result.Err when a server missed its deadline.
var ErrTimeout = errors.New("timed out")

// Collect contacts every server concurrently (at most Concurrency at once,
// each within Timeout) and returns one Result per spec, in order. Disabled
// specs are contacted too: the caller filters what it wants contacted.
func Collect(ctx context.Context, specs []inventory.ServerSpec, opts Options) []Result {
	opts = opts.withDefaults()
	out := make([]Result, len(specs))
	sem := make(chan struct{}, opts.Concurrency)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	report := func(p Progress) {
		if opts.Progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if p.Finished {
			done++
		}
		p.Done, p.Total = done, len(specs)
		opts.Progress(p)
	}
	for i := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = Result{Spec: specs[i], Err: ctx.Err()}
				report(Progress{Index: i, Name: specs[i].Name, Finished: true, Err: ctx.Err()})
				return
			}
			defer func() { <-sem }()
			report(Progress{Index: i, Name: specs[i].Name})
			out[i] = CollectOne(ctx, specs[i], opts)
			report(Progress{Index: i, Name: specs[i].Name, Finished: true, Err: out[i].Err})
		}()
	}
	wg.Wait()
	return out
}

// CollectOne contacts one server.
func CollectOne(ctx context.Context, spec inventory.ServerSpec, opts Options) Result {
	opts = opts.withDefaults()
	start := time.Now()
	ctx, cancel := context.WithTimeoutCause(ctx, opts.Timeout, ErrTimeout)
	defer cancel()
	res := Result{Spec: spec}
	conn, err := dial(spec, opts)
	if err != nil {
		res.Err = err
		res.Elapsed = time.Since(start)
		return res
	}
	sess := newSession(conn, opts)
	err = sess.run(ctx, &res)
	stopped := conn.close(err != nil && ctx.Err() == nil)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && errors.Is(cause, ErrTimeout) {
			err = timeoutError(opts.Timeout, err)
		}
		res.Err = conn.describe(err, stopped)
		res.Stderr = conn.stderrTail()
	}
	res.Elapsed = time.Since(start)
	return res
}
