package guard

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/policy"
)

// callParams is what the guard reads of a tools/call request.
type callParams struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	// Meta carries the client's name on protocol 2026-07-28, which has no
	// initialize handshake (SEP-2575).
	Meta struct {
		ClientInfo struct {
			Name string `json:"name"`
		} `json:"io.modelcontextprotocol/clientInfo"`
	} `json:"_meta"`
}

func toolName(params []byte) string {
	var p callParams
	_ = unmarshal(params, &p)
	return p.Name
}

// call decides one tools/call: the pin and screening gate, then the policy.
func (g *Guard) call(ctx context.Context, m *Message) (Verdict, error) {
	var p callParams
	if err := unmarshal(m.Params, &p); err != nil || p.Name == "" {
		return g.refuse("", nil, "malformed", "moat: this tools/call has no readable tool name or arguments; it was not sent"), nil
	}
	if len(p.Arguments) == 0 {
		p.Arguments = json.RawMessage("{}")
	}
	if name := p.Meta.ClientInfo.Name; name != "" {
		g.mu.Lock()
		if g.client == "" {
			g.client = clip(name, 200)
		}
		g.mu.Unlock()
	}
	if g.needsListing() {
		// A call before any tools/list in this session: moat lists the
		// tools itself so the call is checked against their pins.
		g.startRecheck(ctx)
	}
	if wait := g.recheckRunning(); wait != nil {
		return Verdict{Action: Defer, Defer: func(ctx context.Context) (Verdict, error) {
			select {
			case <-wait:
			case <-ctx.Done():
				return g.refuse(p.Name, p.Arguments, "recheck", "moat: the server changed its tools and moat could not re-check them in time; retry"), nil
			}
			return resolve(ctx, g.decideCall(ctx, p))
		}}, nil
	}
	return g.decideCall(ctx, p), nil
}

func (g *Guard) decideCall(ctx context.Context, p callParams) Verdict {
	if err := g.audit.failed(); err != nil {
		g.warnf("denied %s/%s: %v", g.o.Server.Name, p.Name, err)
		return Verdict{Action: Drop, Reason: "moat: this call was denied because moat cannot write its audit log; the user must fix it and restart"}
	}
	if g.o.StoreErr != nil || g.o.Store == nil {
		return g.refuse(p.Name, p.Arguments, "state-unavailable", "moat: this call was denied because moat cannot open its state database ("+clip(errString(g.o.StoreErr), 200)+"); the user must fix it and restart the server")
	}
	if reason := g.gate(ctx, p.Name); reason != "" {
		return g.refuse(p.Name, p.Arguments, "withheld", reason)
	}
	req := g.policyRequest(p)
	d, err := g.evaluate(ctx, req)
	if err != nil {
		g.warnf("denied %s/%s: %v", g.o.Server.Name, p.Name, err)
		return g.refuse(p.Name, p.Arguments, "policy-error", "moat: this call was denied because moat could not decide it: "+clip(err.Error(), 200))
	}
	switch d.Action {
	case policy.Allow:
		g.recordDecision(req, d, "allow", "", "")
		return Verdict{}
	case policy.Ask:
		return Verdict{Action: Defer, Defer: func(ctx context.Context) (Verdict, error) { return g.ask(ctx, req, d), nil }}
	}
	g.recordDecision(req, d, "deny", "", "")
	g.warnf("denied %s/%s (rule %s): %s", g.o.Server.Name, p.Name, d.RuleID, clip(d.Reason, 300))
	return Verdict{Action: Drop, Reason: denyText(req, d)}
}

func (g *Guard) needsListing() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return !g.listed && !g.o.NoPin && g.o.CallServer != nil && g.o.Store != nil
}

// resolve runs a deferred decision inline (the caller is already off the
// read loop).
func resolve(ctx context.Context, v Verdict) (Verdict, error) {
	if v.Action == Defer && v.Defer != nil {
		return v.Defer(ctx)
	}
	return v, nil
}

