package jsonin

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readAll collects documents as "line:data" and errors as "error line: msg".
func readAll(t testing.TB, name, in string, opts Options) []string {
	t.Helper()
	r := NewReader(strings.NewReader(in), name, opts)
	var out []string
	for {
		d, err := r.Next()
		if err == io.EOF {
			return out
		}
		var ie *Error
		switch {
		case errors.As(err, &ie):
			out = append(out, fmt.Sprintf("error %d: %v", ie.Line, ie.Err))
		case err != nil:
			t.Fatal(err)
		default:
			if d.File != name {
				t.Errorf("File = %q", d.File)
			}
			out = append(out, fmt.Sprintf("%d:%s", d.Line, d.Data))
		}
	}
}

func TestFraming(t *testing.T) {
	tests := []struct {
		name, file, in string
		opts           Options
		want           []string
	}{
		{"compact document", "a.json", `{"a":1}`, Options{}, []string{`1:{"a":1}`}},
		{"pretty document", "a.json", "\n\n{\n  \"a\": 1\n}\n", Options{}, []string{"3:{\n  \"a\": 1\n}"}},
		{"concatenated pretty documents", "a.json", "{\n\"a\": 1\n}\n\n{\n\"b\": 2\n}\n", Options{}, []string{"1:{\n\"a\": 1\n}", "5:{\n\"b\": 2\n}"}},
		{"valid document then garbage", "a.json", "{\n\"a\": 1\n}\n{\n\"b\":\n", Options{}, []string{"1:{\n\"a\": 1\n}", "4:{\n\"b\":\n"}},
		{"json lines with blanks and CRLF", "s", "{\"a\":1}\r\n\r\n  \n[2]\r\n\"x\"", Options{}, []string{`1:{"a":1}`, "4:[2]", `5:"x"`}},
		{"bad line does not stop the others", "s.jsonl", "{\"a\":1}\n{\"a\":\n{\"b\":2}\n", Options{}, []string{`1:{"a":1}`, `2:{"a":`, `3:{"b":2}`}},
		{"jsonl extension forces lines", "x.jsonl", "{\n}\n", Options{}, []string{"1:{", "2:}"}},
		{"damaged first line falls back to lines", "x.log", "{\"a\":\n{\"b\":2}\n{\"c\":3}\n", Options{},
			[]string{`1:{"a":`, `2:{"b":2}`, `3:{"c":3}`}},
		{"pretty batch is one document", "b.json", "[\n{\"a\":1}\n]\n", Options{}, []string{"1:[\n{\"a\":1}\n]"}},
		{"forced document", "x.jsonl", "{\"a\":1}\n{\"b\":2}\n", Options{Mode: Document}, []string{`1:{"a":1}`, `2:{"b":2}`}},
		{"forced lines", "x.json", "{\n}", Options{Mode: Lines}, []string{"1:{", "2:}"}},
		{"BOM", "a.json", "\ufeff{\"a\":1}", Options{}, []string{`1:{"a":1}`}},
		{"empty", "a.json", "\n \n", Options{}, nil},
		{"long line skipped", "s", "[1]\n[" + strings.Repeat("1,", 20) + "1]\n[3]", Options{MaxSize: 16},
			[]string{"1:[1]", "error 2: input exceeds the size limit: line longer than 16 B (--max-size); it was skipped", "3:[3]"}},
		{"long first line", "s", strings.Repeat(" ", 40) + "\n[3]", Options{MaxSize: 16},
			[]string{"error 1: input exceeds the size limit: line longer than 16 B (--max-size); it was skipped", "2:[3]"}},
		{"document too large", "a.json", "{\n\"a\": \"" + strings.Repeat("x", 40) + "\"}", Options{MaxSize: 32},
			[]string{"error 1: input exceeds the size limit: the document is larger than 32 B (--max-size); raise --max-size or split the input into JSON Lines"}},
		{"line exactly at the cap", "s", "[11111]\n", Options{MaxSize: 7}, []string{"1:[11111]"}},
		{"document exactly at the cap", "a.json", "[\n111]\r\n", Options{MaxSize: 6}, []string{"1:[\n111]"}},
		{"whitespace cannot hide data past the cap", "a.json", "[\n1]" + strings.Repeat(" ", 40) + "[2]", Options{MaxSize: 8},
			[]string{"error 1: input exceeds the size limit: the document is larger than 8 B (--max-size); raise --max-size or split the input into JSON Lines"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := readAll(t, tc.file, tc.in, tc.opts)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// hugeLine streams "[" + n bytes of digits + "]\n" + `{"ok":1}` without
// ever holding it in memory.
type hugeLine struct{ n, off int }

func (h *hugeLine) Read(p []byte) (int, error) {
	tail := "]\n{\"ok\":1}\n"
	total := 1 + h.n + len(tail)
	if h.off >= total {
		return 0, io.EOF
	}
	i := 0
	for i < len(p) && h.off < total {
		switch {
		case h.off == 0:
			p[i] = '['
			i++
			h.off++
		case h.off <= h.n:
			k := min(len(p)-i, h.n+1-h.off)
			for j := range k {
				p[i+j] = '7'
			}
			i += k
			h.off += k
		default:
			k := copy(p[i:], tail[h.off-1-h.n:])
			i += k
			h.off += k
		}
	}
	return i, nil
}

// TestHugeLineBoundedMemory streams a 100 MB line through the reader with
// the default 16 MiB cap: it is reported and skipped, the next line is read,
// and the bytes allocated stay far below the line's size.
func TestHugeLineBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewReader(&hugeLine{n: 100 << 20}, "big.jsonl", Options{})
	_, err := r.Next()
	var ie *Error
	if !errors.As(err, &ie) || !errors.Is(err, ErrTooLarge) || ie.Line != 1 {
		t.Fatalf("first Next: %v", err)
	}
	d, err := r.Next()
	if err != nil || string(d.Data) != `{"ok":1}` || d.Line != 2 {
		t.Fatalf("second Next: %q, %v", d.Data, err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d MiB while skipping a 100 MiB line", alloc>>20)
	if alloc > 48<<20 {
		t.Errorf("allocated %d MiB, want well under the 100 MiB line", alloc>>20)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "16MiB": 16 << 20, "512 KiB": 512 << 10, "1G": 1 << 30, "2mb": 2 << 20, "10B": 10} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "x", "1TiB", "9999999999GiB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"auto": Auto, "json": Document, "jsonl": Lines, "": Auto} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseMode("xml"); err == nil {
		t.Error("xml accepted")
	}
}

// FuzzReadJSONL feeds arbitrary bytes: no panic, every document is within
// the cap, lines only increase and the reader terminates.
func FuzzReadJSONL(f *testing.F) {
	for _, s := range []string{"{\"a\":1}\n{\"b\":2}\n", "{\n\"a\": 1\n}", "\ufeff[1]\r\n\r\n[2", "{\"a\":\n{\"b\":2}\n", "\n\n\n", "\"x\"\n" + strings.Repeat("9", 70)} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		const max = 64
		r := NewReader(strings.NewReader(string(in)), "f", Options{MaxSize: max, Mode: Mode(mode % 3)})
		last := 0
		for i := 0; ; i++ {
			if i > len(in)+2 {
				t.Fatal("reader does not terminate")
			}
			d, err := r.Next()
			if err == io.EOF {
				return
			}
			var ie *Error
			if errors.As(err, &ie) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(d.Data)) > max+2 {
				t.Fatalf("document of %d bytes over the cap", len(d.Data))
			}
			if d.Line < last || d.Line < 1 {
				t.Fatalf("line %d after %d", d.Line, last)
			}
			last = d.Line
		}
	})
}
