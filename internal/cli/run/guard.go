package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	policycmd "github.com/moat-dev/moat/internal/cli/policy"
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/guard"
	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/proxy"
	"github.com/moat-dev/moat/internal/sanitize"
	"github.com/moat-dev/moat/internal/state"
)

// guardFlags are the policy, pinning and screening flags (docs/run.md).
type guardFlags struct {
	policies        []string
	labels          []string
	onPoison        string
	poisonThreshold string
	onInjection     string
	onShadow        string
	askTimeout      time.Duration
	noPin           bool
}

func addGuardFlags(fl *pflag.FlagSet, g *guardFlags) {
	fl.StringArrayVar(&g.policies, "policy", nil, "policy file layered over the user and project policies (repeatable); one that fails to load denies every call")
	fl.StringArrayVar(&g.labels, "label", nil, "server label K=V for the policy, e.g. env=production (repeatable)")
	fl.StringVar(&g.onPoison, "on-poison", "withhold", "tool, prompt or resource definitions flagged at or above --poison-threshold: withhold or warn")
	fl.StringVar(&g.poisonThreshold, "poison-threshold", "high", "lowest severity of a definition finding that --on-poison acts on: low, medium, high, critical")
	fl.StringVar(&g.onInjection, "on-injection", "annotate", "results and server requests flagged as instructions: annotate (keep, with a notice for the model), redact or block")
	fl.StringVar(&g.onShadow, "on-shadow", "warn", "a tool name another server of the same client already offers: warn or withhold")
	fl.DurationVar(&g.askTimeout, "ask-timeout", 2*time.Minute, "how long to wait for the user's answer when a call needs approval; no answer denies")
	fl.BoolVar(&g.noPin, "no-pin", false, "do not pin tool definitions (recorded in the audit log); screening and policy still apply")
}

// guardOptions validates the flags into guard options (without the
// runtime parts: store, audit, callers).
func (g *guardFlags) options(name string, transportName string) (guard.Options, error) {
	var o guard.Options
	var err error
	if o.OnPoison, err = guard.ParseMode(g.onPoison); err != nil {
		return o, cmdutil.Usagef("--on-poison: %v", err)
	}
	if o.OnShadow, err = guard.ParseMode(g.onShadow); err != nil {
		return o, cmdutil.Usagef("--on-shadow: %v", err)
	}
	if o.OnInjection, err = sanitize.ParseMode(g.onInjection); err != nil {
		return o, cmdutil.Usagef("--on-injection: %v", err)
	}
	if o.PoisonThreshold, err = finding.ParseSeverity(g.poisonThreshold); err != nil || o.PoisonThreshold == finding.Info {
		return o, cmdutil.Usagef("--poison-threshold: %q is not low, medium, high or critical", g.poisonThreshold)
	}
	if g.askTimeout <= 0 {
		return o, cmdutil.Usagef("--ask-timeout must be positive")
	}
	labels := map[string]string{}
	for _, kv := range g.labels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return o, cmdutil.Usagef("--label %q: want KEY=VALUE", kv)
		}
		labels[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	o.Server = policy.Server{Name: name, Labels: labels, Transport: transportName}
	o.AskTimeout, o.NoPin = g.askTimeout, g.noPin
	return o, nil
}

