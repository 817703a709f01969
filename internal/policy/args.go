package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// Limits on the arguments of one call. A call over a limit is denied.
const (
	MaxArgsBytes = 1 << 20 // 1 MiB of JSON
	MaxArgsDepth = 32      // nesting of objects and arrays
	MaxArgsNodes = 20000   // values
)

// ErrArgs marks arguments that cannot be decided on (invalid or hostile
// JSON). The engine denies such calls.
var ErrArgs = errors.New("invalid arguments")

// kind of a JSON value.
type kind byte

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kArray
	kObject
)

// value is a decoded JSON value that keeps numbers as written and object
// members in document order.
type value struct {
	kind  kind
	str   string // string value, number text, "true"/"false"
	keys  []string
	elems []*value // object member values (parallel to keys) or array elements
}

// decodeArgs decodes the raw arguments strictly: valid UTF-8, no duplicate
// member names (compared exactly, case-sensitively), bounded size, depth and
// node count. Empty input and null are an empty object.
func decodeArgs(raw []byte) (*value, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return &value{kind: kObject}, nil
	}
	if len(raw) > MaxArgsBytes {
		return nil, fmt.Errorf("%w: %d bytes is over the %d-byte limit", ErrArgs, len(raw), MaxArgsBytes)
	}
	dec := decoders.Get().(*jsontext.Decoder)
	defer putDecoder(dec)
	// A bytes.Buffer is read in place, without copying.
	dec.Reset(bytes.NewBuffer(raw), jsontext.AllowDuplicateNames(false), jsontext.AllowInvalidUTF8(false))
	nodes := 0
	v, err := readValue(dec, 0, &nodes)
	if err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the arguments object", ErrArgs)
	}
	if v.kind == kNull {
		return &value{kind: kObject}, nil
	}
	if v.kind != kObject {
		return nil, fmt.Errorf("%w: arguments must be a JSON object", ErrArgs)
	}
	return v, nil
}

// decoders are reused: a fresh jsontext.Decoder per call was a large
// share of a call's allocations.
var decoders = sync.Pool{New: func() any { return new(jsontext.Decoder) }}

// noInput replaces the caller's bytes in a pooled decoder (never read).
var noInput = bytes.NewReader(nil)

func putDecoder(dec *jsontext.Decoder) {
	dec.Reset(noInput) // drops the reference to the arguments
	decoders.Put(dec)
}

func readValue(dec *jsontext.Decoder, depth int, nodes *int) (*value, error) {
	*nodes++
	if *nodes > MaxArgsNodes {
		return nil, fmt.Errorf("%w: more than %d values", ErrArgs, MaxArgsNodes)
	}
	if depth > MaxArgsDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d levels", ErrArgs, MaxArgsDepth)
	}
	switch dec.PeekKind() {
	case '0':
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, argsErr(err)
		}
		return &value{kind: kNumber, str: string(raw)}, nil
	case '"':
		// ReadValue validates the string as ReadToken would (UTF-8,
		// escapes); unquoting it here avoids the token's slower copy.
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, argsErr(err)
		}
		str, err := unquote(raw)
		if err != nil {
			return nil, argsErr(err)
		}
		return &value{kind: kString, str: str}, nil
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, argsErr(err)
	}
	switch tok.Kind() {
	case 'n':
		return &value{kind: kNull}, nil
	case 't', 'f':
		return &value{kind: kBool, str: strconv.FormatBool(tok.Bool())}, nil
	case '"':
		return &value{kind: kString, str: tok.String()}, nil
	case '[':
		v := &value{kind: kArray}
		for dec.PeekKind() != ']' {
			e, err := readValue(dec, depth+1, nodes)
			if err != nil {
				return nil, err
			}
			v.elems = append(v.elems, e)
		}
		_, err := dec.ReadToken()
		return v, argsErr(err)
	case '{':
		v := &value{kind: kObject}
		for dec.PeekKind() != '}' {
			kt, err := dec.ReadToken()
			if err != nil {
				return nil, argsErr(err)
			}
			key := kt.String() // the token is only valid until the next read
			e, err := readValue(dec, depth+1, nodes)
			if err != nil {
				return nil, err
			}
			v.keys = append(v.keys, key)
			v.elems = append(v.elems, e)
		}
		_, err := dec.ReadToken()
		return v, argsErr(err)
	}
	return nil, fmt.Errorf("%w: unexpected token", ErrArgs)
}

