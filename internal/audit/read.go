package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// rawLine is one line of an audit file.
type rawLine struct {
	No       int    // 1-based line number
	Bytes    []byte // without the newline; nil when TooLong
	Complete bool   // ended with a newline
	TooLong  bool   // longer than MaxLine (skipped)
}

// eachLine calls fn for every line of r, never holding more than MaxLine
// bytes of one line.
func eachLine(r io.Reader, fn func(rawLine) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for no := 1; ; no++ {
		var line []byte
		tooLong := false
		for {
			chunk, err := br.ReadSlice('\n')
			if !tooLong {
				if len(line)+len(chunk) > MaxLine+1 {
					tooLong, line = true, nil
				} else {
					line = append(line, chunk...)
				}
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			complete := err == nil
			if !complete && len(line) == 0 && !tooLong {
				return nil // clean end of file
			}
			l := rawLine{No: no, Complete: complete, TooLong: tooLong}
			if !tooLong {
				l.Bytes = bytes.TrimSuffix(line, []byte("\n"))
			}
			if err := fn(l); err != nil {
				return err
			}
			if !complete {
				return nil
			}
			break
		}
	}
}

// Record is one record read back from the log.
type Record struct {
	File  string
	Line  int
	Event Event
	Raw   []byte
}

// errStop ends a ReadDir walk early without error.
var errStop = errors.New("stop")

// ReadDir calls fn for every well-formed record in the audit directory, in
// chain order. Malformed lines are skipped (Verify reports them). Return
// ErrStop from fn to end early.
func ReadDir(dir string, fn func(Record) error) error {
	files, err := Files(dir)
	if err != nil {
		return err
	}
	for _, name := range files {
		if err := readFile(name, 0, fn); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// ErrStop may be returned by a ReadDir callback to stop reading.
var ErrStop = errStop

// ReadFile calls fn for every well-formed record of one audit file.
func ReadFile(name string, fn func(Record) error) error {
	err := readFile(name, 0, fn)
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// readFile reads the records of one file starting at byte offset off.
func readFile(name string, off int64, fn func(Record) error) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("open audit file: %w", err)
	}
	defer f.Close()
	if off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("seek audit file: %w", err)
		}
	}
	return eachLine(f, func(l rawLine) error {
		if !l.Complete || l.TooLong {
			return nil
		}
		var e Event
		if err := json.Unmarshal(l.Bytes, &e); err != nil {
			return nil
		}
		return fn(Record{File: name, Line: l.No, Event: e, Raw: append([]byte(nil), l.Bytes...)})
	})
}
