package egress

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/moat-dev/moat/internal/netaddr"
)

// Resolver looks names up; *net.Resolver satisfies it. Tests inject a map.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Decision is the outcome for one destination.
type Decision struct {
	Allow  bool
	Host   string           // the host as requested
	Port   int              // the port as requested
	Rule   string           // the allow rule that matched, if any
	Addrs  []netip.Addr     // every address checked (resolved answers)
	Dial   []netip.AddrPort // what the proxy may dial: exactly the checked addresses
	Class  string           // class of the address (or name) that decided a denial
	Reason string
}

// maxAnswers bounds how many resolved addresses are checked and kept.
const maxAnswers = 32

// resolveTimeout bounds one lookup.
const resolveTimeout = 5 * time.Second

// Decide decides whether host:port may be reached. It resolves names with
// r and checks every answer; any answer that is not allowed denies the whole
// request (fail closed), so a rebinding name cannot win by racing.
func (p *Policy) Decide(ctx context.Context, r Resolver, host string, port int) Decision {
	d := Decision{Host: host, Port: port}
	deny := func(class, format string, args ...any) Decision {
		d.Allow, d.Class, d.Reason = false, class, fmt.Sprintf(format, args...)
		return d
	}
	if port < 1 || port > 65535 {
		return deny("", "port %d is out of range", port)
	}
	h := netaddr.ParseHost(host)
	if h.Name == "" {
		return deny("", "empty host")
	}
	lit := false
	if a, _, ok := netaddr.ParseIP(h.Name); ok {
		lit, h.Addr = true, a.Unmap()
	}
	if (lit && alwaysBlocked(h.Addr)) || (!lit && (h.Class == netaddr.Metadata || h.Class == netaddr.LinkLocal || h.Class == netaddr.Unspecified)) {
		return deny(h.Class.String(), "%s is a %s destination, which is always blocked", h.Name, h.Class)
	}
	rule, ok := p.match(h, lit, port)
	switch {
	case ok:
		d.Rule = rule.String()
	case lit && p.cidrAllows(h.Addr) && !alwaysBlocked(h.Addr):
		d.Rule = "cidr"
	default:
		class := ""
		if h.Class.Internal() {
			class = h.Class.String()
		}
		return deny(class, "%s:%d is not in the sandbox's allowed hosts", h.Name, port)
	}
	addrs := []netip.Addr{h.Addr}
	if !lit {
		var err error
		if addrs, err = lookup(ctx, r, h.Name); err != nil {
			return deny("", "resolving %s failed: %v", h.Name, err)
		}
	}
	d.Addrs = addrs
	for _, a := range addrs {
		if why, class := p.refuse(a, rule); why != "" {
			return deny(class, "%s resolves to %s: %s", h.Name, a, why)
		}
	}
	for _, a := range addrs {
		d.Dial = append(d.Dial, netip.AddrPortFrom(a, uint16(port)))
	}
	d.Allow, d.Reason = true, "allowed by "+d.Rule
	return d
}

func lookup(ctx context.Context, r Resolver, name string) ([]netip.Addr, error) {
	if r == nil {
		return nil, fmt.Errorf("no resolver configured")
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", name)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no addresses")
	}
	if len(addrs) > maxAnswers {
		addrs = addrs[:maxAnswers]
	}
	out := make([]netip.Addr, len(addrs))
	for i, a := range addrs {
		out[i] = a.Unmap().WithZone("")
	}
	return out, nil
}

// refuse says why address a may not be dialled (and its class), or "".
// Addresses embedding IPv4 (NAT64, 6to4, IPv4-compatible) are judged by the
// embedded address too.
func (p *Policy) refuse(a netip.Addr, rule Rule) (why, class string) {
	for _, x := range embedded(a) {
		c := netaddr.ClassifyAddr(x)
		switch {
		case alwaysBlocked(x):
			return c.String() + " addresses are always blocked", c.String()
		case c == netaddr.Public:
			continue
		case rule.Addr.IsValid() && rule.Addr == a, p.cidrAllows(x):
			continue
		default:
			return c.String() + " addresses need an explicit --allow-cidr", c.String()
		}
	}
	return "", ""
}

// embedded returns a and, when a is an IPv6 form that carries an IPv4
// address, that address as well.
func embedded(a netip.Addr) []netip.Addr {
	out := []netip.Addr{a}
	if a.Is6() {
		if e, trick, ok := netaddr.ParseIP(a.String()); ok && trick != "" && e != a {
			out = append(out, e)
		}
	}
	return out
}

// ClassOf names the netaddr class of a, judging IPv6 forms that embed an
// IPv4 address by the more sensitive of the two.
func ClassOf(a netip.Addr) string {
	worst := netaddr.Public
	for _, x := range embedded(a) {
		if c := netaddr.ClassifyAddr(x); c > worst {
			worst = c
		}
	}
	return worst.String()
}
