package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/moat-dev/moat/internal/secrets"
)

// Size caps for what a record may carry.
const (
	maxArgsIn  = 1 << 20  // arguments larger than this are not parsed
	maxArgsOut = 16 << 10 // stored (redacted) arguments larger than this are omitted
	maxDepth   = 32       // deeper structure is summarised
	maxText    = 4 << 10  // reason and detail strings are cut to this
)

// Redactor decides how much of a call's arguments a record keeps.
//
// By default (KeepValues false) the shape is kept and the values are not:
// object keys stay, strings become "<redacted:N chars>", numbers
// "<redacted:number>", booleans and null stay. With KeepValues the values are
// kept but anything internal/secrets recognises is still replaced.
type Redactor struct {
	KeepValues bool
}

// Args returns the stored form of raw call arguments.
func (r Redactor) Args(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if string(raw) == "{}" { // no arguments: nothing to redact or re-encode
		return json.RawMessage("{}")
	}
	if len(raw) > maxArgsIn {
		return quoted(fmt.Sprintf("<omitted:%d bytes>", len(raw)))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return quoted(fmt.Sprintf("<invalid json:%d bytes>", len(raw)))
	}
	out, err := marshal(r.value(v, 0))
	if err != nil || len(out) > maxArgsOut {
		return quoted(fmt.Sprintf("<omitted:%d bytes>", len(raw)))
	}
	return out
}

func (r Redactor) value(v any, depth int) any {
	if depth > maxDepth {
		return "<redacted:too deep>"
	}
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[redactSecrets(k)] = r.value(e, depth+1)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = r.value(e, depth+1)
		}
		return a
	case string:
		if r.KeepValues {
			return redactSecrets(x)
		}
		return fmt.Sprintf("<redacted:%d chars>", utf8.RuneCountInString(x))
	case json.Number:
		if r.KeepValues {
			return x
		}
		return "<redacted:number>"
	}
	return v // bool, nil
}

// redactSecrets replaces recognised secrets in s.
func redactSecrets(s string) string {
	out, _ := secrets.Redact(s)
	return out
}

func quoted(s string) json.RawMessage {
	b, _ := marshal(s)
	return b
}

// clipText cuts s to maxText bytes on a rune boundary.
func clipText(s string) string {
	if len(s) <= maxText {
		return s
	}
	n := maxText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// prepare fills the chain fields of e and makes it safe to store: UTC time,
// redacted arguments, and secrets removed from reason and detail strings.
func prepare(e Event, seq int64, prev string, now func() time.Time, r Redactor) Event {
	e.Seq, e.Prev = seq, prev
	if e.Time.IsZero() {
		e.Time = now()
	}
	e.Time = e.Time.UTC()
	e.Args = r.Args(e.Args)
	e.Reason = clipText(redactSecrets(e.Reason))
	if len(e.Details) > 0 {
		d := make(map[string]any, len(e.Details))
		for k, v := range e.Details {
			d[k] = redactDetail(v, 0)
		}
		e.Details = d
	}
	return e
}

// redactDetail removes secrets from strings inside a details value.
func redactDetail(v any, depth int) any {
	if depth > maxDepth {
		return "<redacted:too deep>"
	}
	switch x := v.(type) {
	case string:
		return clipText(redactSecrets(x))
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = clipText(redactSecrets(s))
		}
		return out
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = redactDetail(e, depth+1)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = redactDetail(e, depth+1)
		}
		return a
	case fmt.Stringer:
		return clipText(redactSecrets(x.String()))
	}
	return v
}
