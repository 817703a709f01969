package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// DefaultMaxFrame is the default cap on one frame (16 MiB).
const DefaultMaxFrame = 16 << 20

const (
	headKeep = 4 << 10 // bytes of an oversized frame kept for id recovery
	tailKeep = 1 << 10
)

// StreamOptions configures NewStream.
type StreamOptions struct {
	// MaxFrame caps one frame in bytes; 0 means DefaultMaxFrame.
	MaxFrame int
}

// stream frames newline-delimited JSON over a reader and a writer. Reads
// happen in the caller's goroutine (no hand-off per message: that costs a
// scheduler wake-up on every hop); Close unblocks a pending read on pipes by
// closing them.
type stream struct {
	w       io.Writer
	closer  io.Closer
	writeMu sync.Mutex

	readMu   sync.Mutex
	br       *bufio.Reader
	maxFrame int
	readErr  error // sticky terminal read error

	closed    chan struct{}
	closeOnce sync.Once
}

type readResult struct {
	frame []byte
	err   error
}

// NewStream returns a Conn that reads newline-delimited frames from r and
// writes them to w, each followed by one '\n'. closer (may be nil) is called
// by Close, typically to close the underlying pipes. Empty lines and a
// trailing '\r' are ignored; a line longer than the cap is skipped and
// reported as a *TooLargeError without ever being held in memory.
func NewStream(r io.Reader, w io.Writer, closer io.Closer, opts StreamOptions) Conn {
	maxFrame := opts.MaxFrame
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &stream{w: w, closer: closer, br: bufio.NewReaderSize(r, 64<<10), maxFrame: maxFrame, closed: make(chan struct{})}
}

// readLine reads one line without its terminator, holding at most maxFrame
// bytes. Over the cap it drains the line and returns a *TooLargeError.
func readLine(br *bufio.Reader, maxFrame int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > maxFrame+2 { // +2: room for "\r\n"
			return nil, drainLine(br, buf, chunk, err, maxFrame)
		}
		buf = appendCapped(buf, chunk, maxFrame+2)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (err != io.EOF || len(buf) == 0) {
			return nil, err
		}
		buf = bytes.TrimRight(buf, "\r\n")
		if len(buf) > maxFrame {
			return nil, &TooLargeError{Limit: maxFrame, Size: int64(len(buf)), Head: clip(buf, headKeep), Tail: buf[len(buf)-min(len(buf), tailKeep):]}
		}
		return bytes.TrimSpace(buf), nil
	}
}

// drainLine discards the rest of an oversized line, remembering its head and
// tail.
func drainLine(br *bufio.Reader, buf, chunk []byte, err error, maxFrame int) error {
	e := &TooLargeError{Limit: maxFrame, Size: int64(len(buf) + len(chunk))}
	if len(buf) >= headKeep {
		e.Head = clip(buf, headKeep)
	} else {
		e.Head = clip(append(clip(buf, len(buf)), chunk...), headKeep)
	}
	tail := append([]byte(nil), chunk[len(chunk)-min(len(chunk), tailKeep):]...)
	for err == bufio.ErrBufferFull {
		chunk, err = br.ReadSlice('\n')
		e.Size += int64(len(chunk))
		tail = append(tail, chunk...)
		if len(tail) > tailKeep {
			tail = append(tail[:0], tail[len(tail)-tailKeep:]...)
		}
	}
	e.Tail = bytes.TrimRight(tail, "\r\n")
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading oversized message: %w", err)
	}
	return e
}

// appendCapped appends chunk to buf, growing it by doubling but never past
// limit, so a frame near the cap costs about the cap, not twice it.
func appendCapped(buf, chunk []byte, limit int) []byte {
	need := len(buf) + len(chunk)
	if need > cap(buf) {
		newCap := min(max(2*cap(buf), need, 4096), max(limit, need))
		nb := make([]byte, len(buf), newCap)
		copy(nb, buf)
		buf = nb
	}
	return append(buf, chunk...)
}

func clip(b []byte, n int) []byte {
	return append([]byte(nil), b[:min(len(b), n)]...)
}

func (s *stream) Read(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.readMu.Lock()
	defer s.readMu.Unlock()
	for s.readErr == nil {
		select {
		case <-s.closed:
			return nil, ErrClosed
		default:
		}
		frame, err := readLine(s.br, s.maxFrame)
		var tooLarge *TooLargeError
		switch {
		case errors.As(err, &tooLarge):
			return nil, err
		case err != nil:
			s.readErr = err
		case len(frame) > 0:
			return frame, nil
		}
	}
	return nil, s.readErr
}

func (s *stream) Write(ctx context.Context, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-s.closed:
		return ErrClosed
	default:
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	line := make([]byte, 0, len(frame)+1)
	line = append(append(line, frame...), '\n')
	if _, err := s.w.Write(line); err != nil {
		return fmt.Errorf("writing message: %w", err)
	}
	return nil
}

func (s *stream) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.closer != nil {
			err = s.closer.Close()
		}
	})
	return err
}
