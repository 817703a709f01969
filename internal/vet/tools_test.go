package vet

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseToolListing(t *testing.T) {
	want := []Tool{{Name: "read_file", Description: "Read a file", Annotations: map[string]bool{"readOnlyHint": true}}}
	for _, in := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"read_file","description":"Read a file","inputSchema":{},"annotations":{"readOnlyHint":true,"destructiveHint":false}}]}}`,
		`{"tools":[{"name":"read_file","description":"Read a file","annotations":{"readOnlyHint":true}}]}`,
		`[{"name":"read_file","description":"Read a file","annotations":{"readOnlyHint":true}}]`,
	} {
		got, err := ParseToolListing([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", in, diff)
		}
	}
	for _, bad := range []string{``, `{}`, `{"tools":[{"description":"x"}]}`, `{"tools":[],"tools":[]}`, `{"Tools":[]}`} {
		if _, err := ParseToolListing([]byte(bad)); err == nil {
			t.Errorf("ParseToolListing(%q) accepted", bad)
		}
	}
}

func FuzzParseToolListing(f *testing.F) {
	for _, s := range []string{`{"result":{"tools":[{"name":"a","annotations":{"x":true}}]}}`, `[{"name":"a"}]`, `{"tools":null}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tools, err := ParseToolListing(b)
		if err == nil {
			Touches(tools)
		}
	})
}
