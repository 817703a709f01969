// Package netaddr classifies hosts, IP literals and URLs found in tool-call
// arguments: loopback, private, link-local, cloud metadata and other
// internal destinations, seeing through IP-literal tricks (decimal, octal
// and hex forms, short dotted forms, IPv4-mapped and embedded IPv6, trailing
// dots, fullwidth digits, wildcard-DNS names that embed an address). It is
// pure: it never resolves a name or opens a connection.
package netaddr

import (
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Class is what kind of destination a host is. Higher values are more
// sensitive.
type Class int

// Classes.
const (
	Public      Class = iota // a public address or an ordinary DNS name
	Private                  // RFC 1918, ULA, CGNAT, internal-only DNS names
	Loopback                 // 127/8, ::1, localhost
	Unspecified              // 0.0.0.0, ::, 0/8 (reaches the local host on most stacks)
	LinkLocal                // 169.254/16, fe80::/10
	Metadata                 // cloud instance-metadata endpoints
)

var classNames = [...]string{"public", "private", "loopback", "unspecified", "link-local", "metadata"}

func (c Class) String() string {
	if int(c) < len(classNames) && c >= 0 {
		return classNames[c]
	}
	return "unknown"
}

// Internal reports whether c is anything but Public.
func (c Class) Internal() bool { return c != Public }

// Host is a classified host.
type Host struct {
	// Input is the host as given (without port or brackets).
	Input string
	// Name is the cleaned host: lower case, NFKC, trailing dots removed.
	Name string
	// Addr is set when the host is (or embeds) an IP address.
	Addr netip.Addr
	// Class is the destination class.
	Class Class
	// Trick names the encoding used to hide the address, if any:
	// "decimal", "octal", "hex", "short-form", "ipv4-mapped", "nat64",
	// "6to4", "wildcard-dns", "trailing-dot", "fullwidth".
	Trick string
}

// metadataAddrs are cloud instance-metadata and host-agent endpoints.
var metadataAddrs = map[netip.Addr]string{
	netip.MustParseAddr("169.254.169.254"): "aws/gcp/azure/oci metadata",
	netip.MustParseAddr("169.254.170.2"):   "aws ecs task metadata",
	netip.MustParseAddr("169.254.170.23"):  "aws eks pod identity",
	netip.MustParseAddr("fd00:ec2::254"):   "aws metadata (ipv6)",
	netip.MustParseAddr("fd00:ec2::23"):    "aws eks pod identity (ipv6)",
	netip.MustParseAddr("100.100.100.200"): "alibaba cloud metadata",
	netip.MustParseAddr("168.63.129.16"):   "azure wireserver",
	netip.MustParseAddr("192.0.0.192"):     "oracle cloud metadata",
}

// metadataNames are DNS names of metadata services.
var metadataNames = map[string]bool{
	"metadata.google.internal": true, "metadata.goog": true, "metadata": true,
	"instance-data": true, "instance-data.ec2.internal": true,
	"metadata.azure.com": true, "metadata.platformequinix.com": true,
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")
var thisNet = netip.MustParsePrefix("0.0.0.0/8")
var benchNet = netip.MustParsePrefix("198.18.0.0/15")

// ClassifyAddr classifies an IP address.
func ClassifyAddr(a netip.Addr) Class {
	a = a.Unmap().WithZone("")
	if _, ok := metadataAddrs[a]; ok {
		return Metadata
	}
	switch {
	case a.IsLoopback():
		return Loopback
	case a.IsUnspecified(), a.Is4() && thisNet.Contains(a):
		return Unspecified
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return LinkLocal
	case a.IsPrivate(), a.Is4() && (cgnat.Contains(a) || benchNet.Contains(a)),
		a.IsInterfaceLocalMulticast(), a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return Private
	}
	return Public
}

// MetadataService names the metadata service at a, or "".
func MetadataService(a netip.Addr) string { return metadataAddrs[a.Unmap().WithZone("")] }

// ParseHost classifies a host name or IP literal (brackets and a zone are
// accepted; a port is not: use ParseURL or SplitHostPort first).
func ParseHost(s string) Host {
	h := Host{Input: s}
	name := s
	if !isASCII(name) {
		folded := norm.NFKC.String(name)
		if folded != name {
			h.Trick = "fullwidth"
		}
		name = folded
	}
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.TrimPrefix(strings.TrimSuffix(name, "]"), "[")
	if strings.HasSuffix(name, ".") {
		name = strings.TrimRight(name, ".")
		if h.Trick == "" {
			h.Trick = "trailing-dot"
		}
	}
	h.Name = name
	if a, trick, ok := ParseIP(name); ok {
		h.Addr = a
		if trick != "" {
			h.Trick = trick
		}
		h.Class = ClassifyAddr(a)
		return h
	}
	h.Class = classifyName(&h)
	return h
}

func classifyName(h *Host) Class {
	n := h.Name
	switch {
	case metadataNames[n]:
		return Metadata
	case n == "localhost", strings.HasSuffix(n, ".localhost"), n == "localhost.localdomain",
		n == "ip6-localhost", n == "ip6-loopback", n == "localtest.me", strings.HasSuffix(n, ".localtest.me"):
		return Loopback
	}
	if a, ok := wildcardDNS(n); ok {
		h.Addr, h.Trick = a, "wildcard-dns"
		return ClassifyAddr(a)
	}
	for _, suf := range []string{".internal", ".local", ".localdomain", ".lan", ".home.arpa", ".intranet", ".corp", ".svc", ".cluster.local"} {
		if strings.HasSuffix(n, suf) {
			return Private
		}
	}
	if !strings.Contains(n, ".") && n != "" {
		return Private // a single-label name resolves through the local search domain
	}
	return Public
}

// wildcardDNS finds an address embedded in a wildcard-DNS name such as
// 169.254.169.254.nip.io, 10-0-0-1.sslip.io or app-7f000001.nip.io.
func wildcardDNS(n string) (netip.Addr, bool) {
	for _, suf := range []string{".nip.io", ".sslip.io", ".xip.io", ".traefik.me", ".backname.io", ".localh.st"} {
		if !strings.HasSuffix(n, suf) {
			continue
		}
		rest := strings.TrimSuffix(n, suf)
		labels := strings.Split(rest, ".")
		for i := range labels { // dotted form: the last four labels
			if a, err := netip.ParseAddr(strings.Join(labels[i:], ".")); err == nil {
				return a, true
			}
		}
		last := labels[len(labels)-1]
		if a, err := netip.ParseAddr(strings.ReplaceAll(last, "-", ".")); err == nil {
			return a, true
		}
		parts := strings.Split(last, "-")
		tail := parts[len(parts)-1]
		if a, err := netip.ParseAddr(strings.ReplaceAll(tail, "-", ".")); err == nil {
			return a, true
		}
		if len(tail) == 8 {
			if v, err := strconv.ParseUint(tail, 16, 32); err == nil {
				return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
			}
		}
		if strings.Contains(last, "--") { // sslip.io IPv6: 2001-db8--1
			if a, err := netip.ParseAddr(strings.ReplaceAll(last, "-", ":")); err == nil {
				return a, true
			}
		}
	}
	return netip.Addr{}, false
}

// ParseIP parses an IP literal the way permissive resolvers (inet_aton,
// curl, browsers) do and names the trick used, if any.
func ParseIP(s string) (a netip.Addr, trick string, ok bool) {
	if s == "" || len(s) > 256 {
		return a, "", false
	}
	if i := strings.IndexByte(s, '%'); i >= 0 && strings.Contains(s, ":") {
		s = s[:i] // zone (%eth0, %25eth0)
	}
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return a, "", false
		}
		return unembed(a)
	}
	return parseInetAton(s)
}

