package guard

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/moat-dev/moat/internal/audit"
)

// IdentityName is the server name part of a pin identity ("name@digest").
func IdentityName(identity string) string {
	if i := strings.LastIndexByte(identity, '@'); i > 0 {
		return identity[:i]
	}
	return identity
}

// shadow records the tool names this server offers to this client and
// flags names another server of the same client offered first: a tool that
// shadows another one can capture calls meant for it.
func (g *Guard) shadow(ctx context.Context, ls []*listedTool) {
	client := g.clientName()
	var names []string
	for _, l := range ls {
		if l.name != "" && len(l.name) <= 256 {
			names = append(names, l.name)
		}
	}
	now := g.o.Now()
	if err := g.o.Store.RecordServerTools(ctx, g.o.Identity, client, names, now); err != nil {
		g.warnf("could not record the tools of %s for shadowing checks: %v", g.o.Server.Name, err)
		return
	}
	var mine map[string]time.Time
	for _, l := range ls {
		owners, err := g.o.Store.ToolOwners(ctx, client, l.name, g.o.Identity)
		if err != nil || len(owners) == 0 {
			continue
		}
		if mine == nil {
			mine = g.firstSeen(ctx, g.o.Identity)
		}
		var earlier []string
		for _, o := range owners {
			if IdentityName(o) == g.o.Server.Name {
				continue // the same server started another way
			}
			if t, ok := g.firstSeen(ctx, o)[l.name]; ok && !t.After(mine[l.name]) {
				earlier = append(earlier, IdentityName(o))
			}
		}
		if len(earlier) > 0 {
			g.reportShadow(l, earlier)
		}
	}
}

func (g *Guard) firstSeen(ctx context.Context, identity string) map[string]time.Time {
	out := map[string]time.Time{}
	sts, err := g.o.Store.ServerTools(ctx, identity)
	if err != nil {
		return out
	}
	for _, st := range sts {
		if st.Client == g.clientName() {
			out[st.Tool] = st.FirstSeen
		}
	}
	return out
}

func (g *Guard) reportShadow(l *listedTool, others []string) {
	withhold := g.o.OnShadow == Withhold
	action := "warn"
	if withhold {
		action = "withhold"
		if l.st.withheld == "" {
			// The model is not told which other server: only that one exists.
			l.st.withheld = fmt.Sprintf("moat withheld %s: another MCP server this client uses already offers a tool with this name", l.name)
		}
	}
	if !g.firstReport("shadow "+l.name, action+strings.Join(others, ",")) {
		return
	}
	e := g.event(audit.KindScreen, action)
	e.Tool, e.Method, e.Reason = l.name, "tools/list", "tool shadows a tool of "+strings.Join(others, ", ")
	g.audit.write(e)
	verb := "flagged"
	if withhold {
		verb = "withheld"
	}
	g.warnf("%s tool %s/%s: %s already offers a tool of that name to this client (tool shadowing)", verb, g.o.Server.Name, safeName(l.name), strings.Join(others, ", "))
}
