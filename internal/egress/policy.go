// Package egress is moat's outbound proxy for sandboxed MCP servers: an
// HTTP proxy (CONNECT and plain absolute-form forwarding) that lets a server
// reach only the hosts its sandbox profile declares.
//
// Every decision is taken on the resolved address at dial time: a name is
// resolved once with an injectable resolver, every answer is classified
// (internal/netaddr), and the proxy dials exactly the address it checked,
// never re-resolving, so DNS rebinding cannot swap in an internal address.
// Link-local, metadata and unspecified addresses are always refused;
// loopback, private, CGNAT and ULA addresses only when a CIDR (or an
// IP-literal host rule) allows them explicitly.
package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/moat-dev/moat/internal/netaddr"
)

// AnyPort in a Rule matches every port.
const AnyPort = -1

// Rule is one allowed destination: an exact host name, a "*.suffix"
// wildcard (which does not match the bare suffix) or an IP literal, on one
// port, on AnyPort, or (Port 0) on 80 and 443.
type Rule struct {
	Name   string     // lower case, no trailing dot; for Suffix the part after "*."
	Suffix bool       // "*.example.com"
	Addr   netip.Addr // set when the rule is an IP literal
	Port   int        // 0: 80 and 443; AnyPort: any
	// Any ("*") matches every host; internal addresses still need a CIDR.
	Any bool
}

func (r Rule) String() string {
	h := r.Name
	if r.Suffix {
		h = "*." + h
	}
	if r.Addr.Is6() {
		h = "[" + h + "]"
	}
	switch r.Port {
	case 0:
		return h
	case AnyPort:
		return h + ":*"
	}
	return h + ":" + strconv.Itoa(r.Port)
}

// Policy is the allow-list of one sandboxed server. The zero Policy denies
// everything.
type Policy struct {
	Hosts []Rule
	CIDRs []netip.Prefix
}

// ParseRule reads "host", "*.suffix", "host:port", "host:*", "1.2.3.4:80" or
// "[::1]:8080". IP literals must be in canonical form.
func ParseRule(s string) (Rule, error) {
	in := s
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 300 {
		return Rule{}, fmt.Errorf("host rule %q: empty or too long", in)
	}
	host, port, err := splitRule(s)
	if err != nil {
		return Rule{}, fmt.Errorf("host rule %q: %w", in, err)
	}
	r := Rule{Port: port}
	if host == "*" {
		r.Any, r.Name = true, "*"
		return r, nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return Rule{}, fmt.Errorf("host rule %q: zones are not allowed", in)
		}
		r.Addr, r.Name = a.Unmap(), a.Unmap().String()
		return r, checkAlwaysBlocked(r.Addr, in)
	}
	host = strings.TrimSuffix(host, ".")
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		r.Suffix, host = true, rest
	}
	if !validName(host) || (r.Suffix && !strings.Contains(host, ".")) {
		return Rule{}, fmt.Errorf("host rule %q: not a host name, *.domain or IP literal", in)
	}
	if _, _, lit := netaddr.ParseIP(host); lit {
		return Rule{}, fmt.Errorf("host rule %q: write IP addresses in canonical form (e.g. 127.0.0.1)", in)
	}
	r.Name = host
	if h := netaddr.ParseHost(host); h.Class == netaddr.Metadata || h.Class == netaddr.LinkLocal {
		return Rule{}, fmt.Errorf("host rule %q: %s destinations are always blocked", in, h.Class)
	}
	return r, nil
}

func splitRule(s string) (host string, port int, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, errors.New("missing ]")
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return host, 0, nil
		}
		if !strings.HasPrefix(rest, ":") {
			return "", 0, errors.New("junk after ]")
		}
		p, err := parsePort(rest[1:])
		return host, p, err
	}
	if strings.Count(s, ":") > 1 { // bare IPv6 literal, no port
		return s, 0, nil
	}
	host, ps, ok := strings.Cut(s, ":")
	if !ok {
		return host, 0, nil
	}
	p, err := parsePort(ps)
	return host, p, err
}

func parsePort(s string) (int, error) {
	if s == "*" {
		return AnyPort, nil
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %q is not 1-65535 or *", s)
	}
	return p, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// ParseCIDR reads an allowed address range. Ranges wider than /8 (IPv4) or
// /32 (IPv6) are refused: they would disable the internal-address guard.
func ParseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		a, aerr := netip.ParseAddr(strings.TrimSpace(s))
		if aerr != nil {
			return netip.Prefix{}, fmt.Errorf("CIDR %q: %w", s, err)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	p = p.Masked()
	if (p.Addr().Is4() && p.Bits() < 8) || (p.Addr().Is6() && p.Bits() < 32) {
		return netip.Prefix{}, fmt.Errorf("CIDR %q is too wide: allow specific ranges (at least /8 for IPv4, /32 for IPv6)", s)
	}
	return p, checkAlwaysBlocked(p.Addr(), s)
}

// checkAlwaysBlocked refuses rules that name an address moat never lets a
// sandboxed server reach.
func checkAlwaysBlocked(a netip.Addr, in string) error {
	if alwaysBlocked(a) {
		return fmt.Errorf("%q: %s addresses are always blocked", in, netaddr.ClassifyAddr(a))
	}
	return nil
}

// alwaysBlocked: metadata, link-local, unspecified and multicast addresses
// cannot be allowed by any rule.
func alwaysBlocked(a netip.Addr) bool {
	switch netaddr.ClassifyAddr(a) {
	case netaddr.Metadata, netaddr.LinkLocal, netaddr.Unspecified:
		return true
	}
	return a.IsMulticast()
}

// match returns the rule allowing host (already cleaned) on port, if any.
func (p *Policy) match(h netaddr.Host, lit bool, port int) (Rule, bool) {
	for _, r := range p.Hosts {
		if !portOK(r.Port, port) {
			continue
		}
		switch {
		case r.Any:
			return r, true
		case r.Addr.IsValid():
			if lit && h.Addr == r.Addr {
				return r, true
			}
		case lit:
		case r.Suffix:
			if strings.HasSuffix(h.Name, "."+r.Name) {
				return r, true
			}
		case h.Name == r.Name:
			return r, true
		}
	}
	return Rule{}, false
}

func portOK(rule, port int) bool {
	switch rule {
	case AnyPort:
		return true
	case 0:
		return port == 80 || port == 443
	}
	return rule == port
}

// cidrAllows reports whether an explicitly allowed range contains a.
func (p *Policy) cidrAllows(a netip.Addr) bool {
	for _, c := range p.CIDRs {
		if c.Contains(a) {
			return true
		}
	}
	return false
}
