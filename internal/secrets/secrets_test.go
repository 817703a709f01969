package secrets

import (
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/finding"
)

// Guard-style synthetic leaks: each must be found under the given rule and
// its value must not survive Redact.
func TestScanFindsLeaks(t *testing.T) {
	tests := []struct {
		name, text, rule, value string
	}{
		{
			name:  "github pat in a sentence",
			text:  "Sure! I used the token 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 to push the branch.",
			rule:  "secret-github-token",
			value: "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",
		},
		{
			name: "pem private key in a tool result",
			text: `{"content":[{"type":"text","text":"cat ~/.ssh/id_rsa\n-----BEGIN OPENSSH PRIVATE KEY-----\n` +
				`jmAIDdN87xg3/Q/XBmTepo6uKZyUf0IE9pU2NJhKaM1/5WdR16ePlljivghZ4fXf\n` +
				`eTkYpIygfdM7ENA8d5vFldPGYYJvW5hANsbEvrSFagEaBp0vXnJaE/9I0MyTLUyi\n-----END OPENSSH PRIVATE KEY-----\n"}]}`,
			rule:  "secret-private-key",
			value: `jmAIDdN87xg3/Q/XBmTepo6uKZyUf0IE9pU2NJhKaM1/5WdR16ePlljivghZ4fXf\neTkYpIygfdM7ENA8d5vFldPGYYJvW5hANsbEvrSFagEaBp0vXnJaE/9I0MyTLUyi`,
		},
		{
			name: "aws key pair in an env dump",
			text: "HOME=/home/moat\nAWS_ACCESS_KEY_ID=AKIAMOATTESTFIXTURE2\n" +
				"AWS_SECRET_ACCESS_KEY=MoatTestpTyGJMuHbEL31IeL2HPcHyGcFRl1SPnX\nPATH=/usr/bin\n",
			rule:  "secret-aws-key-pair",
			value: "MoatTestpTyGJMuHbEL31IeL2HPcHyGcFRl1SPnX",
		},
		{
			name:  "aws access key id in the same env dump",
			text:  "AWS_ACCESS_KEY_ID=AKIAMOATTESTFIXTURE2\nAWS_SECRET_ACCESS_KEY=MoatTestpTyGJMuHbEL31IeL2HPcHyGcFRl1SPnX\n",
			rule:  "secret-aws-access-key-id",
			value: "AKIAMOATTESTFIXTURE2",
		},
		{
			name:  "postgres url with password",
			text:  `{"env": {"DATABASE_URL": "postgresql://billing:MtEToD4uyeti@pg.moattest.internal:5432/billing?sslmode=require"}}`,
			rule:  "secret-database-url",
			value: "MtEToD4uyeti",
		},
		{
			name: "jwt in an http header dump",
			text: "GET /v1/me HTTP/1.1\r\nHost: api.moattest.dev\r\nAuthorization: Bearer " +
				"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtb2F0LXRlc3QtZml4dHVyZSIsImlhdCI6MTcwMDAwMDAwMH0.NAKjKs1Pawtn3LG8Zv5Ypu8D0fzFwE7IHgYIruiqFho\r\nAccept: */*\r\n",
			rule:  "secret-jwt",
			value: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtb2F0LXRlc3QtZml4dHVyZSIsImlhdCI6MTcwMDAwMDAwMH0.NAKjKs1Pawtn3LG8Zv5Ypu8D0fzFwE7IHgYIruiqFho",
		},
		{
			name:  "npm token in npmrc",
			text:  "//registry.npmjs.org/:_authToken=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\n",
			rule:  "secret-npm-token",
			value: "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",
		},
		{
			name:  "json-escaped pem",
			text:  `"key": "-----BEGIN EC PRIVATE KEY-----\nTfYFEpPx6n1nf2xv54WCA+7e56W8zNIQt3uL4FFQKoKGwRDIOYQ+kVcIsgUpj6Sg\n9aheovEZXzUjpwVhOGu5NgyvhwvSuqK4dWGlgnoAEcTl31uGQ+dFCGAtmNtc0mRa\n-----END EC PRIVATE KEY-----\n"`,
			rule:  "secret-private-key",
			value: `TfYFEpPx6n1nf2xv54WCA+7e56W8zNIQt3uL4FFQKoKGwRDIOYQ+kVcIsgUpj6Sg\n9aheovEZXzUjpwVhOGu5NgyvhwvSuqK4dWGlgnoAEcTl31uGQ+dFCGAtmNtc0mRa`,
		},
		{
			name:  "token after an escaped newline in raw JSON",
			text:  `{"text":"CI variables:\nGITHUB=\n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\n"}`,
			rule:  "secret-github-token",
			value: "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",
		},
		{
			name:  "truncated pem still leaks",
			text:  "-----BEGIN RSA PRIVATE KEY-----\njmAIDdN87xg3/Q/XBmTepo6uKZyUf0IE9pU2NJhKaM1/5WdR16ePlljivghZ4fXf\neTkYpIygfdM7ENA8d5vFldPGYYJvW5hANsbEvrSFagEaBp0vXnJaE/9I0MyTLUyi",
			rule:  "secret-private-key",
			value: "jmAIDdN87xg3/Q/XBmTepo6uKZyUf0IE9pU2NJhKaM1/5WdR16ePlljivghZ4fXf\neTkYpIygfdM7ENA8d5vFldPGYYJvW5hANsbEvrSFagEaBp0vXnJaE/9I0MyTLUyi",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms := Scan(tc.text)
			var got *Match
			for i := range ms {
				if ms[i].RuleID == tc.rule {
					got = &ms[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s in %v", tc.rule, ids(ms))
			}
			if v := tc.text[got.Start:got.End]; v != tc.value {
				t.Errorf("value = %q, want %q", v, tc.value)
			}
			if got.Severity < finding.High {
				t.Errorf("severity %v, want at least high", got.Severity)
			}
			if !strings.HasSuffix(got.Redacted, "…[REDACTED:"+tc.rule+"]") || strings.Contains(got.Redacted, tc.value) {
				t.Errorf("Redacted = %q", got.Redacted)
			}
			red, _ := Redact(tc.text)
			if strings.Contains(red, tc.value) || !strings.Contains(red, "[REDACTED:"+tc.rule+"]") {
				t.Errorf("Redact left the value or lacks the marker:\n%s", red)
			}
		})
	}
}

// Look-alikes that are not secrets.
func TestScanIgnoresLookAlikes(t *testing.T) {
	benign := []string{
		"commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904 (HEAD -> main)",
		"git checkout 9fceb02d0ae598e95dc970b74767f19372d61af8",
		"request id 123e4567-e89b-12d3-a456-426614174000",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"digest: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"md5 d41d8cd98f00b204e9800998ecf8427e",
		`"integrity": "sha512-Rq2sBqWkCnzpD0b4lBv1tOAWZSOl8mOnl8k5tSNb0kgNv9JMmWJnK1jWqQ4k07J6ohdn1m9x1dQAf4K+Xy5fYg=="`,
		"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC7moatTESTfixtureNOTaKEYq2f3S6xw0c8DJz5Wl2n9d moat@laptop",
		"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmoatTESTfixtureNOTaKEYq2f3S6xw0c8DJz5Wl2n9dAbCdEfGh\n-----END PUBLIC KEY-----",
		"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUmoatTESTfixtureNOTaKEYq2f3S6xw0c8DJz5Wl2n9dAbCdEfGhiJkLmNoPq\n-----END CERTIFICATE-----",
		"OPENAI_API_KEY=sk-xxxxxxxx",
		"OPENAI_API_KEY=sk-...",
		"export OPENAI_API_KEY=<your-key>",
		"GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
		"api_key: YOUR_API_KEY",
		"token: ${GITHUB_TOKEN}",
		"password: $DB_PASSWORD",
		"const key = process.env.OPENAI_API_KEY",
		"secret = example-secret-value-1234",
		"password = dummy-password-for-tests",
		"DB_PASSWORD=changeme",
		"api_key=aaaaaaaaaaaaaaaaaaaaaaaa",
		"api_key=abcdef123456abcdef",
		"token = VGhpcyBpcyBqdXN0IGFuIG9yZGluYXJ5IEVuZ2xpc2ggc2VudGVuY2Uu",
		"postgres://user:${DB_PASSWORD}@localhost:5432/app",
		"postgres://admin:$PGPASSWORD@db/app",
		"mysql://root:password@127.0.0.1/test",
		"The tool needs a token with read access; it never asks for your password.",
		`{"token": {"type": "string", "description": "GitHub token with repo scope"}}`,
		"max_tokens: 4096, temperature: 0.2",
		"sk-learn is a machine learning library",
		"eyJhbGciOiJIUzI1NiJ9 is just a header",
		`{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example"}`,
		"Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW",
	}
	for _, text := range benign {
		if ms := Scan(text); len(ms) > 0 {
			t.Errorf("false positive %v in %q", ids(ms), text)
		}
	}
}

func TestScanSeverities(t *testing.T) {
	body := "\njmAIDdN87xg3/Q/XBmTepo6uKZyUf0IE9pU2NJhKaM1/5WdR16ePlljivghZ4fXf\neTkYpIygfdM7ENA8d5vFldPGYYJvW5hANsbEvrSFagEaBp0vXnJaE/9I0MyTLUyi\n"
	tests := []struct {
		text, rule string
		sev        finding.Severity
	}{
		{"-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: Moat 1\n" + body + "-----END PGP PRIVATE KEY BLOCK-----", "secret-private-key", finding.Critical},
		{"-----BEGIN DSA PRIVATE KEY-----" + body + "-----END DSA PRIVATE KEY-----", "secret-private-key", finding.Critical},
		{"-----BEGIN EC PRIVATE KEY-----" + body + "-----END EC PRIVATE KEY-----", "secret-private-key", finding.Critical},
		{"-----BEGIN PRIVATE KEY-----" + body + "-----END PRIVATE KEY-----", "secret-private-key", finding.Critical},
		{"-----BEGIN ENCRYPTED PRIVATE KEY-----" + body + "-----END ENCRYPTED PRIVATE KEY-----", "secret-private-key-encrypted", finding.High},
		{"sk_live_MoatTestSg9EH6yO4GFQRC5xLRwI0b26", "secret-stripe-live-key", finding.Critical},
		{"sk_test_MoatTestr08QZJi6gkfsUFRDzsLb5ER8", "secret-stripe-test-key", finding.Low},
		{"amqps://moat:MtEToD4uyeti@rabbit.moattest.dev:5671/vhost", "secret-database-url", finding.High},
		{"rediss://default:MtEToD4uyeti@cache.moattest.dev:6380", "secret-database-url", finding.High},
		{"mysql://moat:MtEToD4uyeti@10.0.0.5:3306/shop", "secret-database-url", finding.High},
		{"ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "secret-github-token-unverified", finding.Medium},
		{"curl -H 'Authorization: token MoatTestDiBZLPKD6xGAnjq8MJaMhmpgppa0nLgT'", "secret-authorization-header", finding.Medium},
	}
	for _, tc := range tests {
		ms := Scan(tc.text)
		if len(ms) != 1 || ms[0].RuleID != tc.rule || ms[0].Severity != tc.sev {
			t.Errorf("Scan(%.40q…) = %v, want one %s at %v", tc.text, ms, tc.rule, tc.sev)
		}
	}
}

func TestScanOrderAndOverlap(t *testing.T) {
	text := "a=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 b=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 " +
		"GITHUB_TOKEN=ghs_MoatTestFixture0NotARealToken30tMqv2"
	ms := Scan(text)
	want := []string{"secret-github-token", "secret-npm-token", "secret-github-token"}
	if got := ids(ms); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("rules = %v, want %v", got, want)
	}
	checkSpans(t, text, ms)
}

func TestRedact(t *testing.T) {
	text := "first 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, again: 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."
	got, ms := Redact(text)
	want := "first [REDACTED:secret-github-token], again: [REDACTED:secret-github-token]."
	if got != want || len(ms) != 2 {
		t.Fatalf("Redact = %q (%d matches), want %q", got, len(ms), want)
	}
	if got, ms := Redact("nothing here"); got != "nothing here" || ms != nil {
		t.Fatalf("Redact of clean text = %q, %v", got, ms)
	}
	// A value found in context is also removed where it appears bare.
	text = "DB_PASSWORD=Mt!u8URBfT5MISiz\necho Mt!u8URBfT5MISiz"
	if got, _ := Redact(text); strings.Contains(got, "Mt!u8URBfT5MISiz") {
		t.Fatalf("bare copy survived: %q", got)
	}
}

func TestRedactedForm(t *testing.T) {
	tests := []struct{ value, want string }{
		{"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", "ghp_…[REDACTED:r]"},
		{"abcdefgh", "ab…[REDACTED:r]"},
		{"abc", "…[REDACTED:r]"},
		{"é1234567", "…[REDACTED:r]"},
	}
	for _, tc := range tests {
		if got := redactedForm(tc.value, "r"); got != tc.want {
			t.Errorf("redactedForm(%q) = %q, want %q", tc.value, got, tc.want)
		}
	}
}

func TestValidators(t *testing.T) {
	if !base62CRCValid("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") || base62CRCValid("ghp_MoatTestFixture0NotARealToken144yJTR") {
		t.Error("github checksum")
	}
	if base62CRCValid("ghp_short") || base62CRCValid("nounderscore") || base62CRCValid("ghp_MoatTestFixture0NotARealToken144yJ!Q") {
		t.Error("malformed tokens must fail the checksum")
	}
	placeholders := []string{"xxxxxxxx", "<your-key>", "YOUR_API_KEY", "${VAR}", "$ENV", "process.env.X", "example123",
		"dummy-value", "changeme", "aaaaaaaa", "abcdef123456", "1234567890", "sk-..."}
	for _, p := range placeholders {
		if !isPlaceholder(p) {
			t.Errorf("isPlaceholder(%q) = false", p)
		}
	}
	for _, v := range []string{"MoatTestpTyGJMuHbEL31IeL2HPcHyGcFRl1SPnX", "Mt!u8URBfT5MISiz", "MtEToD4uyeti"} {
		if isPlaceholder(v) {
			t.Errorf("isPlaceholder(%q) = true", v)
		}
	}
	if !looksLikeHash("d41d8cd98f00b204e9800998ecf8427e") || !looksLikeHash("123e4567-e89b-12d3-a456-426614174000") ||
		looksLikeHash("MoatTestpTyGJMuHbEL31IeL2HPcHyGcFRl1SPnX") {
		t.Error("looksLikeHash")
	}
	if e := entropy("aaaa"); e != 0 {
		t.Errorf("entropy(aaaa) = %v", e)
	}
	if e := entropy("abcd"); e != 2 {
		t.Errorf("entropy(abcd) = %v", e)
	}
}

func checkSpans(t *testing.T, text string, ms []Match) {
	t.Helper()
	last := 0
	for _, m := range ms {
		if m.Start < last || m.End <= m.Start || m.End > len(text) {
			t.Fatalf("bad span [%d,%d) after %d in text of %d bytes", m.Start, m.End, last, len(text))
		}
		last = m.End
	}
}
