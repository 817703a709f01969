package secrets

import (
	"strings"
	"testing"
)

func FuzzScan(f *testing.F) {
	for _, info := range Catalogue() {
		for _, ex := range info.Examples.Match {
			f.Add(ex)
		}
		for _, ex := range info.Examples.NoMatch {
			f.Add(ex)
		}
	}
	f.Add(benchText(600, "GITHUB_TOKEN=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"))
	f.Add("-----BEGIN RSA PRIVATE KEY-----")
	f.Add("-----BEGIN PRIVATE KEY-----\\n\\n\\n-----END")
	f.Add("password=password=password=Mt!u8URBfT5MISiz")
	f.Add("postgres://a:b@c postgres://:Mt!u8URBfT5MISiz@d")
	f.Add("eyJ.eyJ.eyJ")
	f.Add("\xffsk-\xfe" + strings.Repeat("A", 40))
	f.Fuzz(func(t *testing.T, text string) {
		ms := Scan(text)
		checkSpans(t, text, ms)
		for _, m := range ms {
			if m.RuleID == "" || !strings.Contains(m.Redacted, "[REDACTED:"+m.RuleID+"]") {
				t.Fatalf("bad match %+v", m)
			}
			if v := text[m.Start:m.End]; len(v) >= 8 && strings.Contains(m.Redacted, v) {
				t.Fatalf("Redacted %q shows the value", m.Redacted)
			}
		}
		out, rms := Redact(text)
		if len(rms) != len(ms) {
			t.Fatalf("Redact found %d matches, Scan %d", len(rms), len(ms))
		}
		for _, m := range ms {
			if v := text[m.Start:m.End]; len(v) >= 8 && strings.Contains(out, v) {
				t.Fatalf("Redact output still contains %q:\n%q", v, out)
			}
		}
	})
}
