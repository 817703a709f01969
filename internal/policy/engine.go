package policy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Options configure Load.
type Options struct {
	// Home is the user's home directory; paths under it are matched as ~/….
	Home string
	// EagerCEL compiles every CEL expression at load (lint does this). By
	// default CEL is compiled on first use, so a hook process that never
	// reaches a CEL rule does not pay for it.
	EagerCEL bool
}

// Engine decides calls. It is immutable after Load and safe for concurrent
// use.
type Engine struct {
	defaultAction Action
	defaultFrom   string
	builtins      []*BuiltinRule
	disabled      map[string]string // id → reason
	rules         []*rule           // user and cli rules, then project rules
	home          string
	failed        error
	grantCEL      sync.Map // where expr → *celProg
}

// ErrPolicy marks a policy that could not be loaded. Callers should use
// Failed(err) so that every call is denied with the reason.
var ErrPolicy = errors.New("policy error")

// Load compiles policy documents into an Engine. User and --policy (cli)
// documents may allow, relax the default and disable built-ins (with a
// reason); project documents may only add deny and ask rules and tighten the
// default — anything else in them is ignored with a warning. An error-level
// problem returns ErrPolicy; the caller must then fail closed (Failed).
func Load(sources []Source, opts Options) (*Engine, []Problem, error) {
	e := &Engine{defaultAction: Allow, defaultFrom: "built-in default", builtins: Builtins(), disabled: map[string]string{}, home: opts.Home}
	var probs []Problem
	userDefault, projDefault := Allow, Allow
	var errs int
	for _, src := range sources {
		p, ps := parseDoc(src)
		probs = append(probs, ps...)
		if p == nil {
			errs += len(ps)
			continue
		}
		ps = e.add(p, opts, &userDefault, &projDefault)
		probs = append(probs, ps...)
		for _, pr := range ps {
			if !pr.Warning {
				errs++
			}
		}
	}
	e.defaultAction = max(userDefault, projDefault)
	if projDefault > userDefault {
		e.defaultFrom = "project policy"
	}
	if errs > 0 {
		return nil, probs, fmt.Errorf("%w: %d problem(s) in the policy; run 'moat policy lint'", ErrPolicy, errs)
	}
	return e, probs, nil
}

// add merges one parsed document.
func (e *Engine) add(p *parsed, opts Options, userDefault, projDefault *Action) []Problem {
	var probs []Problem
	src, d := p.src, &p.doc
	project := src.Scope == ScopeProject
	warn := func(line int, f string, a ...any) {
		probs = append(probs, Problem{Source: src.Name, Line: line, Message: fmt.Sprintf(f, a...), Warning: true})
	}
	if d.Version > 1 {
		probs = append(probs, Problem{Source: src.Name, Message: fmt.Sprintf("version %d is newer than this moat understands (1); upgrade moat", d.Version)})
	}
	if d.Default != "" {
		a, ok := ParseAction(d.Default)
		switch {
		case !ok:
			probs = append(probs, Problem{Source: src.Name, Message: fmt.Sprintf("default %q is not allow, ask or deny", d.Default)})
		case project:
			*projDefault = max(*projDefault, a)
		default:
			*userDefault = a
			e.defaultFrom = src.Name
		}
	}
	for i, dis := range d.Builtins.Disable {
		line := lineAt(p.disLines, i)
		switch {
		case project:
			warn(line, "a project policy cannot disable built-in rule %q; ignored (disable it in your user policy)", dis.ID)
		case !knownBuiltin(dis.ID):
			probs = append(probs, Problem{Source: src.Name, Line: line, Message: fmt.Sprintf("no built-in rule %q; see 'moat policy test --help' for the list", dis.ID)})
		case strings.TrimSpace(dis.Reason) == "":
			probs = append(probs, Problem{Source: src.Name, Line: line, Message: fmt.Sprintf("disabling built-in rule %q needs a reason:", dis.ID)})
		default:
			e.disabled[dis.ID] = dis.Reason
		}
	}
	ids := map[string]bool{}
	for i, rd := range d.Rules {
		line := lineAt(p.ruleLines, i)
		r, ps := compileRule(rd, src, line, lineAtSlice(p.argLines, i), opts.Home, opts.EagerCEL)
		probs = append(probs, ps...)
		if ids[rd.ID] && rd.ID != "" {
			probs = append(probs, Problem{Source: src.Name, Line: line, Rule: rd.ID, Message: "duplicate rule id"})
		}
		ids[rd.ID] = true
		if len(ps) > 0 {
			continue
		}
		if project && r.action == Allow {
			warn(line, "rule %q: a project policy cannot allow (a cloned repository must not loosen your policy); ignored", r.id)
			continue
		}
		e.rules = append(e.rules, r)
	}
	return probs
}

