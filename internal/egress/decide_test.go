package egress

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// fakeResolver maps names to answers; anything else fails. Tests never
// resolve through the real DNS.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	as, ok := f[host]
	if !ok {
		return nil, errors.New("no such host (fake resolver)")
	}
	var out []netip.Addr
	for _, a := range as {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func mustPolicy(t testing.TB, hosts, cidrs []string) *Policy {
	t.Helper()
	p := &Policy{}
	for _, h := range hosts {
		r, err := ParseRule(h)
		if err != nil {
			t.Fatal(err)
		}
		p.Hosts = append(p.Hosts, r)
	}
	for _, c := range cidrs {
		pr, err := ParseCIDR(c)
		if err != nil {
			t.Fatal(err)
		}
		p.CIDRs = append(p.CIDRs, pr)
	}
	return p
}

func TestDecide(t *testing.T) {
	res := fakeResolver{
		"api.example.com":          {"93.184.216.34"},
		"docs.example.com":         {"93.184.216.35", "2606:2800:220:1::1"},
		"rebind.example.com":       {"93.184.216.34", "127.0.0.1"},
		"meta.example.com":         {"169.254.169.254"},
		"meta6.example.com":        {"fd00:ec2::254"},
		"ali.example.com":          {"100.100.100.200"},
		"lan.example.com":          {"192.168.1.10"},
		"cgnat.example.com":        {"100.64.1.1"},
		"ula.example.com":          {"fd12:3456::1"},
		"nat64.example.com":        {"64:ff9b::a9fe:a9fe"},
		"mapped.example.com":       {"::ffff:10.0.0.1"},
		"local.example.com":        {"127.0.0.1"},
		"allowed-lo.test":          {"127.0.0.1"},
		"zero.example.com":         {"0.0.0.0"},
		"v6ll.example.com":         {"fe80::1"},
		"multicast.example.com":    {"224.0.0.1"},
		"metadata.google.internal": {"8.8.8.8"}, // the name alone decides
	}
	pol := mustPolicy(t, []string{"api.example.com", "*.example.com", "127.0.0.1:8080", "allowed-lo.test:9000",
		"metadata.example.org", "127.0.0.2:*"}, nil)
	polAny := mustPolicy(t, []string{"*"}, nil)
	pol2 := mustPolicy(t, []string{"allowed-lo.test:9000", "lan.example.com"}, []string{"127.0.0.1/32", "192.168.1.0/24"})
	tests := []struct {
		name  string
		pol   *Policy
		host  string
		port  int
		allow bool
		class string
		want  string // substring of the reason
	}{
		{"exact name, https", pol, "api.example.com", 443, true, "", "api.example.com"},
		{"wildcard subdomain", pol, "docs.example.com", 443, true, "", "*.example.com"},
		{"wildcard excludes apex", pol, "example.com", 443, false, "", "not in the sandbox"},
		{"default ports only", pol, "api.example.com", 22, false, "", "not in the sandbox"},
		{"unknown host", pol, "evil.test", 443, false, "", "not in the sandbox"},
		{"rebinding answer set", pol, "rebind.example.com", 443, false, "loopback", "127.0.0.1"},
		{"name to metadata v4", pol, "meta.example.com", 443, false, "metadata", "always blocked"},
		{"name to metadata v6", pol, "meta6.example.com", 443, false, "metadata", "always blocked"},
		{"name to alibaba metadata", pol, "ali.example.com", 443, false, "metadata", "always blocked"},
		{"name to private", pol, "lan.example.com", 443, false, "private", "--allow-cidr"},
		{"name to cgnat", pol, "cgnat.example.com", 443, false, "private", "--allow-cidr"},
		{"name to ula", pol, "ula.example.com", 443, false, "private", "--allow-cidr"},
		{"name to nat64 metadata", pol, "nat64.example.com", 443, false, "metadata", "always blocked"},
		{"name to mapped private", pol, "mapped.example.com", 443, false, "private", "--allow-cidr"},
		{"name to loopback not allowed", pol, "local.example.com", 443, false, "loopback", "--allow-cidr"},
		{"name to unspecified", pol, "zero.example.com", 443, false, "unspecified", "always blocked"},
		{"name to v6 link-local", pol, "v6ll.example.com", 443, false, "link-local", "always blocked"},
		{"name to multicast", pol, "multicast.example.com", 443, false, "link-local", "always blocked"},
		{"allowed loopback literal", pol, "127.0.0.1", 8080, true, "", "127.0.0.1:8080"},
		{"loopback literal other port", pol, "127.0.0.1", 8081, false, "loopback", "not in the sandbox"},
		{"loopback literal trick", pol, "2130706433", 8080, true, "", "127.0.0.1:8080"},
		{"loopback any port", pol, "127.0.0.2", 1234, true, "", "127.0.0.2:*"},
		{"name to allowed loopback without cidr", pol, "allowed-lo.test", 9000, false, "loopback", "--allow-cidr"},
		{"name to allowed loopback with cidr", pol2, "allowed-lo.test", 9000, true, "", "allowed-lo.test:9000"},
		{"private with cidr", pol2, "lan.example.com", 80, true, "", "lan.example.com"},
		{"cidr literal", pol2, "192.168.1.7", 5432, true, "", "cidr"},
		{"cidr literal outside", pol2, "192.168.2.7", 5432, false, "private", "not in the sandbox"},
		{"metadata literal", pol2, "169.254.169.254", 80, false, "metadata", "always blocked"},
		{"metadata literal decimal", pol2, "2852039166", 80, false, "metadata", "always blocked"},
		{"metadata name", pol, "metadata.google.internal", 80, false, "metadata", "always blocked"},
		{"metadata wildcard dns", pol, "169.254.169.254.nip.io", 80, false, "metadata", "always blocked"},
		{"localhost name", pol, "localhost", 8080, false, "loopback", "not in the sandbox"},
		{"bad port", pol, "api.example.com", 0, false, "", "out of range"},
		{"empty", pol, "", 443, false, "", "empty host"},
		{"unresolvable allowed name", pol, "nx.example.com", 443, false, "", "resolving"},
		{"any public name", polAny, "api.example.com", 443, true, "", "*"},
		{"any: public literal", polAny, "93.184.216.34", 443, true, "", "*"},
		{"any: private literal", polAny, "10.0.0.1", 443, false, "private", "--allow-cidr"},
		{"any: loopback name", polAny, "local.example.com", 443, false, "loopback", "--allow-cidr"},
		{"any: metadata name", polAny, "meta.example.com", 80, false, "metadata", "always blocked"},
		{"any: other port", polAny, "api.example.com", 8443, false, "", "not in the sandbox"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.pol.Decide(context.Background(), res, tc.host, tc.port)
			if d.Allow != tc.allow || d.Class != tc.class || !strings.Contains(d.Reason, tc.want) {
				t.Fatalf("Decide(%s:%d) = allow %v class %q reason %q; want allow %v class %q reason ~%q",
					tc.host, tc.port, d.Allow, d.Class, d.Reason, tc.allow, tc.class, tc.want)
			}
			if d.Allow {
				for _, ap := range d.Dial {
					if !containsAddr(d.Addrs, ap.Addr()) {
						t.Fatalf("dial target %s was not among the checked addresses %v", ap, d.Addrs)
					}
				}
			} else if len(d.Dial) != 0 {
				t.Fatalf("denied decision carries dial targets %v", d.Dial)
			}
		})
	}
}

