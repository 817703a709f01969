// Package jsonin reads JSON input safely: one JSON document per file
// (possibly pretty-printed over many lines) or JSON Lines (one document per
// line, e.g. a captured MCP session). Every line and document is capped in
// size and an oversized one is skipped without being held in memory; a bad
// line is reported with its file and line and does not stop the others.
//
// Framing rule (Mode Auto): a file named *.jsonl, *.ndjson or *.jsonlines is
// JSON Lines. Otherwise the first non-blank line decides: if it is a
// complete JSON value by itself the input is JSON Lines (a compact one-line
// document is the one-line case of it); if not, the whole input is one
// document, or several concatenated ones (as `jq .` prints a session). If
// nothing in it parses but its second non-blank line is a complete value,
// the input is read as JSON Lines after all (a session whose first line is
// damaged). Blank lines are skipped; a leading UTF-8 BOM is ignored.
package jsonin

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// DefaultMaxSize caps one line or one document (16 MiB).
const DefaultMaxSize = 16 << 20

// Mode selects the framing.
type Mode int

// Modes.
const (
	Auto     Mode = iota // decide per file (see the package doc)
	Document             // the whole input is one JSON document
	Lines                // one JSON document per line
)

// ParseMode parses "auto", "json" or "jsonl".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "auto", "":
		return Auto, nil
	case "json", "document":
		return Document, nil
	case "jsonl", "ndjson", "lines":
		return Lines, nil
	}
	return Auto, fmt.Errorf("unknown input format %q: use auto, json or jsonl", s)
}

// Options configure a Reader.
type Options struct {
	MaxSize int64 // bytes per line or document; 0 means DefaultMaxSize
	Mode    Mode
}

// Doc is one JSON document as raw bytes.
type Doc struct {
	File string
	Line int // 1-based line the document starts on
	// Data is the document's bytes. It is only valid until the next call
	// to Next.
	Data []byte
}

// Error is a problem with one line or document. Reading continues after it
// unless the Reader says otherwise (a document over the cap ends the file).
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// ErrTooLarge is wrapped by Errors for input over the size cap.
var ErrTooLarge = errors.New("input exceeds the size limit")

const bufSize = 64 << 10

// Reader yields the documents of one input.
type Reader struct {
	br    *bufio.Reader
	name  string
	max   int64
	mode  Mode
	line  int // physical lines consumed
	buf   []byte
	first bool // no line read yet
	done  bool
	queue []Doc // further values of a concatenated document
}

// NewReader returns a Reader of r; name is used in Doc.File and errors.
func NewReader(r io.Reader, name string, opts Options) *Reader {
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	mode := opts.Mode
	if mode == Auto {
		switch strings.ToLower(filepath.Ext(name)) {
		case ".jsonl", ".ndjson", ".jsonlines":
			mode = Lines
		}
	}
	return &Reader{br: bufio.NewReaderSize(r, bufSize), name: name, max: opts.MaxSize, mode: mode, first: true}
}

