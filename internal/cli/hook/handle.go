package hookcmd

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
	policycmd "github.com/moat-dev/moat/internal/cli/policy"
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/hook"
	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/state"
	"github.com/moat-dev/moat/internal/taint"
)

// handler decides one hook event.
type handler struct {
	f    *cmdutil.Factory
	rt   hook.Runtime
	opts options
	db   *state.DB // opened only when a decision needs grants or approvals
}

// handle never returns an error: whatever goes wrong becomes a fail-closed
// reply (or, with --fail-open, an audited pass).
func (h *handler) handle(ctx context.Context) hook.Reply {
	defer h.closeDB()
	data, err := readInput(ctx, h.f.IO.In)
	if err != nil {
		return h.cannotDecide(hook.Event{Runtime: h.rt}, err)
	}
	ev, err := hook.Decode(h.rt, data, h.opts.event)
	if err != nil {
		return h.cannotDecide(hook.Event{Runtime: h.rt}, err)
	}
	var o outcome
	switch ev.Phase {
	case hook.PreTool:
		o, err = h.preTool(ctx, ev)
	case hook.PostTool:
		o, err = h.postTool(ev)
	case hook.Prompt:
		o = prompt(ev)
	default:
		return hook.Reply{}
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("timed out deciding: %w", ctx.Err())
	}
	if err != nil {
		return h.cannotDecide(ev, err)
	}
	if err := h.record(ev, o); err != nil {
		return h.cannotDecide(ev, fmt.Errorf("audit log unavailable: %w", err))
	}
	return hook.Encode(ev, o.Verdict)
}

// cannotDecide blocks (or, with --fail-open, passes) and records why.
func (h *handler) cannotDecide(ev hook.Event, cause error) hook.Reply {
	action := "deny"
	if h.opts.failOpen {
		action = "fail-open"
	}
	_ = h.writeAudit(audit.Event{Kind: audit.KindDecision, Action: action, Actor: "hook:" + string(h.rt),
		Client: string(h.rt), Session: ev.SessionID, Server: ev.Server, Tool: ev.Tool, Decision: action,
		Rule: "hook-error", Reason: cause.Error()})
	if h.opts.failOpen {
		return hook.Reply{Stderr: "moat: could not decide (" + cause.Error() + "); passing because --fail-open is set\n"}
	}
	return hook.FailClosed(h.rt, cause.Error())
}

func (h *handler) taints() taint.Store {
	return taint.Store{Dir: filepath.Join(h.f.State(), "sessions")}
}

func (h *handler) preTool(ctx context.Context, ev hook.Event) (outcome, error) {
	eng, _, err := policycmd.LoadEngine(h.f, h.opts.policies)
	if err != nil {
		return outcome{}, fmt.Errorf("policy: %w", err)
	}
	t, err := h.taints().Get(string(h.rt), ev.SessionID)
	if err != nil {
		return outcome{}, err
	}
	transport := "mcp"
	if !ev.MCP {
		transport = hook.BuiltinServer
	}
	req := policy.Request{
		Client:    string(h.rt),
		Server:    policy.Server{Name: ev.Server, Transport: transport},
		Tool:      policy.Tool{Name: ev.Tool},
		Arguments: ev.Input,
		Session:   policy.Session{ID: ev.SessionID, Taint: t},
		Now:       h.f.Now(),
	}
	return preTool(ev, req, &engineDecider{ctx: ctx, h: h, eng: eng}, &dbPending{ctx: ctx, h: h, ev: ev})
}

func (h *handler) postTool(ev hook.Event) (outcome, error) {
	eng, err := detect.New(detect.Options{})
	if err != nil {
		return outcome{}, fmt.Errorf("inspection engine: %w", err)
	}
	o := postTool(ev, eng)
	if err := h.taints().Add(string(h.rt), ev.SessionID, o.Taint); err != nil {
		return outcome{}, err
	}
	return o, nil
}

func (h *handler) openDB() (*state.DB, error) {
	if h.db != nil {
		return h.db, nil
	}
	db, err := state.OpenDir(h.f.State(), state.Options{})
	if err != nil {
		return nil, err
	}
	h.db = db
	return db, nil
}

func (h *handler) closeDB() {
	if h.db != nil {
		_ = h.db.Close()
	}
}

// engineDecider evaluates without grants first and opens the state
// database only when the answer is ask (grants only ever turn an ask into
// allow), so most hook calls never touch SQLite.
type engineDecider struct {
	ctx context.Context
	h   *handler
	eng *policy.Engine
}

func (d *engineDecider) Decide(req policy.Request) (policy.Decision, error) {
	dec := d.eng.Evaluate(req, nil)
	if dec.Action != policy.Ask {
		return dec, nil
	}
	db, err := d.h.openDB()
	if err != nil {
		return policy.Decision{}, fmt.Errorf("state database: %w", err)
	}
	grants, err := db.ActiveGrants(d.ctx, req.Now)
	if err != nil {
		return policy.Decision{}, fmt.Errorf("read grants: %w", err)
	}
	dec = d.eng.Evaluate(req, grants)
	if dec.GrantID != "" && dec.GrantOnce {
		if err := db.ConsumeOnce(d.ctx, dec.GrantID, req.Now); err != nil {
			return policy.Decision{}, fmt.Errorf("use once-grant %s: %w", dec.GrantID, err)
		}
	}
	return dec, nil
}

// dbPending records pending approvals for runtimes that cannot ask.
type dbPending struct {
	ctx context.Context
	h   *handler
	ev  hook.Event
}

func (p *dbPending) CreatePending(req policy.Request, d policy.Decision) (string, error) {
	db, err := p.h.openDB()
	if err != nil {
		return "", err
	}
	hash, err := policy.CanonicalArgsHash(req.Arguments)
	if err != nil {
		return "", err
	}
	return db.CreateApproval(p.ctx, state.Approval{
		Server: req.Server.Name, Tool: req.Tool.Name, Args: req.Arguments, ArgsHash: hash,
		Client: req.Client, SessionID: req.Session.ID, Rule: d.RuleID, Reason: d.Reason, Created: req.Now,
	})
}

// record writes the decision to the audit log.
func (h *handler) record(ev hook.Event, o outcome) error {
	e := audit.Event{Kind: audit.KindDecision, Actor: "hook:" + string(h.rt), Client: string(h.rt),
		Session: ev.SessionID, Server: ev.Server, Tool: ev.Tool, Method: ev.Phase.String(),
		Decision: o.Verdict.Action.String(), Rule: o.Decision.RuleID, Reason: o.Verdict.Reason,
		Grant: o.Decision.GrantID, Approval: o.Approval}
	if ev.Phase == hook.PreTool {
		e.Args = ev.Input
		if hash, err := policy.CanonicalArgsHash(ev.Input); err == nil {
			e.ArgsHash = hash
		}
	} else {
		e.Kind = audit.KindScreen
		if len(o.Findings) > 0 {
			e.Details = map[string]any{"findings": findingSummary(o)}
		}
	}
	return h.writeAudit(e)
}

func findingSummary(o outcome) []string {
	var out []string
	for _, f := range o.Findings {
		out = append(out, fmt.Sprintf("%s %s", f.Severity, f.Rule))
	}
	return out
}

func (h *handler) writeAudit(e audit.Event) error {
	sink, err := audit.OpenDefault(h.f.State(), h.f.Now)
	if err != nil {
		return err
	}
	werr := sink.Write(e)
	cerr := sink.Close()
	if werr != nil {
		return werr
	}
	return cerr
}
