package guard

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/pin"
	"github.com/moat-dev/moat/internal/state"
)

// Pin rows moat keeps besides one per tool: the server's instructions, and
// the definition a server now serves for a pinned tool that changed (kept
// apart so `moat pins diff` can show old against new). '#' cannot occur in
// an MCP tool name.
const (
	InstructionsPin = "#instructions"
	CandidateSuffix = "#candidate"
)

// recheckTimeout bounds the re-list after notifications/tools/list_changed.
const recheckTimeout = 30 * time.Second

// listedTool is one tool of a tools/list result being checked.
type listedTool struct {
	name string
	raw  []byte
	fp   pin.Tool
	st   *toolState
}

// toolsListResult checks a tools/list result and withholds what may not be
// shown. fresh is set for a first page (no cursor).
func (g *Guard) toolsListResult(ctx context.Context, result []byte, fresh bool) Verdict {
	doc, items, err := splitList(result, "tools")
	if err != nil {
		g.warnf("withheld the tools/list result of %s: %v", g.o.Server.Name, err)
		return Verdict{Action: Respond, Error: &RPCError{Code: CodeBlocked, Message: "moat could not read this tools/list result"}}
	}
	ls := g.checkTools(ctx, items, fresh)
	kept := make([]jsontext.Value, 0, len(items))
	for i, l := range ls {
		if l.st.withheld == "" {
			kept = append(kept, items[i])
		}
	}
	if len(kept) == len(items) {
		return Verdict{}
	}
	return g.replaceList(doc, "tools", kept, "tools/list")
}

// checkTools screens, pins and shadow-checks listed tools and records the
// outcome for the call gate.
func (g *Guard) checkTools(ctx context.Context, items []jsontext.Value, fresh bool) []*listedTool {
	ls := make([]*listedTool, len(items))
	for i, raw := range items {
		l := &listedTool{raw: raw, st: &toolState{}}
		ls[i] = l
		fp, err := pin.FingerprintTool(raw)
		if err != nil {
			l.name = itemName(raw)
			l.st.withheld = "moat withheld this tool: its definition could not be read (" + clip(err.Error(), 120) + ")"
			continue
		}
		l.name, l.fp, l.st.hash = fp.Name, fp, fp.Hash
		var def struct {
			Annotations jsontext.Value `json:"annotations"`
		}
		if unmarshal(raw, &def) == nil {
			l.st.annotations = []byte(def.Annotations)
		}
		g.screenTool(l)
	}
	switch {
	case g.o.NoPin:
	case g.o.Store == nil:
		g.warnf("withheld every tool of %s: the state database is unavailable (%s)", g.o.Server.Name, errString(g.o.StoreErr))
		for _, l := range ls {
			l.st.withheld = "moat withheld this tool: moat cannot open its state database to check its pin"
		}
	default:
		g.pinTools(ctx, ls)
	}
	if g.o.Store != nil {
		g.shadow(ctx, ls)
	}
	g.mu.Lock()
	if fresh {
		g.tools = map[string]*toolState{}
	}
	for _, l := range ls {
		if l.name != "" {
			g.tools[l.name] = l.st
		}
	}
	g.listed = true
	g.mu.Unlock()
	return ls
}

func (g *Guard) screenTool(l *listedTool) {
	fs, err := g.poison("tool", l.name, l.raw)
	if err != nil {
		l.st.withheld = "moat withheld this tool: its definition could not be screened"
		return
	}
	if len(fs) == 0 {
		return
	}
	withhold := g.o.OnPoison == Withhold
	g.reportPoison("tool", l.name, fs, withhold)
	if withhold {
		l.st.withheld = fmt.Sprintf("moat withheld %s: its definition was flagged as unsafe for the model (%s)", safeName(l.name), rules(fs))
	}
}

// pinSet is a server's pins split by role.
type pinSet struct {
	main, cand map[string]state.Pin
	firstUse   bool // nothing pinned yet: trust on first use
}

func (g *Guard) loadPins(ctx context.Context) (pinSet, error) {
	rows, err := g.o.Store.Pins(ctx, g.o.Identity)
	if err != nil {
		return pinSet{}, err
	}
	ps := pinSet{main: map[string]state.Pin{}, cand: map[string]state.Pin{}}
	tools := 0
	for _, p := range rows {
		switch {
		case strings.HasSuffix(p.Tool, CandidateSuffix):
			ps.cand[strings.TrimSuffix(p.Tool, CandidateSuffix)] = p
		default:
			ps.main[p.Tool] = p
			if p.Tool != InstructionsPin {
				tools++
			}
		}
	}
	ps.firstUse = tools == 0
	return ps, nil
}

