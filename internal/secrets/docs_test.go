package secrets

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files (docs/rules-secrets.md)")

const docsPath = "../../docs/rules-secrets.md"

// TestDocsTable keeps docs/rules-secrets.md in step with the catalogue.
// Run `go test ./internal/secrets -run TestDocsTable -update` after
// changing rules.yaml.
func TestDocsTable(t *testing.T) {
	want := docsMarkdown()
	if *update {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("read %s: %v (run with -update to create it)", docsPath, err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: run go test ./internal/secrets -run TestDocsTable -update", docsPath)
	}
}

func docsMarkdown() string {
	var b strings.Builder
	b.WriteString(`## Secrets (DLP)

moat looks for credentials in every text it inspects: tool descriptions and
schemas, tool results, tool-call arguments and configuration values. A secret
in a tool result is a secret the model (and whoever controls the next tool
call) can now read and send elsewhere.

How a secret is recognised:

- **Keywords first.** Each rule names literal keywords (ghp_, AKIA,
  -----BEGIN, password…). One pass over the text finds every keyword; a rule's
  pattern runs only where one of its keywords occurs, anchored there.
- **Checksums.** GitHub and npm tokens carry a CRC-32 checksum; a token whose
  checksum verifies is reported as critical, a token-shaped string whose
  checksum fails is reported separately at medium.
- **Placeholders are not secrets.** Values such as ` + "`xxxx`, `<your-key>`, `YOUR_API_KEY`, `sk-...`, `${VAR}`, `$ENV`, `process.env.X`" + `,
  words like example, dummy or changeme, repeated or sequential characters,
  hashes (hex digests, git SHAs, ` + "`sha512-…`" + ` integrity strings), UUIDs,
  base64 of ordinary text, public keys and certificates are skipped.
- **Entropy.** Generic assignments (` + "`password=`, `api_key:`, `secret =`" + `) are
  reported only when the value looks random enough, and at medium severity.

A finding never shows the secret: evidence keeps at most four leading
characters, e.g. ` + "`ghp_…[REDACTED:secret-github-token]`" + `, and redaction replaces the
value with ` + "`[REDACTED:<rule-id>]`" + `. For private keys the header line stays and
the key body is replaced.

When two rules claim the same text, the one listed first wins.

| id | severity | what it finds |
|---|---|---|
`)
	for _, r := range Catalogue() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.ID, r.Severity, strings.ReplaceAll(r.Description, "|", `\|`))
	}
	b.WriteString("\nThe rules live in `internal/secrets/rules.yaml`; each carries examples that must and must not match, and the test suite runs them all.\n")
	return b.String()
}
