package guard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/state"
)

// The answers offered when moat asks through elicitation.
const (
	choiceOnce    = "allow once"
	choiceSession = "allow for this session"
	choiceHour    = "allow for 1 hour"
	choiceDeny    = "deny"
)

// ask asks the user about a call: through the client (elicitation) when it
// can be asked, else by recording a pending approval. No answer in time,
// any error and any other answer deny.
func (g *Guard) ask(ctx context.Context, req policy.Request, d policy.Decision) Verdict {
	g.mu.Lock()
	canAsk := g.elicit && g.o.CallClient != nil
	g.mu.Unlock()
	if !canAsk {
		return g.pending(ctx, req, d)
	}
	g.warnf("asking the user about %s/%s (rule %s)", req.Server.Name, req.Tool.Name, d.RuleID)
	actx, cancel := context.WithTimeout(ctx, g.o.AskTimeout)
	defer cancel()
	raw, err := g.o.CallClient(actx, "elicitation/create", elicitParams(req, d))
	choice, how := parseElicitation(raw, err)
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		how = fmt.Sprintf("no answer within --ask-timeout (%s)", g.o.AskTimeout)
	}
	actor := "user:" + req.Client + " (elicitation)"
	switch choice {
	case choiceOnce, choiceSession, choiceHour:
		g.remember(ctx, req, choice)
		g.recordDecision(req, d, "allow", actor, "")
		g.warnf("the user allowed %s/%s: %s", req.Server.Name, req.Tool.Name, choice)
		return Verdict{}
	}
	g.recordDecision(req, policy.Decision{RuleID: d.RuleID, Reason: "asked: " + how}, "deny", actor, "")
	g.warnf("denied %s/%s: %s", req.Server.Name, req.Tool.Name, how)
	return Verdict{Action: Drop, Reason: fmt.Sprintf("moat: the user did not allow this call to %s/%s (%s). Do not retry it unchanged.", req.Server.Name, req.Tool.Name, how)}
}

// parseElicitation reads the client's answer: the choice, or why there is
// none.
func parseElicitation(raw json.RawMessage, err error) (choice, how string) {
	if err != nil {
		return "", "could not ask: " + clip(err.Error(), 200)
	}
	var res struct {
		Action  string `json:"action"`
		Content struct {
			Decision string `json:"decision"`
		} `json:"content"`
	}
	if uerr := unmarshal(raw, &res); uerr != nil {
		return "", "the answer could not be read"
	}
	if res.Action != "accept" {
		return "", "the user chose " + clip(res.Action, 40)
	}
	switch res.Content.Decision {
	case choiceOnce, choiceSession, choiceHour:
		return res.Content.Decision, res.Content.Decision
	}
	return "", "the user chose deny"
}

// remember turns a session or one-hour answer into a grant for these exact
// arguments: in memory for the session, in the state database for an hour.
func (g *Guard) remember(ctx context.Context, req policy.Request, choice string) {
	hash, err := policy.CanonicalArgsHash(req.Arguments)
	if err != nil || choice == choiceOnce {
		return
	}
	gr := policy.Grant{Server: req.Server.Name, Tool: req.Tool.Name, ArgsHash: hash, Created: req.Now}
	if choice == choiceSession {
		gr.ID, gr.SessionID, gr.Expires = "session-"+hash[len(hash)-12:], g.session, req.Now.Add(sessionGrantTTL)
		g.mu.Lock()
		g.grants = append(g.grants, gr)
		g.mu.Unlock()
		return
	}
	gr.Expires = req.Now.Add(time.Hour)
	meta := state.GrantMeta{CreatedBy: "user:" + req.Client + " (elicitation)", Reason: "allowed for 1 hour when asked"}
	if _, err := g.o.Store.AddGrant(ctx, gr, meta); err != nil {
		g.warnf("could not store the one-hour grant for %s/%s (%v); this call is allowed, the next one will ask again", req.Server.Name, req.Tool.Name, err)
	}
}

// elicitParams is the elicitation/create request: server, tool, the full
// arguments (pretty-printed, secrets redacted, capped) and one enum choice.
func elicitParams(req policy.Request, d policy.Decision) map[string]any {
	var b strings.Builder
	fmt.Fprintf(&b, "moat: %s wants to call %s/%s", clientLabel(req.Client), req.Server.Name, req.Tool.Name)
	if d.RuleID != "" {
		fmt.Fprintf(&b, "\npolicy rule %s asks: %s", d.RuleID, clip(d.Reason, 500))
	}
	b.WriteString("\narguments:\n")
	b.WriteString(policy.ShowArgs(req.Arguments))
	b.WriteString("\n(a session or one-hour answer covers only these exact arguments)")
	return map[string]any{
		"message": b.String(),
		"requestedSchema": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"decision": map[string]any{
					"type": "string", "title": "Allow this call?",
					"enum": []string{choiceOnce, choiceSession, choiceHour, choiceDeny},
				},
			},
			"required": []string{"decision"},
		},
	}
}

func clientLabel(c string) string {
	if c == "" || c == "unknown" {
		return "the agent"
	}
	return "the agent (" + c + ")"
}

// pending records an approval for a client that cannot be asked and tells
// the agent which command approves it.
func (g *Guard) pending(ctx context.Context, req policy.Request, d policy.Decision) Verdict {
	hash, err := policy.CanonicalArgsHash(req.Arguments)
	var id string
	if err == nil {
		id, err = g.o.Store.CreateApproval(ctx, state.Approval{
			Server: req.Server.Name, Tool: req.Tool.Name, Args: req.Arguments, ArgsHash: hash,
			Client: req.Client, SessionID: req.Session.ID, Rule: d.RuleID, Reason: d.Reason, Created: req.Now,
		})
	}
	if err != nil {
		g.warnf("denied %s/%s: could not record a pending approval: %v", req.Server.Name, req.Tool.Name, err)
		g.recordDecision(req, d, "deny", "", "")
		return Verdict{Action: Drop, Reason: "moat: this call needs the user's approval and moat could not record the request; it was denied"}
	}
	g.recordDecision(req, d, "ask", "", id)
	g.warnf("%s/%s needs approval (rule %s): run `moat approve %s` or `moat deny %s`", req.Server.Name, req.Tool.Name, d.RuleID, id, id)
	return Verdict{Action: Drop, Reason: fmt.Sprintf(
		"moat: this call to %s/%s needs the user's approval (policy rule %s: %s). "+
			"Ask the user to run `moat approve %s` (or `moat deny %s`), then retry the same call with the same arguments.",
		req.Server.Name, req.Tool.Name, d.RuleID, clip(d.Reason, 300), id, id)}
}
