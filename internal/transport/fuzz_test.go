package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
)

// FuzzReadLine checks the stdio framer: it terminates, never returns a frame
// over the cap or one holding a newline, and keeps oversized lines' head and
// tail within their bounds.
func FuzzReadLine(f *testing.F) {
	f.Add([]byte("{\"jsonrpc\":\"2.0\"}\n{}\r\n"), 8)
	f.Add([]byte("short\nthis line is far too long for the cap\nok\n"), 10)
	f.Add(bytes.Repeat([]byte("x"), 70000), 100)
	f.Add([]byte("no newline at end"), 4)
	f.Add([]byte("\n\n\r\n  \n"), 1)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		maxFrame := 1 + abs(max)%512
		br := bufio.NewReaderSize(bytes.NewReader(in), 16)
		for range len(in) + 2 {
			line, err := readLine(br, maxFrame)
			var tl *TooLargeError
			switch {
			case errors.As(err, &tl):
				if len(tl.Head) > headKeep || len(tl.Tail) > tailKeep || tl.Size <= int64(maxFrame) {
					t.Fatalf("bad TooLargeError: head %d tail %d size %d cap %d", len(tl.Head), len(tl.Tail), tl.Size, maxFrame)
				}
				continue
			case err == io.EOF:
				return
			case err != nil:
				t.Fatalf("unexpected error: %v", err)
			}
			if len(line) > maxFrame || bytes.ContainsAny(line, "\n") {
				t.Fatalf("frame of %d bytes (cap %d): %q", len(line), maxFrame, line)
			}
		}
		t.Fatalf("readLine did not reach EOF on %d bytes", len(in))
	})
}

// FuzzReadEvents checks the SSE parser: it terminates at end of input and
// never delivers an event over the frame cap.
func FuzzReadEvents(f *testing.F) {
	f.Add([]byte("event: message\ndata: {\"a\":1}\n\n"), 64)
	f.Add([]byte("data: a\ndata: b\n\nevent: ping\ndata: x\n\n"), 3)
	f.Add([]byte(": comment\nid: 1\nretry: 10\ndata:{}\r\n\r\n"), 16)
	f.Add(append([]byte("data: "), bytes.Repeat([]byte("y"), 5000)...), 100)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		maxFrame := 1 + abs(max)%512
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := &httpConn{
			opts:     HTTPOptions{MaxFrame: maxFrame},
			log:      slog.New(slog.DiscardHandler),
			incoming: make(chan readResult, len(in)+1),
			ctx:      ctx,
		}
		err := c.readEvents(bufio.NewReaderSize(bytes.NewReader(in), 16))
		if err != io.EOF {
			t.Fatalf("readEvents ended with %v, want EOF", err)
		}
		close(c.incoming)
		for r := range c.incoming {
			if len(r.frame) > maxFrame {
				t.Fatalf("event of %d bytes delivered (cap %d)", len(r.frame), maxFrame)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // math.MinInt
			return 0
		}
		return -n
	}
	return n
}