func (g *Guard) pinTools(ctx context.Context, ls []*listedTool) {
	g.pinMu.Lock()
	defer g.pinMu.Unlock()
	ps, err := g.loadPins(ctx)
	if err == nil && ps.firstUse {
		var done bool
		if done, err = g.pinFirstUse(ctx, ls); err == nil && done {
			return
		}
		if err == nil { // another process pinned the server meanwhile
			ps, err = g.loadPins(ctx)
		}
	}
	if err != nil {
		g.warnf("withheld every tool of %s: could not read its pins: %v", g.o.Server.Name, err)
		for _, l := range ls {
			l.st.withheld = "moat withheld this tool: moat could not check its pin"
		}
		return
	}
	bodies := map[string]string{} // body hash → pinned name, for renames
	for name, p := range ps.main {
		if fp, err := pin.FingerprintTool([]byte(p.DefJSON)); err == nil {
			bodies[fp.BodyHash] = name
		}
	}
	for _, l := range ls {
		if l.fp.Hash == "" || l.name == "" {
			continue
		}
		renamed := ""
		if old, ok := bodies[l.fp.BodyHash]; ok && old != l.name {
			renamed = old
		}
		if why := g.pinOne(ctx, ps, l.name, l.fp.Hash, string(l.fp.Canonical), renamed); why != "" && l.st.withheld == "" {
			l.st.withheld = why
		}
	}
}

// pinFirstUse trusts the whole list on first use, in one transaction;
// done is false when another process pinned the server first.
func (g *Guard) pinFirstUse(ctx context.Context, ls []*listedTool) (bool, error) {
	now := g.o.Now()
	var pins []state.Pin
	for _, l := range ls {
		if l.fp.Hash != "" && l.name != "" {
			pins = append(pins, state.Pin{Server: g.o.Identity, Tool: l.name, DefHash: l.fp.Hash, DefJSON: string(l.fp.Canonical), FirstSeen: now, ApprovedAt: now, Status: state.PinApproved})
		}
	}
	done, err := g.o.Store.FirstUsePins(ctx, g.o.Identity, pins)
	if err != nil || !done {
		return done, err
	}
	for _, p := range pins {
		g.pinEvent("pin", p.Tool, "trust on first use", p.DefHash)
	}
	return true, nil
}

// pinOne compares one definition with its pin, records what changed and
// returns why it must be withheld ("" when it may be shown).
func (g *Guard) pinOne(ctx context.Context, ps pinSet, name, hash, def, renamed string) string {
	now := g.o.Now()
	p, ok := ps.main[name]
	shown := safeName(name) // server-chosen: no escapes on the terminal
	what := "tool " + shown
	if name == InstructionsPin {
		what = "server instructions"
	}
	review := fmt.Sprintf("the user can review it with `moat pins diff %s` and approve it with `moat pins approve %s/%s`", g.o.Server.Name, g.o.Server.Name, shown)
	if name == InstructionsPin {
		review = fmt.Sprintf("the user can review them with `moat pins diff %s` and approve them with `moat pins approve %s`", g.o.Server.Name, g.o.Server.Name)
	}
	var err error
	var why string
	switch {
	case !ok && ps.firstUse:
		err = g.o.Store.PutPin(ctx, state.Pin{Server: g.o.Identity, Tool: name, DefHash: hash, DefJSON: def, FirstSeen: now, ApprovedAt: now, Status: state.PinApproved})
		g.pinEvent("pin", name, "trust on first use", hash)
	case !ok:
		err = g.o.Store.PutPin(ctx, state.Pin{Server: g.o.Identity, Tool: name, DefHash: hash, DefJSON: def, FirstSeen: now, Status: state.PinPending})
		how := "new since the user approved this server"
		if renamed != "" {
			how = "a renamed copy of " + safeName(renamed) + ", new since the user approved this server"
		}
		g.pinEvent("new", name, how, hash)
		why = fmt.Sprintf("moat withheld %s: it is %s; %s", shown, how, review)
	case p.DefHash == hash && (p.Status == state.PinPending || p.Status == state.PinRejected):
		why = fmt.Sprintf("moat withheld %s: the user has not approved it yet; %s", shown, review)
	case p.DefHash == hash:
		return ""
	case p.Status == state.PinPending || p.Status == state.PinRejected:
		err = g.o.Store.PutPin(ctx, state.Pin{Server: g.o.Identity, Tool: name, DefHash: hash, DefJSON: def, FirstSeen: p.FirstSeen, Status: p.Status})
		why = fmt.Sprintf("moat withheld %s: the user has not approved it yet; %s", shown, review)
	default:
		if c, ok := ps.cand[name]; !ok || c.DefHash != hash {
			err = g.o.Store.PutPin(ctx, state.Pin{Server: g.o.Identity, Tool: name + CandidateSuffix, DefHash: hash, DefJSON: def, FirstSeen: now, Status: state.PinPending})
			g.pinEvent("drift", name, "changed since approved: "+changedFields(p.DefJSON, def), hash)
		}
		if err == nil && p.Status == state.PinApproved {
			err = g.o.Store.SetPinStatus(ctx, g.o.Identity, name, state.PinDrifted, now)
		}
		subject := "its definition"
		if name == InstructionsPin {
			subject = "the server's instructions"
		}
		why = fmt.Sprintf("moat withheld %s: %s changed since the user approved it (a possible rug pull); %s", shown, subject, review)
	}
	if err != nil {
		g.warnf("withheld %s of %s: could not record its pin: %v", what, g.o.Server.Name, err)
		return "moat withheld " + shown + ": moat could not record its pin"
	}
	if why != "" && g.firstReport("pin "+name, hash) {
		g.warnf("%s", strings.TrimPrefix(why, "moat "))
	}
	return why
}