func lineAtSlice(ls [][]int, i int) []int {
	if i < len(ls) {
		return ls[i]
	}
	return nil
}

func knownBuiltin(id string) bool {
	for _, b := range Builtins() {
		if b.ID == id {
			return true
		}
	}
	return false
}

// Failed returns an engine that denies every call with err as the reason.
func Failed(err error) *Engine { return &Engine{failed: err, defaultAction: Deny} }

// Default returns the effective default action.
func (e *Engine) Default() Action { return e.defaultAction }

// Disabled returns the disabled built-in rules and their reasons.
func (e *Engine) Disabled() map[string]string { return e.disabled }

// Evaluate decides one call. Every matching rule is collected; the
// strongest action wins (deny > ask > allow). The default action applies
// when no allow rule matched. A grant in scope turns an ask into allow,
// never a deny. Invalid arguments and policy errors deny.
func (e *Engine) Evaluate(req Request, grants []Grant) Decision {
	if e == nil || e.failed != nil {
		err := errors.New("no policy loaded")
		if e != nil {
			err = e.failed
		}
		return Decision{Action: Deny, RuleID: "policy-error", Reason: "policy error: " + err.Error()}
	}
	args, err := decodeArgs(req.Arguments)
	if err != nil {
		return Decision{Action: Deny, RuleID: "invalid-arguments", Reason: err.Error()}
	}
	x := &evalCtx{req: &req, args: args, leaves: collectLeaves(args), home: e.home}
	var ms []Match
	for _, b := range e.builtins {
		if _, off := e.disabled[b.ID]; off {
			continue
		}
		if hit, ok := b.analyze(x); ok {
			ms = append(ms, Match{Rule: b.ID, Action: b.action, Source: "builtin", Reason: "built-in " + b.ID + ": " + hit})
		}
	}
	allowMatched := false
	for _, r := range e.rules {
		if m, ok := r.evaluate(x); ok {
			ms = append(ms, m)
			allowMatched = allowMatched || m.Action == Allow
		}
	}
	if !allowMatched {
		ms = append(ms, Match{Rule: "default", Action: e.defaultAction, Source: e.defaultFrom,
			Reason: "no allow rule matched; the default is " + e.defaultAction.String()})
	}
	slices.SortStableFunc(ms, func(a, b Match) int { return cmp.Compare(b.Action, a.Action) })
	d := Decision{Action: ms[0].Action, RuleID: ms[0].Rule, Reason: ms[0].Reason, Matched: ms}
	if d.Action == Ask {
		e.applyGrants(&d, x, grants)
	}
	return d
}

// evaluate matches one user or project rule.
func (r *rule) evaluate(x *evalCtx) (Match, bool) {
	req := x.req
	if !globMatch(r.server, req.Server.Name) || !globMatch(r.tool, req.Tool.Name) || !globMatch(r.client, req.Client) {
		return Match{}, false
	}
	for k, v := range r.labels {
		if !globMatch(v, req.Server.Labels[k]) || req.Server.Labels[k] == "" && v != "" {
			return Match{}, false
		}
	}
	if r.taint != 0 && req.Session.Taint&r.taint == 0 {
		return Match{}, false
	}
	var why []string
	for i := range r.args {
		ok, detail := r.args[i].match(x.args, x.home)
		if !ok {
			return Match{}, false
		}
		why = append(why, detail)
	}
	if r.when != nil {
		ok, err := r.when.eval(x)
		switch {
		case err != nil && r.action == Allow:
			return Match{}, false // an allow rule that cannot be evaluated does not allow
		case err != nil:
			why = append(why, "when: evaluation failed ("+err.Error()+"), counted as a match")
		case !ok:
			return Match{}, false
		default:
			why = append(why, "when: "+showValue(r.when.expr))
		}
	}
	reason := fmt.Sprintf("%s rule %s (%s", r.scope, r.id, r.source)
	if r.line > 0 {
		reason += fmt.Sprintf(":%d", r.line)
	}
	reason += ")"
	if r.reason != "" {
		reason += ": " + r.reason
	} else if r.description != "" {
		reason += ": " + r.description
	}
	if len(why) > 0 {
		reason += "; " + strings.Join(why, "; ")
	} else {
		reason += fmt.Sprintf("; server %q tool %q", req.Server.Name, req.Tool.Name)
	}
	return Match{Rule: r.id, Action: r.action, Source: r.source, Reason: reason}, true
}