func unembed(a netip.Addr) (netip.Addr, string, bool) {
	if a.Is4In6() {
		return a.Unmap(), "ipv4-mapped", true
	}
	b := a.As16()
	switch {
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && allZero(b[4:12]): // 64:ff9b::/96
		return netip.AddrFrom4([4]byte(b[12:16])), "nat64", true
	case b[0] == 0x20 && b[1] == 0x02: // 2002::/16 6to4
		return netip.AddrFrom4([4]byte(b[2:6])), "6to4", true
	case allZero(b[:12]) && !a.IsLoopback() && !a.IsUnspecified(): // deprecated IPv4-compatible ::a.b.c.d
		return netip.AddrFrom4([4]byte(b[12:16])), "ipv4-mapped", true
	}
	return a, "", true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parseInetAton accepts a, a.b, a.b.c and a.b.c.d with decimal, 0-octal and
// 0x-hex parts; the last part fills the remaining bytes.
func parseInetAton(s string) (netip.Addr, string, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, "", false
	}
	var vals [4]uint64
	trick := ""
	for i, p := range parts {
		v, base, ok := parseNum(p)
		if !ok {
			return netip.Addr{}, "", false
		}
		if base == 8 && trick == "" {
			trick = "octal"
		} else if base == 16 {
			trick = "hex"
		}
		vals[i] = v
	}
	n := len(parts)
	for i := 0; i < n-1; i++ {
		if vals[i] > 255 {
			return netip.Addr{}, "", false
		}
	}
	max := uint64(1)<<(8*(5-n)) - 1
	if vals[n-1] > max {
		return netip.Addr{}, "", false
	}
	var b [4]byte
	for i := 0; i < n-1; i++ {
		b[i] = byte(vals[i])
	}
	last := vals[n-1]
	for i := 3; i >= n-1; i-- {
		b[i] = byte(last)
		last >>= 8
	}
	if n < 4 {
		if n == 1 && trick == "" {
			trick = "decimal"
		} else if trick == "" {
			trick = "short-form"
		}
	}
	return netip.AddrFrom4(b), trick, true
}

func parseNum(p string) (uint64, int, bool) {
	if p == "" || len(p) > 34 {
		return 0, 0, false
	}
	base := 10
	digits := p
	switch {
	case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
		base, digits = 16, p[2:]
		if digits == "" {
			return 0, 16, true // "0x" is 0 for inet_aton
		}
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return 0, 0, false
	}
	return v, base, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