// identity is the server's pin identity: its name and a digest of how it
// is reached (command line or URL), so that a different server given the
// same name does not inherit its pins.
func identity(name string, how []string) string {
	h := sha256.New()
	for _, s := range how {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return name + "@" + hex.EncodeToString(h.Sum(nil))[:12]
}

// guardRun is the guard of one `moat run` and what it holds open.
type guardRun struct {
	g  *guard.Guard
	db *state.DB
}

// startGuard builds the guard and installs it as p's hooks. Nothing here
// stops moat from starting: what fails makes the guard deny or withhold,
// and moat says so on stderr.
func startGuard(f *cmdutil.Factory, o *options, how []string, transportName string, p *proxy.Proxy, log *slog.Logger) (*guardRun, error) {
	opts, err := o.guard.options(o.name, transportName)
	if err != nil {
		return nil, err
	}
	opts.Identity, opts.Now, opts.Stderr = identity(o.name, how), f.Now, f.IO.ErrOut
	eng, _, perr := policycmd.LoadEngine(f, o.guard.policies)
	if perr != nil {
		fmt.Fprintf(f.IO.ErrOut, "moat: the policy could not be loaded, so every tool call will be denied: %v\n", perr)
	}
	opts.Policy = eng
	scanner, err := detect.New(detect.Options{})
	if err != nil {
		return nil, fmt.Errorf("inspection engine: %w", err)
	}
	opts.Scanner = scanner
	r := &guardRun{}
	if db, err := state.OpenDir(f.State(), state.Options{}); err != nil {
		opts.StoreErr = err
		fmt.Fprintf(f.IO.ErrOut, "moat: the state database could not be opened, so every tool call will be denied: %v\n", err)
	} else {
		r.db, opts.Store = db, db
	}
	sink, err := audit.OpenDefaultEnv(f.State(), f.Now, f.IO.Getenv)
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "moat: the audit log could not be opened, so every tool call will be denied: %v\n", err)
		opts.Audit = brokenSink{err}
	} else {
		opts.Audit = sink
	}
	opts.CallClient = func(ctx context.Context, method string, params any) (json.RawMessage, error) {
		return p.Call(ctx, proxy.SideClient, method, params)
	}
	opts.CallServer = func(ctx context.Context, method string, params any) (json.RawMessage, error) {
		return p.Call(ctx, proxy.SideServer, method, params)
	}
	r.g = guard.New(opts)
	if opts.NoPin {
		fmt.Fprintf(f.IO.ErrOut, "moat: --no-pin: tool definitions of %s are not pinned\n", o.name)
	}
	r.g.Started(perr, o.guard.policies)
	p.OnClientMessage, p.OnServerMessage = adapt(r.g.OnClientMessage), adapt(r.g.OnServerMessage)
	log.Debug("guard ready", "identity", opts.Identity, "labels", sortedKeys(opts.Server.Labels))
	return r, nil
}

func (r *guardRun) close() {
	if r == nil {
		return
	}
	_ = r.g.Close()
	if r.db != nil {
		_ = r.db.Close()
	}
}

// brokenSink fails every write, so that the guard denies calls.
type brokenSink struct{ err error }

func (b brokenSink) Write(audit.Event) error { return b.err }
func (b brokenSink) Close() error            { return nil }

// adapt turns a guard hook into a proxy hook.
func adapt(h func(context.Context, *guard.Message, *guard.Message) (guard.Verdict, error)) proxy.Hook {
	return func(ctx context.Context, m, paired *proxy.Message) (proxy.Verdict, error) {
		v, err := h(ctx, toGuard(m), toGuard(paired))
		return toProxy(v), err
	}
}

func toGuard(m *proxy.Message) *guard.Message {
	if m == nil {
		return nil
	}
	g := &guard.Message{Method: m.Method, ID: m.IDRaw, Params: m.Params, Result: m.Result, Error: m.Error}
	switch m.Kind {
	case proxy.KindRequest:
		g.Kind = guard.Request
	case proxy.KindNotification:
		g.Kind = guard.Notification
	case proxy.KindResponse:
		g.Kind = guard.Response
	}
	return g
}

func toProxy(v guard.Verdict) proxy.Verdict {
	out := proxy.Verdict{Replace: v.Replace, Result: v.Result, Reason: v.Reason}
	switch v.Action {
	case guard.Forward:
		out.Action = proxy.Forward
	case guard.Respond:
		out.Action = proxy.Respond
	case guard.Defer:
		out.Action = proxy.Defer
		later := v.Defer
		if later == nil {
			return proxy.Verdict{Action: proxy.Drop, Reason: "moat could not check this message"}
		}
		out.Defer = func(ctx context.Context) (proxy.Verdict, error) {
			gv, err := later(ctx)
			return toProxy(gv), err
		}
	default:
		out.Action = proxy.Drop
	}
	if v.Error != nil {
		out.Error = &proxy.RPCError{Code: v.Error.Code, Message: v.Error.Message}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