func changedFields(oldJSON, newJSON string) string {
	var paths []string
	for _, d := range pin.FieldDiffs([]byte(oldJSON), []byte(newJSON)) {
		paths = append(paths, d.Path)
	}
	return clip(strings.Join(paths, ", "), 300)
}

func (g *Guard) pinEvent(action, tool, reason, hash string) {
	e := g.event(audit.KindPin, action)
	e.Tool, e.Reason = tool, reason
	e.Details = map[string]any{"identity": g.o.Identity, "hash": hash}
	g.audit.write(e)
}

// initializeResult screens and pins the server's instructions; withheld
// instructions are removed from the result.
func (g *Guard) initializeResult(ctx context.Context, result []byte) Verdict {
	var r struct {
		Instructions string `json:"instructions"`
	}
	if err := unmarshal(result, &r); err != nil || r.Instructions == "" {
		return Verdict{}
	}
	why := ""
	if fs := g.instructionsFindings(r.Instructions); len(fs) > 0 {
		g.reportPoison("instructions", InstructionsPin, fs, g.o.OnPoison == Withhold)
		if g.o.OnPoison == Withhold {
			why = "flagged"
		}
	}
	switch {
	case g.o.NoPin:
	case g.o.Store == nil:
		why = "state database unavailable"
	default:
		ps, err := g.loadPins(ctx)
		if err != nil {
			why = "pin unreadable"
		} else if w := g.pinOne(ctx, ps, InstructionsPin, pin.HashText(r.Instructions), quote(r.Instructions), ""); w != "" {
			why = w
		}
	}
	if why == "" {
		return Verdict{}
	}
	var doc map[string]jsontext.Value
	if err := unmarshal(result, &doc); err != nil {
		return Verdict{Action: Respond, Error: &RPCError{Code: CodeBlocked, Message: "moat could not read the initialize result"}}
	}
	delete(doc, "instructions")
	g.warnf("removed the instructions of %s from the initialize result (%s)", g.o.Server.Name, clip(why, 200))
	return g.replaceDoc(doc)
}

func (g *Guard) replaceDoc(doc map[string]jsontext.Value) Verdict {
	out, err := marshalDoc(doc)
	if err != nil {
		return Verdict{Action: Respond, Error: &RPCError{Code: CodeBlocked, Message: "moat could not rewrite this result"}}
	}
	return Verdict{Action: Respond, Result: out}
}

// startRecheck re-lists the server's tools after list_changed, so a client
// that keeps its old list still cannot call a changed tool. Calls wait for
// it (bounded by recheckTimeout).
func (g *Guard) startRecheck(ctx context.Context) {
	if g.o.CallServer == nil {
		return
	}
	g.mu.Lock()
	if g.recheck != nil {
		g.mu.Unlock()
		return
	}
	done := make(chan struct{})
	g.recheck = done
	g.mu.Unlock()
	go func() {
		defer func() {
			g.mu.Lock()
			g.recheck = nil
			g.mu.Unlock()
			close(done)
		}()
		rctx, cancel := context.WithTimeout(ctx, recheckTimeout)
		defer cancel()
		if err := g.relist(rctx); err != nil {
			g.warnf("withheld every tool of %s: could not re-check its tools after a change: %v", g.o.Server.Name, err)
			g.withholdAll("moat withheld this tool: the server changed its tools and moat could not re-check them")
		}
	}()
}

func (g *Guard) relist(ctx context.Context) error {
	cursor := ""
	for page := 0; page < 100; page++ {
		params := map[string]any{}
		if cursor != "" {
			params["cursor"] = cursor
		}
		raw, err := g.o.CallServer(ctx, "tools/list", params)
		if err != nil {
			return err
		}
		_, items, err := splitList(raw, "tools")
		if err != nil {
			return err
		}
		g.checkTools(ctx, items, page == 0)
		var next struct {
			NextCursor string `json:"nextCursor"`
		}
		_ = unmarshal(raw, &next)
		if cursor = next.NextCursor; cursor == "" {
			return nil
		}
	}
	return fmt.Errorf("more than 100 pages of tools")
}

func (g *Guard) withholdAll(reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, st := range g.tools {
		st.withheld = reason
	}
}

func (g *Guard) recheckRunning() chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.recheck
}