func containsAddr(as []netip.Addr, a netip.Addr) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

func TestParseRule(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "Example.COM.", want: "example.com"},
		{in: "*.example.com", want: "*.example.com"},
		{in: "example.com:8443", want: "example.com:8443"},
		{in: "example.com:*", want: "example.com:*"},
		{in: "127.0.0.1:8080", want: "127.0.0.1:8080"},
		{in: "[::1]:8080", want: "[::1]:8080"},
		{in: "::1", want: "[::1]"},
		{in: "169.254.169.254", bad: true},
		{in: "fd00:ec2::254", bad: true},
		{in: "metadata.google.internal", bad: true},
		{in: "0.0.0.0:80", bad: true},
		{in: "2130706433", bad: true},
		{in: "*.com", bad: true},
		{in: "*", want: "*"},
		{in: "*:8080", want: "*:8080"},
		{in: "*.*", bad: true},
		{in: "exa mple.com", bad: true},
		{in: "example.com:0", bad: true},
		{in: "example.com:70000", bad: true},
		{in: "", bad: true},
		{in: "[::1", bad: true},
	}
	for _, tc := range tests {
		r, err := ParseRule(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("ParseRule(%q) error = %v, want bad=%v", tc.in, err, tc.bad)
			continue
		}
		if !tc.bad && r.String() != tc.want {
			t.Errorf("ParseRule(%q) = %q, want %q", tc.in, r.String(), tc.want)
		}
	}
}

func TestParseCIDR(t *testing.T) {
	for _, tc := range []struct {
		in  string
		bad bool
	}{
		{"127.0.0.1/32", false}, {"10.0.0.0/8", false}, {"127.0.0.1", false}, {"fd12::/48", false},
		{"0.0.0.0/0", true}, {"::/0", true}, {"169.254.0.0/16", true}, {"fe80::/10", true}, {"nonsense", true},
	} {
		if _, err := ParseCIDR(tc.in); (err != nil) != tc.bad {
			t.Errorf("ParseCIDR(%q) error = %v, want bad=%v", tc.in, err, tc.bad)
		}
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"example.com", "*.a.b", "[::1]:80", "127.0.0.1:*", "x:0", "[", "*.", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			return
		}
		again, err := ParseRule(r.String())
		if err != nil || again.String() != r.String() {
			t.Fatalf("ParseRule(%q).String() = %q does not round-trip: %v", s, r.String(), err)
		}
		if r.Addr.IsValid() && alwaysBlocked(r.Addr) {
			t.Fatalf("ParseRule(%q) accepted an always-blocked address", s)
		}
	})
}

// FuzzDecide: whatever the host string, an allowed decision never dials an
// always-blocked address, and never an internal one the policy did not
// allow explicitly.
func FuzzDecide(f *testing.F) {
	for _, s := range []string{"api.example.com", "169.254.169.254", "2852039166", "[::ffff:a9fe:a9fe]", "0x7f.1",
		"metadata.google.internal.", "127.0.0.1", "10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "ｌｏｃａｌｈｏｓｔ", "a.nip.io"} {
		f.Add(s, uint16(443))
	}
	res := fakeResolver{"api.example.com": {"93.184.216.34"}, "x.example.com": {"10.1.1.1", "93.184.216.34"}}
	pol := mustPolicy(f, []string{"*", "*:*", "127.0.0.1:8080"}, []string{"10.1.0.0/16"})
	f.Fuzz(func(t *testing.T, host string, port uint16) {
		d := pol.Decide(context.Background(), res, host, int(port))
		if !d.Allow {
			return
		}
		for _, ap := range d.Dial {
			a := ap.Addr()
			for _, x := range embedded(a) {
				if alwaysBlocked(x) {
					t.Fatalf("Decide(%q) allowed always-blocked %s", host, a)
				}
			}
			if c := ClassOf(a); c != "public" && !pol.cidrAllows(a) && a.String() != "127.0.0.1" {
				t.Fatalf("Decide(%q) allowed %s address %s without an explicit allowance", host, c, a)
			}
		}
	})
}
