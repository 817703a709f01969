package run

import (
	"testing"
)

func TestParseSize(t *testing.T) {
	cases := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"16MiB", 16 << 20, false},
		{"512KiB", 512 << 10, false},
		{"64MB", 64 << 20, false},
		{"1000", 1000, false},
		{"2GiB", 0, true},
		{"0", 0, true},
		{"-1MiB", 0, true},
		{"lots", 0, true},
	}
	for _, tc := range cases {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v", tc.in, got, err)
		}
	}
}

func TestParseHeaders(t *testing.T) {
	h, err := parseHeaders([]string{"Authorization=Bearer a=b", "X-Trace: 1"})
	if err != nil || h.Get("Authorization") != "Bearer a=b" || h.Get("X-Trace") != "1" {
		t.Fatalf("parseHeaders = %v, %v", h, err)
	}
	for _, bad := range []string{"novalue", "=x", "X Y=1", "X=a\r\nInjected: 1"} {
		if _, err := parseHeaders([]string{bad}); err == nil {
			t.Errorf("parseHeaders(%q) accepted", bad)
		}
	}
}

func TestServerName(t *testing.T) {
	cases := []struct {
		o    options
		args []string
		want string
	}{
		{options{name: "x"}, []string{"/usr/bin/node"}, "x"},
		{options{url: "https://mcp.example.com:8443/mcp"}, nil, "mcp.example.com"},
		{options{}, []string{"/usr/bin/node", "server.js"}, "node"},
	}
	for _, tc := range cases {
		if got := serverName(&tc.o, tc.args); got != tc.want {
			t.Errorf("serverName(%+v, %v) = %q, want %q", tc.o, tc.args, got, tc.want)
		}
	}
}
