package secrets

import (
	"runtime"
	"strings"
	"testing"
)

// cleanParagraph is ordinary MCP traffic: prose, a JSON schema, a URL and
// words such as token, password and secret that wake the keyword
// prefilter but hold no secret.
const cleanParagraph = `The search_issues tool finds issues and pull requests in a repository.
It returns at most 100 results per page; use the cursor to fetch more. Results
are sorted by the last update unless sort is set. See https://docs.moattest.dev/api/search
for the query syntax. The tool needs a token with read access to the repository,
configured by the server administrator; it never asks for your password.
{"type":"object","properties":{"query":{"type":"string","description":"Search query, e.g. is:open label:bug"},
"per_page":{"type":"integer","minimum":1,"maximum":100},"token_budget":{"type":"integer"}},"required":["query"]}
Output: 42 issues matched. #1287 "Crash when the config file is empty" opened by mara,
updated 2026-03-02. #1290 "Document the secret rotation procedure" opened by ibrahim.
commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904 merged into main; checksum
sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae.
`

func benchText(n int, secrets ...string) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(cleanParagraph)
	}
	s := b.String()[:n]
	if len(secrets) == 0 {
		return s
	}
	step := n / (len(secrets) + 1)
	var out strings.Builder
	last := 0
	for i, sec := range secrets {
		at := step * (i + 1)
		if j := strings.IndexByte(s[at:], '\n'); j >= 0 {
			at += j + 1
		}
		out.WriteString(s[last:at])
		out.WriteString(sec + "\n")
		last = at
	}
	out.WriteString(s[last:])
	return out.String()
}

// cpuMetric reports the calling thread's CPU time per iteration next to
// wall time (other processes on a shared machine inflate wall time).
func cpuMetric(b *testing.B, run func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := threadCPU()
	for b.Loop() {
		run()
	}
	if c := threadCPU() - c0; c > 0 {
		b.ReportMetric(float64(c.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

var sink int

// BenchmarkBaselineByteSum reads 10 KiB once, one byte at a time: the floor
// any scanner pays. Compare Scan's figures with it when the machine is busy.
func BenchmarkBaselineByteSum(b *testing.B) {
	s := benchText(10 << 10)
	b.SetBytes(int64(len(s)))
	cpuMetric(b, func() {
		n := 0
		for i := 0; i < len(s); i++ {
			n += int(s[i])
		}
		sink = n
	})
}

func BenchmarkScan(b *testing.B) {
	cases := []struct {
		name string
		text string
		want int
	}{
		{"clean-10KB", benchText(10 << 10), 0},
		{"3secrets-10KB", benchText(10<<10,
			"GITHUB_TOKEN=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",
			"DATABASE_URL=postgres://app:MtEToD4uyeti@db.internal:5432/app",
			"Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtb2F0LXRlc3QtZml4dHVyZSIsImlhdCI6MTcwMDAwMDAwMH0.NAKjKs1Pawtn3LG8Zv5Ypu8D0fzFwE7IHgYIruiqFho"), 3},
		{"200B", benchText(200), 0},
	}
	for _, tc := range cases {
		if got := len(Scan(tc.text)); got != tc.want {
			b.Fatalf("%s: %d matches, want %d: %v", tc.name, got, tc.want, Scan(tc.text))
		}
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.text)))
			b.ReportAllocs()
			cpuMetric(b, func() { Scan(tc.text) })
		})
	}
}

// BenchmarkScanAdversarial feeds 64 KiB of dense keyword patterns that
// once made scanning quadratic (every keyword re-reading a long window). Each
// must stay linear: compare ns/op with clean-10KB times 6.4.
func BenchmarkScanAdversarial(b *testing.B) {
	cases := []struct{ name, unit string }{
		{"jwt-chain", "-eyJaaaaaaaa"},
		{"pem-headers", "-----BEGIN RSA PRIVATE KEY-----!"},
		{"gcp-private-key", `"private_key": "-----BEGIN PRIVATE KEY-----`},
		{"aws-ids", "AKIAAAAAAAAAAAAAAAAA "},
		{"sk-chain", "sk-"},
		{"password-assign", "password="},
		{"db-url", "postgres://u:p@"},
	}
	for _, tc := range cases {
		text := strings.Repeat(tc.unit, (64<<10)/len(tc.unit))
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			cpuMetric(b, func() { Scan(text) })
		})
	}
}
