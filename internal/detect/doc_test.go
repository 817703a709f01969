package detect

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md from the rule catalogue")

// TestRulesDoc keeps docs/rules.md in sync with the catalogue; run
// `go test ./internal/detect -run TestRulesDoc -update` after editing rules.
func TestRulesDoc(t *testing.T) {
	got := rulesMarkdown(mustEngine(t))
	path := filepath.Join("..", "..", "docs", "rules.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run with -update to create it)", path, err)
	}
	if string(want) != got {
		t.Errorf("%s is out of date: run go test ./internal/detect -run TestRulesDoc -update", path)
	}
}

func rulesMarkdown(e *Engine) string {
	var b strings.Builder
	b.WriteString(`# Inspection rules

<!-- Generated from internal/detect/rules/*.yaml by TestRulesDoc; do not edit by hand. -->

moat's inspection engine reads every text a model can see — tool names, titles,
descriptions, every string in input and output schemas (property names,
descriptions, defaults, enums, examples, patterns), annotations, server
instructions, prompt and resource metadata (**definitions**), and tool
results, resource contents, prompt messages, sampling and elicitation
requests (**outputs**). Secrets are found by the DLP catalogue described in
[rules-secrets.md](rules-secrets.md); they are reported in the same scan.

How a rule matches:

- Text is normalized first: hidden characters are stripped and recorded,
  NFKC is applied, letters are lower-cased, accents removed, common
  look-alike letters mapped to Latin and whitespace collapsed. Names are split
  into words (` + "`contentFromReadingSshIdRsa`" + ` → "content from reading ssh id rsa").
- One Aho–Corasick pass over the folded text finds every phrase of every rule;
  only rules whose phrase groups all occur are evaluated.
- A rule is a set of phrase groups that must all occur within a window of
  bytes (optionally in order, within one sentence), not right after a negation
  ("never reads ~/.ssh/id_rsa" does not match), plus a few named structural
  features (segment start, first or last line of a document, parameter name).
- Text that is quoted, inside a code fence or in a paragraph that explains
  attacks is reported at low severity instead (an article quoting
  "ignore previous instructions" is not an attack).
- Phrase lists cover English, Spanish, French, German and Chinese.
- Tool-poisoning and prompt-injection rules report ` + "`tool-poisoning`" + ` in
  definitions and ` + "`prompt-injection`" + ` in outputs.
- Hidden text that can be decoded (Unicode Tag characters, HTML comments,
  concealed ANSI text, base64/hex/percent payloads) is scanned again; an
  instruction found there is reported as ` + "`hidden-instruction`" + ` and raises
  the hidden-content finding to at least high.
- At most the first MiB of each text is scanned (` + "`scan-truncated`" + ` says so).

Disable a rule by id with ` + "`detect.Options{Disabled: [...]}`" + ` (and the
corresponding configuration of each command).

Every rule carries its own true and false examples, run by ` + "`TestRuleExamples`" + `.
Our own attack and hard-negative sentences per family and language live in
` + "`internal/detect/testdata/families/`" + ` (` + "`TestFamilies`" + `). Recall and
false-positive rates on the public data sets are printed by ` + "`make eval`" + `.

`)
	sections := []struct{ cat, title string }{
		{"tool-poisoning", "Tool poisoning"},
		{"prompt-injection", "Prompt injection"},
		{"hidden-content", "Hidden content"},
	}
	for _, sec := range sections {
		fmt.Fprintf(&b, "## %s\n\n| id | severity | contexts | what it catches |\n|---|---|---|---|\n", sec.title)
		for _, r := range e.Rules() {
			if r.Category != sec.cat {
				continue
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.ID, severityText(r), contextsText(r), mdCell(r.Description))
		}
		b.WriteString("\n")
		for _, r := range e.Rules() {
			if r.Category != sec.cat {
				continue
			}
			fmt.Fprintf(&b, "### `%s`\n\n%s\n\n", r.ID, r.Description)
			if len(r.Examples.Match) > 0 {
				fmt.Fprintf(&b, "- Example: `%s`\n", mdCode(r.Examples.Match[0]))
			}
			if len(r.Examples.Nomatch) > 0 {
				fmt.Fprintf(&b, "- Not matched: `%s`\n", mdCode(r.Examples.Nomatch[0]))
			}
			fmt.Fprintf(&b, "- Fix: %s\n\n", r.Fix)
		}
	}
	return b.String()
}

func severityText(r *Rule) string {
	s := r.Severity.String()
	for _, c := range []Context{Definition, Output, Input} {
		if v, ok := r.sevIn[c]; ok {
			s += fmt.Sprintf(" (%s in %s)", v, c)
		}
	}
	return s
}

func contextsText(r *Rule) string {
	var cs []string
	for _, c := range r.Contexts {
		cs = append(cs, c.String())
	}
	return strings.Join(cs, ", ")
}

func mdCell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }

func mdCode(s string) string {
	s = strings.ReplaceAll(clip(s, 200), "`", "'")
	return strings.ReplaceAll(s, "\n", "⏎")
}