// gate returns why a tool may not be called now (withheld, unknown), or "".
func (g *Guard) gate(ctx context.Context, name string) string {
	g.mu.Lock()
	st, listed := g.tools[name], g.listed
	g.mu.Unlock()
	if st != nil {
		return st.withheld
	}
	if listed || g.o.NoPin {
		if listed {
			return "moat: " + safeName(name) + " is not among the tools this server listed; list the tools again"
		}
		return ""
	}
	// Called before any tools/list in this session: allowed only if its
	// pin is approved.
	pins, err := g.o.Store.Pins(ctx, g.o.Identity)
	if err != nil {
		return "moat: this call was denied because moat could not check the tool's pin; retry"
	}
	for _, p := range pins {
		if p.Tool == name && (p.Status == "approved") {
			return ""
		}
	}
	return "moat: list this server's tools first so moat can check " + safeName(name) + "'s definition"
}

func (g *Guard) policyRequest(p callParams) policy.Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	tool := policy.Tool{Name: p.Name}
	if st := g.tools[p.Name]; st != nil {
		tool.Annotations, tool.PinnedHash = st.annotations, st.hash
	}
	return policy.Request{Client: g.clientOrUnknown(), Server: g.o.Server, Tool: tool, Arguments: p.Arguments,
		Session: policy.Session{ID: g.session, Taint: g.taint}, Now: g.o.Now()}
}

func (g *Guard) clientOrUnknown() string {
	if g.client == "" {
		return "unknown"
	}
	return g.client
}

// evaluate runs the policy without grants first; only an ask reads the
// grants (they only ever turn an ask into an allow).
func (g *Guard) evaluate(ctx context.Context, req policy.Request) (policy.Decision, error) {
	d := g.o.Policy.Evaluate(req, nil)
	if d.Action != policy.Ask {
		return d, nil
	}
	grants, err := g.o.Store.ActiveGrants(ctx, req.Now)
	if err != nil {
		return policy.Decision{}, fmt.Errorf("read grants: %w", err)
	}
	g.mu.Lock()
	grants = append(append([]policy.Grant(nil), grants...), g.grants...)
	g.mu.Unlock()
	d = g.o.Policy.Evaluate(req, grants)
	if d.GrantID != "" && d.GrantOnce {
		if err := g.o.Store.ConsumeOnce(ctx, d.GrantID, req.Now); err != nil {
			return policy.Decision{}, fmt.Errorf("use once-grant %s: %w", d.GrantID, err)
		}
	}
	return d, nil
}

// refuse denies a call for a reason of moat's own (not a policy rule).
func (g *Guard) refuse(tool string, args json.RawMessage, rule, reason string) Verdict {
	e := g.event(audit.KindDecision, "deny")
	e.Tool, e.Method, e.Decision, e.Rule, e.Reason, e.Args = tool, "tools/call", "deny", rule, reason, args
	g.audit.write(e)
	return Verdict{Action: Drop, Reason: reason}
}

func (g *Guard) recordDecision(req policy.Request, d policy.Decision, decision, actor, approval string) {
	e := g.event(audit.KindDecision, decision)
	if actor != "" {
		e.Actor = actor
	}
	e.Tool, e.Method, e.Decision, e.Rule, e.Reason = req.Tool.Name, "tools/call", decision, d.RuleID, d.Reason
	e.Grant, e.Approval, e.Args = d.GrantID, approval, req.Arguments
	g.audit.writeHashed(e) // args_hash is computed on the audit goroutine
}

// denyText is what the model reads: this server and tool only.
func denyText(req policy.Request, d policy.Decision) string {
	s := fmt.Sprintf("moat denied this call to %s/%s", req.Server.Name, req.Tool.Name)
	if d.RuleID != "" {
		s += " (policy rule " + d.RuleID + ")"
	}
	if d.Reason != "" {
		s += ": " + clip(d.Reason, 500)
	}
	return s + ". Do not retry it unchanged; tell the user if it is needed."
}

func errString(err error) string {
	if err == nil {
		return "not configured"
	}
	return err.Error()
}

// sessionGrantTTL bounds an allow-for-this-session answer.
const sessionGrantTTL = 12 * time.Hour