// unquote decodes a JSON string the decoder has already validated. Runs
// without escapes are copied whole; a \u escape of a surrogate goes to
// jsontext, so every odd case decodes exactly as jsontext decodes it.
func unquote(raw jsontext.Value) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", errors.New("not a JSON string")
	}
	in := raw[1 : len(raw)-1]
	i := bytes.IndexByte(in, '\\')
	if i < 0 {
		return string(in), nil
	}
	var out strings.Builder // String() does not copy
	out.Grow(len(in))
	for {
		out.Write(in[:i])
		in = in[i:]
		if len(in) < 2 {
			return slowUnquote(raw)
		}
		switch c := in[1]; c {
		case '"', '\\', '/':
			out.WriteByte(c)
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'u':
			if len(in) < 6 {
				return slowUnquote(raw)
			}
			r, ok := hex4(in[2:6])
			if !ok || r >= 0xd800 && r < 0xe000 {
				return slowUnquote(raw)
			}
			out.WriteRune(rune(r))
			in = in[4:]
		default:
			return slowUnquote(raw)
		}
		in = in[2:]
		if i = bytes.IndexByte(in, '\\'); i < 0 {
			out.Write(in)
			return out.String(), nil
		}
	}
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func slowUnquote(raw []byte) (string, error) {
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}

// hasKey reports whether an object value has member k.
func (v *value) hasKey(k string) bool {
	return v.kind == kObject && slices.Contains(v.keys, k)
}

func argsErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated JSON", ErrArgs)
	}
	var se *jsontext.SyntacticError
	if errors.As(err, &se) && errors.Is(se.Err, jsontext.ErrDuplicateName) {
		return fmt.Errorf("%w: duplicate key %s (a server may read the other copy)", ErrArgs, strings.TrimPrefix(se.JSONPointer.LastToken(), ""))
	}
	return fmt.Errorf("%w: %v", ErrArgs, err)
}

// CanonicalArgsHash returns "sha256:" and the hex SHA-256 of the canonical
// form of raw: the same strict decoding as Evaluate, object keys sorted by
// their UTF-8 bytes, no insignificant whitespace, strings re-encoded
// minimally and numbers exactly as written. Empty input and null hash as {}.
func CanonicalArgsHash(raw json.RawMessage) (string, error) {
	v, err := decodeArgs(raw)
	if err != nil {
		return "", err
	}
	return hashValue(v), nil
}

func hashValue(v *value) string {
	sum := sha256.Sum256(appendCanonical(nil, v))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func appendCanonical(b []byte, v *value) []byte {
	switch v.kind {
	case kNull:
		return append(b, "null"...)
	case kBool, kNumber:
		return append(b, v.str...)
	case kString:
		q, _ := jsontext.AppendQuote(b, v.str)
		return q
	case kArray:
		b = append(b, '[')
		for i, e := range v.elems {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCanonical(b, e)
		}
		return append(b, ']')
	}
	idx := make([]int, len(v.keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, c int) int { return strings.Compare(v.keys[a], v.keys[c]) })
	b = append(b, '{')
	for n, i := range idx {
		if n > 0 {
			b = append(b, ',')
		}
		b, _ = jsontext.AppendQuote(b, v.keys[i])
		b = append(b, ':')
		b = appendCanonical(b, v.elems[i])
	}
	return append(b, '}')
}

// toNative converts a value for CEL: objects to map[string]any, arrays to
// []any, integers that fit to int64, other numbers to float64.
func toNative(v *value) any {
	switch v.kind {
	case kNull:
		return nil
	case kBool:
		return v.str == "true"
	case kNumber:
		if i, err := strconv.ParseInt(v.str, 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(v.str, 64)
		return f
	case kString:
		return v.str
	case kArray:
		out := make([]any, len(v.elems))
		for i, e := range v.elems {
			out[i] = toNative(e)
		}
		return out
	}
	m := make(map[string]any, len(v.keys))
	for i, k := range v.keys {
		m[k] = toNative(v.elems[i])
	}
	return m
}
