package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func readAll(t *testing.T, input string, maxFrame int) (frames []string, tooLarge []*TooLargeError) {
	t.Helper()
	c := NewStream(strings.NewReader(input), io.Discard, nil, StreamOptions{MaxFrame: maxFrame})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		f, err := c.Read(ctx)
		var tl *TooLargeError
		switch {
		case errors.As(err, &tl):
			tooLarge = append(tooLarge, tl)
		case errors.Is(err, io.EOF):
			return frames, tooLarge
		case err != nil:
			t.Fatalf("read: %v", err)
		default:
			frames = append(frames, string(f))
		}
	}
}

func TestStreamFraming(t *testing.T) {
	cases := []struct {
		name      string
		in        string
		max       int
		want      []string
		tooLarge  int
		wantTail  string
		wantSize  int64
		wantHeadP string
	}{
		{name: "lines", in: "{\"a\":1}\n{\"b\":2}\n", want: []string{`{"a":1}`, `{"b":2}`}},
		{name: "crlf and blank lines", in: "\r\n{\"a\":1}\r\n\n", want: []string{`{"a":1}`}},
		{name: "last line without newline", in: `{"a":1}`, want: []string{`{"a":1}`}},
		{name: "exactly the cap", in: `{"a":"xxxx"}` + "\n", max: 12, want: []string{`{"a":"xxxx"}`}},
		{name: "one over the cap is skipped", in: `{"a":"xxxxx"}` + "\n{}\n", max: 12, want: []string{`{}`}, tooLarge: 1, wantSize: 13},
		{name: "huge line is drained, tail kept", in: `{"id":7,"result":"` + strings.Repeat("y", 200000) + `","end":1}` + "\n{}\n", max: 1000,
			want: []string{`{}`}, tooLarge: 1, wantTail: `","end":1}`, wantHeadP: `{"id":7`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			max := tc.max
			if max == 0 {
				max = 1 << 20
			}
			frames, tl := readAll(t, tc.in, max)
			if strings.Join(frames, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("frames = %q, want %q", frames, tc.want)
			}
			if len(tl) != tc.tooLarge {
				t.Fatalf("%d oversized, want %d", len(tl), tc.tooLarge)
			}
			if tc.tooLarge == 0 {
				return
			}
			e := tl[0]
			if tc.wantSize != 0 && e.Size != tc.wantSize {
				t.Errorf("size = %d, want %d", e.Size, tc.wantSize)
			}
			if !bytes.HasSuffix(e.Tail, []byte(tc.wantTail)) || !bytes.HasPrefix(e.Head, []byte(tc.wantHeadP)) {
				t.Errorf("head %q… tail …%q", e.Head[:min(20, len(e.Head))], e.Tail)
			}
			if len(e.Head) > headKeep || len(e.Tail) > tailKeep {
				t.Errorf("kept %d+%d bytes of an oversized frame", len(e.Head), len(e.Tail))
			}
		})
	}
}

func TestStreamWriteAndClose(t *testing.T) {
	var out bytes.Buffer
	c := NewStream(strings.NewReader(""), &out, nil, StreamOptions{})
	if err := c.Write(context.Background(), []byte(`{"x":1}`)); err != nil {
		t.Fatal(err)
	}
	if out.String() != "{\"x\":1}\n" {
		t.Fatalf("wrote %q", out.String())
	}
	c.Close()
	if err := c.Write(context.Background(), []byte(`{}`)); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close = %v", err)
	}
}
