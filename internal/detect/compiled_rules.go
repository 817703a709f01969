package detect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"
)

// The rule section of rules.gen.bin holds the decoded rules ([]ruleSchema)
// so that a process need not decode JSON at all. It is a plain
// reflection-driven encoding of the schema types, field by field in
// declaration order, so a field added to the schema is carried without
// changes here: strings and slices are a length and their elements, a nil
// slice or map is 0 and any other length n is n+1 (so nil and empty stay
// distinct), ints are zig-zag varints, bools one byte, maps string-keyed with
// keys sorted. TestCompiledRules checks that the section decodes to exactly
// what rules.gen.json decodes to.

var errRuleSection = errors.New("malformed rule section")

// appendValue encodes v.
func appendValue(b []byte, v reflect.Value) ([]byte, error) {
	switch v.Kind() {
	case reflect.String:
		b = binary.AppendUvarint(b, uint64(v.Len()))
		return append(b, v.String()...), nil
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case reflect.Int:
		return binary.AppendVarint(b, v.Int()), nil
	case reflect.Slice:
		if v.IsNil() {
			return append(b, 0), nil
		}
		b = binary.AppendUvarint(b, uint64(v.Len())+1)
		var err error
		for i := 0; i < v.Len() && err == nil; i++ {
			b, err = appendValue(b, v.Index(i))
		}
		return b, err
	case reflect.Map:
		if v.IsNil() {
			return append(b, 0), nil
		}
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("rule section: map key %s is not a string", v.Type().Key())
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(x.String(), y.String()) })
		b = binary.AppendUvarint(b, uint64(len(keys))+1)
		var err error
		for _, k := range keys {
			if b, err = appendValue(b, k); err == nil {
				b, err = appendValue(b, v.MapIndex(k))
			}
			if err != nil {
				return nil, err
			}
		}
		return b, nil
	case reflect.Struct:
		var err error
		for i := 0; i < v.NumField() && err == nil; i++ {
			b, err = appendValue(b, v.Field(i))
		}
		return b, err
	}
	return nil, fmt.Errorf("rule section: cannot encode a %s", v.Type())
}

// valueReader decodes the rule section into reflect values. With alias,
// strings share the section's bytes instead of copying them (only for
// data that never changes: the embedded rules.gen.bin).
type valueReader struct {
	b     []byte
	alias bool
}

func (r *valueReader) uvarint() (int, error) {
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > uint64(len(r.b)) {
		return 0, errRuleSection // no length exceeds the bytes left
	}
	r.b = r.b[n:]
	return int(v), nil
}

// count reads a nil-or-length prefix: -1 for nil.
func (r *valueReader) count() (int, error) {
	n, err := r.uvarint()
	return n - 1, err
}

func (r *valueReader) decode(v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		n, err := r.uvarint()
		if err != nil || n > len(r.b) {
			return errRuleSection
		}
		if r.alias && n > 0 {
			v.SetString(unsafe.String(&r.b[0], n))
		} else {
			v.SetString(string(r.b[:n]))
		}
		r.b = r.b[n:]
		return nil
	case reflect.Bool:
		if len(r.b) == 0 || r.b[0] > 1 {
			return errRuleSection
		}
		v.SetBool(r.b[0] == 1)
		r.b = r.b[1:]
		return nil
	case reflect.Int:
		x, n := binary.Varint(r.b)
		if n <= 0 {
			return errRuleSection
		}
		v.SetInt(x)
		r.b = r.b[n:]
		return nil
	case reflect.Slice:
		return r.decodeSlice(v)
	case reflect.Map:
		return r.decodeMap(v)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if err := r.decode(v.Field(i)); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("rule section: cannot decode a %s", v.Type())
}

func (r *valueReader) decodeSlice(v reflect.Value) error {
	n, err := r.count()
	if err != nil || n < 0 {
		return err
	}
	s := reflect.MakeSlice(v.Type(), n, n)
	for i := 0; i < n; i++ {
		if err := r.decode(s.Index(i)); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

func (r *valueReader) decodeMap(v reflect.Value) error {
	n, err := r.count()
	if err != nil || n < 0 {
		return err
	}
	m := reflect.MakeMapWithSize(v.Type(), n)
	for i := 0; i < n; i++ {
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		if err := r.decode(k); err != nil {
			return err
		}
		if err := r.decode(e); err != nil {
			return err
		}
		m.SetMapIndex(k, e)
	}
	v.Set(m)
	return nil
}

// encodeRules encodes the rule section.
func encodeRules(rules []ruleSchema) ([]byte, error) {
	return appendValue(nil, reflect.ValueOf(rules))
}

// decodeRules decodes a rule section; every byte must be used.
func decodeRules(b []byte) ([]ruleSchema, error) { return decodeRulesFrom(b, false) }

// decodeRulesFrom is decodeRules, optionally aliasing strings into b (which
// must then never change).
func decodeRulesFrom(b []byte, alias bool) ([]ruleSchema, error) {
	var rules []ruleSchema
	r := &valueReader{b: b, alias: alias}
	if err := r.decode(reflect.ValueOf(&rules).Elem()); err != nil {
		return nil, err
	}
	if len(r.b) != 0 {
		return nil, errRuleSection
	}
	return rules, nil
}
