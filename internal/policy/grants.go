package policy

import (
	"fmt"
	"time"
)

// Reasons a grant does not apply (typed so tests can assert them).
const (
	grantExpired  = "expired"
	grantNoClock  = "no clock"
	grantServer   = "server does not match"
	grantTool     = "tool does not match"
	grantSession  = "other session"
	grantArgs     = "arguments differ"
	grantWhere    = "where does not hold"
	grantWhereErr = "where failed"
	grantFuture   = "not yet valid"
)

// grantMatch reports why g does not apply to the call, or "" when it does.
func (e *Engine) grantMatch(g *Grant, x *evalCtx) string {
	now := x.req.Now
	switch {
	case now.IsZero():
		return grantNoClock
	case !g.Expires.IsZero() && !now.Before(g.Expires):
		return grantExpired
	case !g.Created.IsZero() && now.Before(g.Created.Add(-time.Minute)):
		return grantFuture
	case g.Server == "" || !globMatch(g.Server, x.req.Server.Name):
		return grantServer
	case !globMatch(g.Tool, x.req.Tool.Name):
		return grantTool
	case g.SessionID != "" && g.SessionID != x.req.Session.ID:
		return grantSession
	case g.ArgsHash != "" && g.ArgsHash != x.argsHash():
		return grantArgs
	}
	if g.Where != "" {
		p, _ := e.grantCEL.LoadOrStore(g.Where, &celProg{expr: g.Where})
		ok, err := p.(*celProg).eval(x)
		if err != nil {
			return grantWhereErr
		}
		if !ok {
			return grantWhere
		}
	}
	return ""
}

// narrowness orders grants: exact-call and once grants first, then
// conditional, session-bound, and earliest expiry.
func narrowness(g *Grant) int {
	n := 0
	if g.ArgsHash != "" {
		n += 8
	}
	if g.Once {
		n += 4
	}
	if g.Where != "" {
		n += 2
	}
	if g.SessionID != "" {
		n++
	}
	return n
}

// applyGrants turns an ask into allow when a grant covers the call.
func (e *Engine) applyGrants(d *Decision, x *evalCtx, grants []Grant) {
	var best *Grant
	for i := range grants {
		g := &grants[i]
		if e.grantMatch(g, x) != "" {
			continue
		}
		if best == nil || narrowness(g) > narrowness(best) ||
			narrowness(g) == narrowness(best) && !g.Expires.IsZero() && (best.Expires.IsZero() || g.Expires.Before(best.Expires)) {
			best = g
		}
	}
	if best == nil {
		return
	}
	scope := "until " + best.Expires.UTC().Format(time.RFC3339)
	if best.Expires.IsZero() {
		scope = "permanent grant: it never expires; consider replacing it with an expiring one"
		d.GrantPermanent = true
	}
	if best.Once {
		scope += ", once: consumed by this call"
		d.GrantOnce = true
	}
	d.Matched = append([]Match{{Rule: "grant:" + best.ID, Action: Allow, Source: "grant",
		Reason: fmt.Sprintf("grant %s (%s) allows what %s asked for", best.ID, scope, d.RuleID)}}, d.Matched...)
	d.Reason = fmt.Sprintf("allowed by grant %s (%s); without it: %s", best.ID, scope, d.Reason)
	d.Action, d.GrantID = Allow, best.ID
}