// Next returns the next document. At the end it returns io.EOF. A *Error is
// a problem with one line or document: report it and call Next again. Any
// other error is a read error from the underlying reader.
func (r *Reader) Next() (Doc, error) {
	if len(r.queue) > 0 {
		d := r.queue[0]
		r.queue = r.queue[1:]
		return d, nil
	}
	for !r.done {
		line, tooLong, err := r.readLine()
		if err == io.EOF {
			r.done = true
			break
		}
		if err != nil {
			r.done = true
			return Doc{}, fmt.Errorf("read %s: %w", r.name, err)
		}
		if r.first {
			r.first = false
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if tooLong {
			if r.mode == Auto {
				r.mode = Lines // a huge first line: it can only be one line
			}
			if r.mode == Document {
				r.done = true
				return Doc{}, r.errorf(r.line, "%w: the document is larger than %s (--max-size); raise --max-size or split the input into JSON Lines", ErrTooLarge, FormatSize(r.max))
			}
			return Doc{}, r.errorf(r.line, "%w: line longer than %s (--max-size); it was skipped", ErrTooLarge, FormatSize(r.max))
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if r.mode == Auto {
			if complete(line) {
				r.mode = Lines
			} else {
				r.mode = Document
				return r.document(line, true)
			}
		}
		if r.mode == Document {
			return r.document(line, false)
		}
		return Doc{File: r.name, Line: r.line, Data: line}, nil
	}
	return Doc{}, io.EOF
}

// document reads the rest of the input after first as one document (or a
// few concatenated ones).
func (r *Reader) document(first []byte, auto bool) (Doc, error) {
	start := r.line
	r.done = true
	buf := make([]byte, 0, len(first)+1+bufSize)
	buf = append(buf, first...)
	buf = append(buf, '\n')
	// Read at most one byte more than the cap allows (with room for the
	// final line ending), so reaching the limit always means "too large":
	// nothing after the cap is ever silently ignored.
	rest, err := io.ReadAll(io.LimitReader(r.br, r.max+3-int64(len(buf))))
	if err != nil {
		return Doc{}, fmt.Errorf("read %s: %w", r.name, err)
	}
	buf = append(buf, rest...)
	if int64(len(buf)) > r.max+2 {
		return Doc{}, r.errorf(start, "%w: the document is larger than %s (--max-size); raise --max-size or split the input into JSON Lines", ErrTooLarge, FormatSize(r.max))
	}
	spans, rest0 := splitValues(buf)
	if rest0 < len(buf) && len(spans) == 0 && auto && secondLineComplete(rest) {
		// A JSON Lines session with a damaged first line.
		r.done, r.mode = false, Lines
		r.br = bufio.NewReaderSize(bytes.NewReader(rest), bufSize)
		return Doc{File: r.name, Line: start, Data: first}, nil
	}
	// One document, or several concatenated (as `jq .` prints them); any
	// unparsable remainder is passed on whole so the strict decoder reports
	// where it goes wrong.
	if rest0 < len(buf) {
		spans = append(spans, span{start: rest0, end: len(buf)})
	}
	line, off := start, 0
	for _, sp := range spans {
		line += bytes.Count(buf[off:sp.start], []byte{'\n'})
		off = sp.start
		r.queue = append(r.queue, Doc{File: r.name, Line: line, Data: buf[sp.start:sp.end]})
	}
	if len(r.queue) == 0 {
		return Doc{}, io.EOF
	}
	d := r.queue[0]
	r.queue = r.queue[1:]
	return d, nil
}

type span struct{ start, end int }

// splitValues splits buf into whitespace-separated top-level JSON values.
// It returns the values it could read and the offset where reading stopped
// (len(buf) when everything was read).
func splitValues(buf []byte) ([]span, int) {
	dec := jsontext.NewDecoder(bytes.NewReader(buf), lenient...)
	var spans []span
	for {
		at := int(dec.InputOffset())
		v, err := dec.ReadValue()
		if err == io.EOF {
			return spans, len(buf)
		}
		if err != nil {
			return spans, skipSpace(buf, at)
		}
		end := int(dec.InputOffset())
		spans = append(spans, span{start: end - len(v), end: end})
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// readLine returns the next physical line without its line ending. A line
// longer than the cap is consumed and discarded; only the cap is buffered.
func (r *Reader) readLine() ([]byte, bool, error) {
	r.buf = r.buf[:0]
	tooLong, any := false, false
	for {
		frag, err := r.br.ReadSlice('\n')
		any = any || len(frag) > 0
		if !tooLong {
			if int64(len(r.buf)+len(frag)) > r.max+2 { // room for "\r\n"
				tooLong, r.buf = true, r.buf[:0]
			} else {
				r.buf = appendGrow(r.buf, frag)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, false, err
		}
		if err == io.EOF && !any {
			return nil, false, io.EOF
		}
		r.line++
		line := bytes.TrimSuffix(bytes.TrimSuffix(r.buf, []byte("\n")), []byte("\r"))
		if !tooLong && int64(len(line)) > r.max {
			tooLong, line = true, nil
		}
		return line, tooLong, nil
	}
}

// appendGrow appends like append but doubles the capacity, so that
// buffering a line up to the cap allocates at most twice the cap in total.
func appendGrow(dst, src []byte) []byte {
	if n := len(dst) + len(src); n > cap(dst) {
		c := 2 * cap(dst)
		if c < n {
			c = n
		}
		grown := make([]byte, len(dst), c)
		copy(grown, dst)
		dst = grown
	}
	return append(dst, src...)
}

func (r *Reader) errorf(line int, format string, a ...any) *Error {
	return &Error{File: r.name, Line: line, Err: fmt.Errorf(format, a...)}
}

var lenient = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// complete reports whether b is exactly one syntactically complete JSON
// value (duplicate keys and bad UTF-8 are left to the strict decoder).
func complete(b []byte) bool { return jsontext.Value(b).IsValid(lenient...) }

func secondLineComplete(rest []byte) bool {
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		line := rest
		if i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			return complete(t)
		}
	}
	return false
}

// FormatSize renders a byte count as "16 MiB", "512 KiB" or "100 B".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
