// Package secrets finds credentials in text (data-loss prevention): cloud,
// VCS, chat, payment and LLM API keys, private keys, JWTs and database URLs
// with passwords. Rules are data; checksums and entropy cut false positives.
// It is pure.
package secrets

import "github.com/moat-dev/moat/internal/finding"

// Match is one secret found in a text.
type Match struct {
	RuleID      string
	Description string
	Severity    finding.Severity
	// Start and End are byte offsets of the secret value in the scanned text.
	Start, End int
	// Redacted is the value made safe to print: a few leading characters and
	// the rule id, never the whole secret.
	Redacted string
}

// Scan returns the secrets in text, ordered by offset, non-overlapping.
// Placeholder until the catalogue lands.
func Scan(text string) []Match { return nil }

// Redact returns text with every secret replaced by a typed placeholder
// "[REDACTED:<rule-id>]", and the matches.
func Redact(text string) (string, []Match) {
	ms := Scan(text)
	return text, ms
}
