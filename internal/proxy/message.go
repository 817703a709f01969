package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// Kind classifies a JSON-RPC message.
type Kind uint8

// Message kinds.
const (
	KindRequest      Kind = iota + 1 // has "method" and "id"
	KindNotification                 // has "method", no "id"
	KindResponse                     // has "id" and "result" or "error"
	KindBatch                        // a JSON array of messages
)

// Message is one decoded JSON-RPC message that still owns its exact wire
// bytes. Params, Result, Error and IDRaw are sub-slices of Raw; nothing is
// re-encoded, so forwarding Raw is byte-faithful.
type Message struct {
	Raw    []byte
	Kind   Kind
	Method string
	IDRaw  []byte // the id as written ("12345678901234567890", "\"a\""); nil if absent
	Params []byte
	Result []byte
	Error  []byte
	Batch  []*Message // elements of a batch
}

// IDKey is a canonical form of the id used for pairing: numbers keep their
// literal text, strings are unescaped and re-quoted.
func (m *Message) IDKey() string { return idKey(m.IDRaw) }

func idKey(raw []byte) string {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := jsonUnquote(raw, &s); err == nil {
			return strconv.Quote(s)
		}
	}
	return string(raw)
}

// decoders are reused: a jsontext.Decoder carries state (name sets for the
// duplicate-key check) that is costly to allocate per message.
var decoders = sync.Pool{New: func() any { return new(pooledDecoder) }}

type pooledDecoder struct {
	dec jsontext.Decoder
	buf bytes.Buffer
}

func getDecoder(raw []byte) *pooledDecoder {
	pd := decoders.Get().(*pooledDecoder)
	pd.buf = *bytes.NewBuffer(raw)
	pd.dec.Reset(&pd.buf)
	return pd
}

func putDecoder(pd *pooledDecoder) {
	pd.buf = bytes.Buffer{}
	pd.dec.Reset(&pd.buf) // drop the reference to the message
	decoders.Put(pd)
}

// ErrMalformed wraps every reason a frame is not an acceptable JSON-RPC
// message.
var ErrMalformed = errors.New("malformed JSON-RPC message")

// maxBatch caps the number of elements in one batch.
const maxBatch = 1024

// ParseMessage decodes one frame strictly: valid UTF-8, no duplicate object
// keys at any depth, case-sensitive member names, exactly one JSON value.
func ParseMessage(raw []byte) (*Message, error) {
	pd := getDecoder(raw)
	defer putDecoder(pd)
	dec := &pd.dec
	var m *Message
	var err error
	switch dec.PeekKind() {
	case '[':
		m, err = parseBatch(dec, raw)
	case '{':
		m, err = parseObject(dec, raw)
	default:
		return nil, fmt.Errorf("%w: not a JSON object or array", ErrMalformed)
	}
	if err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the message", ErrMalformed)
	}
	return m, nil
}

func parseBatch(dec *jsontext.Decoder, raw []byte) (*Message, error) {
	if _, err := dec.ReadToken(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	m := &Message{Raw: raw, Kind: KindBatch}
	for dec.PeekKind() != ']' {
		if len(m.Batch) == maxBatch {
			return nil, fmt.Errorf("%w: batch has more than %d elements", ErrMalformed, maxBatch)
		}
		if dec.PeekKind() != '{' {
			return nil, fmt.Errorf("%w: batch element is not an object", ErrMalformed)
		}
		el, err := parseObject(dec, raw)
		if err != nil {
			return nil, err
		}
		m.Batch = append(m.Batch, el)
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(m.Batch) == 0 {
		return nil, fmt.Errorf("%w: empty batch", ErrMalformed)
	}
	return m, nil
}

// parseObject reads one JSON-RPC object from dec; raw is the whole input the
// decoder reads, so members are sliced from it rather than copied.
func parseObject(dec *jsontext.Decoder, raw []byte) (*Message, error) {
	start := dec.InputOffset()
	if _, err := dec.ReadToken(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	start = skipSpaceComma(raw, start)
	m := &Message{}
	var version, method []byte
	var hasMethod bool
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		name := tok.String()
		v, err := dec.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		end := int(dec.InputOffset())
		val := raw[end-len(v) : end : end]
		switch name {
		case "jsonrpc":
			version = val
		case "id":
			m.IDRaw = val
		case "method":
			method, hasMethod = val, true
		case "params":
			m.Params = val
		case "result":
			m.Result = val
		case "error":
			m.Error = val
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	m.Raw = raw[start:dec.InputOffset()]
	return m, classify(m, version, method, hasMethod)
}

// skipSpaceComma advances past whitespace and a batch separator.
func skipSpaceComma(raw []byte, off int64) int64 {
	for int(off) < len(raw) {
		switch raw[off] {
		case ' ', '\t', '\r', '\n', ',', '[':
			off++
		default:
			return off
		}
	}
	return off
}

func classify(m *Message, version, method []byte, hasMethod bool) error {
	if string(version) != `"2.0"` {
		return fmt.Errorf(`%w: "jsonrpc" must be "2.0"`, ErrMalformed)
	}
	if m.IDRaw != nil {
		switch m.IDRaw[0] {
		case '"', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		default:
			if string(m.IDRaw) != "null" || hasMethod {
				return fmt.Errorf("%w: id must be a string or a number", ErrMalformed)
			}
		}
	}
	if hasMethod {
		if err := jsonUnquote(method, &m.Method); err != nil {
			return fmt.Errorf("%w: method must be a string", ErrMalformed)
		}
		if m.Result != nil || m.Error != nil {
			return fmt.Errorf("%w: a request cannot carry result or error", ErrMalformed)
		}
		m.Kind = KindNotification
		if m.IDRaw != nil {
			m.Kind = KindRequest
		}
		return nil
	}
	if m.IDRaw == nil || (m.Result == nil) == (m.Error == nil) {
		return fmt.Errorf("%w: a response needs an id and exactly one of result or error", ErrMalformed)
	}
	m.Kind = KindResponse
	return nil
}

func jsonUnquote(raw []byte, s *string) error {
	if len(raw) == 0 || raw[0] != '"' {
		return errors.New("not a string")
	}
	v, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return err
	}
	*s = string(v)
	return nil
}
