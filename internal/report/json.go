package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/moat-dev/moat/internal/finding"
)

// writeJSON writes the Document with Options.Extra merged at the top level.
// findings and errors are always arrays, never null.
func writeJSON(w io.Writer, fs []finding.Finding, opts Options) error {
	errs := opts.Errors
	if errs == nil {
		errs = []InputError{}
	}
	parts := []struct {
		key string
		val any
	}{{"findings", fs}, {"summary", summarize(fs)}, {"errors", errs}}
	keys := make([]string, 0, len(opts.Extra))
	for k := range opts.Extra {
		if k == "findings" || k == "summary" || k == "errors" {
			return fmt.Errorf("report: extra key %q collides with the document", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, struct {
			key string
			val any
		}{k, opts.Extra[k]})
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, p := range parts {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(p.key)
		buf.Write(k)
		buf.WriteByte(':')
		if err := encodeCompact(&buf, p.val); err != nil {
			return fmt.Errorf("report: encode %s: %w", p.key, err)
		}
	}
	buf.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return fmt.Errorf("report: indent: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}

// encodeCompact encodes v without HTML escaping, so evidence such as
// "<IMPORTANT>" stays readable.
func encodeCompact(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}
