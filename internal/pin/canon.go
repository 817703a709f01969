// Package pin fingerprints what an MCP server tells a model, so that a later
// change (a "rug pull") is caught: the canonical JSON of each tool definition
// and its SHA-256, the hash of the server's instructions, the difference
// between two snapshots (tools added, removed, renamed or changed, with a
// field-level diff), and the moat.lock file format. It is pure: callers pass
// bytes in and get bytes out; moat scan and moat run share it.
package pin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
)

// MaxDefinition caps one tool definition (bytes of raw JSON).
const MaxDefinition = 4 << 20

// ErrNotObject is returned for a tool definition that is not a JSON object.
var ErrNotObject = errors.New("tool definition is not a JSON object")

// Canonical returns the canonical form of one JSON value: RFC 8785 (JCS)
// member order, minimal string escapes, no whitespace, floating-point numbers
// in their shortest double form — except that integers keep their digits
// (JCS would round those beyond 2^53, and a rounded hash could hide a change).
// Duplicate member names, invalid UTF-8 and values over MaxDefinition are
// errors: a definition moat cannot read unambiguously has no fingerprint.
func Canonical(raw []byte) ([]byte, error) {
	if len(raw) > MaxDefinition {
		return nil, fmt.Errorf("definition of %d bytes exceeds the %d-byte limit", len(raw), MaxDefinition)
	}
	v := jsontext.Value(append([]byte(nil), raw...))
	if err := v.Canonicalize(jsontext.CanonicalizeRawInts(false)); err != nil {
		return nil, fmt.Errorf("canonicalize definition: %w", err)
	}
	return v, nil
}

// Hash returns "sha256:" and the hex SHA-256 of b.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// HashText hashes a string as its UTF-8 bytes ("" for the empty string, so
// that a server without instructions has no instructions hash).
func HashText(s string) string {
	if s == "" {
		return ""
	}
	return Hash([]byte(s))
}

// Tool is the fingerprint of one tool definition.
type Tool struct {
	Name string
	// Hash covers the whole definition: name, title, description,
	// inputSchema, outputSchema, annotations and every other member.
	Hash string
	// BodyHash covers everything but the name; equal BodyHash with a
	// different name is a rename.
	BodyHash string
	// Canonical is the canonical JSON of the whole definition.
	Canonical []byte
}

// FingerprintTool canonicalises one raw tool definition (an element of a
// tools/list result's "tools" array) and hashes it.
func FingerprintTool(raw []byte) (Tool, error) {
	canon, err := Canonical(raw)
	if err != nil {
		return Tool{}, err
	}
	members, err := objectMembers(canon)
	if err != nil {
		return Tool{}, err
	}
	var name string
	body := make([]byte, 0, len(canon))
	body = append(body, '{')
	for _, m := range members {
		if m.name == "name" {
			var s string
			if err := unquote(m.value, &s); err != nil {
				return Tool{}, fmt.Errorf("tool name is not a string: %w", err)
			}
			name = s
			continue
		}
		if len(body) > 1 {
			body = append(body, ',')
		}
		body = append(body, m.raw...)
	}
	body = append(body, '}')
	if name == "" {
		return Tool{}, errors.New("tool definition has no name")
	}
	return Tool{Name: name, Hash: Hash(canon), BodyHash: Hash(body), Canonical: canon}, nil
}

type member struct {
	name  string
	value []byte // the value's raw bytes
	raw   []byte // "name":value
}

// objectMembers splits a canonical (compact, valid) JSON object into its
// members in order.
func objectMembers(canon []byte) ([]member, error) {
	dec := jsontext.NewDecoder(bytesReader(canon))
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, ErrNotObject
	}
	var out []member
	for dec.PeekKind() != '}' {
		start := dec.InputOffset()
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		end := dec.InputOffset()
		// InputOffset after ReadToken may sit before the separating comma.
		raw := trimLead(canon[start:end])
		out = append(out, member{name: name, value: append([]byte(nil), val...), raw: raw})
	}
	return out, nil
}

func trimLead(b []byte) []byte {
	for len(b) > 0 && (b[0] == ',' || b[0] == ' ') {
		b = b[1:]
	}
	return b
}
