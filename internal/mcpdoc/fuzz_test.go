package mcpdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
)

// FuzzWalk decodes arbitrary bytes and walks what decodes: no panic, and
// every target's Field resolves back, in the document, to exactly the text
// the target carries.
func FuzzWalk(f *testing.F) {
	files, _ := filepath.Glob("testdata/walk/*.json")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"a":{"a b":["x\u0000y",{"k\ud83d\ude00":"vv"}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		doc, err := Decode(raw, 1, Limits{MaxStrings: 5000})
		if err != nil {
			return
		}
		// Differential check: what strict decoding accepts, encoding/json
		// decodes to the same value.
		var want any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("encoding/json rejects what Decode accepted: %v", err)
		}
		if got := toAny(&doc); !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode = %#v, encoding/json = %#v", got, want)
		}
		Walk(&doc, finding.Location{}, func(tg detect.Target) {
			checkField(t, &doc, tg)
		})
	})
}

func checkField(t *testing.T, doc *Node, tg detect.Target) {
	t.Helper()
	field := tg.Location.Field
	for _, r := range field {
		if r < 0x20 || r == 0x7f || isInvisible(r) {
			t.Fatalf("field %q holds an unprintable character", field)
		}
	}
	suffix := ""
	for _, s := range []string{"(key)", "(decoded)"} {
		if strings.HasSuffix(field, s) {
			field, suffix = strings.TrimSuffix(field, s), s
		}
	}
	n, key, err := resolve(doc, field)
	if err != nil {
		t.Fatalf("field %q: %v", tg.Location.Field, err)
	}
	switch suffix {
	case "(key)":
		if key != tg.Text {
			t.Fatalf("field %q names key %q, target text %q", tg.Location.Field, key, tg.Text)
		}
	case "(decoded)":
		if n.Kind != String || !utf8.ValidString(tg.Text) {
			t.Fatalf("field %q: decoded blob is not from a string", tg.Location.Field)
		}
	default:
		if n.Kind != String || n.Str != tg.Text {
			t.Fatalf("field %q resolves to %+v, target text %q", tg.Location.Field, n, tg.Text)
		}
	}
}

// resolve follows a field path (see path.go) from doc; key is the last
// object key followed.
func resolve(doc *Node, p string) (*Node, string, error) {
	n, key := doc, ""
	for i := 0; i < len(p); {
		switch {
		case p[i] == '[' && i+1 < len(p) && p[i+1] == '"':
			j := i + 2
			for ; j < len(p); j++ {
				if p[j] == '\\' {
					j++
				} else if p[j] == '"' {
					break
				}
			}
			if j+1 >= len(p) || p[j+1] != ']' {
				return nil, "", fmt.Errorf("unterminated quoted key at %d", i)
			}
			if err := json.Unmarshal([]byte(p[i+1:j+1]), &key); err != nil {
				return nil, "", err
			}
			if n = n.Get(key); n == nil {
				return nil, "", fmt.Errorf("no key %q", key)
			}
			i = j + 2
		case p[i] == '[':
			j := strings.IndexByte(p[i:], ']')
			idx, err := strconv.Atoi(p[i+1 : i+j])
			if j < 0 || err != nil || n.Kind != Array || idx >= len(n.Items) {
				return nil, "", fmt.Errorf("bad index at %d", i)
			}
			n, i = &n.Items[idx], i+j+1
		default:
			if p[i] == '.' {
				if i == 0 {
					return nil, "", fmt.Errorf("leading dot")
				}
				i++
			}
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			key = p[i:j]
			if !isIdent(key) {
				return nil, "", fmt.Errorf("bare key %q is not an identifier", key)
			}
			if n = n.Get(key); n == nil {
				return nil, "", fmt.Errorf("no key %q", key)
			}
			i = j
		}
	}
	return n, key, nil
}

func toAny(n *Node) any {
	switch n.Kind {
	case String:
		return n.Str
	case Number:
		return json.Number(n.Str)
	case Bool:
		return n.Str == "true"
	case Array:
		out := make([]any, len(n.Items))
		for i := range n.Items {
			out[i] = toAny(&n.Items[i])
		}
		return out
	case Object:
		out := make(map[string]any, len(n.Members))
		for i := range n.Members {
			out[n.Members[i].Key] = toAny(&n.Members[i].Value)
		}
		return out
	}
	return nil
}

// TestWalkPathsResolve runs the fuzz property over the golden documents.
func TestWalkPathsResolve(t *testing.T) {
	files, _ := filepath.Glob("testdata/walk/*.json")
	for _, file := range files {
		raw, _ := os.ReadFile(file)
		doc, err := Decode(raw, 1, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		Walk(&doc, finding.Location{}, func(tg detect.Target) { n++; checkField(t, &doc, tg) })
		if n == 0 {
			t.Errorf("%s: no targets", file)
		}
	}
}
