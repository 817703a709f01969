package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Problem kinds reported by Verify.
const (
	ProblemMalformed = "malformed" // not a JSON record with seq and prev
	ProblemHash      = "hash"      // prev does not match the previous record
	ProblemSeq       = "seq"       // sequence number out of order
	ProblemGenesis   = "genesis"   // first record does not start a chain correctly
	ProblemTruncated = "truncated" // the file ends inside a record
	ProblemHead      = "head"      // the end of the log does not match the head file
)

// maxProblems bounds a report on a badly damaged log.
const maxProblems = 1000

// Problem is one break in the chain, located exactly.
type Problem struct {
	Kind     string `json:"kind"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Seq      int64  `json:"seq,omitempty"`
	Expected string `json:"expected,omitempty"`
	Found    string `json:"found,omitempty"`
	Message  string `json:"message"`
}

func (p Problem) String() string {
	s := fmt.Sprintf("%s:%d", p.File, p.Line)
	if p.Seq > 0 {
		s += fmt.Sprintf(" (seq %d)", p.Seq)
	}
	s += ": " + p.Message
	if p.Expected != "" || p.Found != "" {
		s += fmt.Sprintf(" (expected %s, found %s)", orNone(p.Expected), orNone(p.Found))
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

// Report is the outcome of Verify.
type Report struct {
	Files    []string  `json:"files"`
	Records  int       `json:"records"`
	FirstSeq int64     `json:"first_seq"`
	LastSeq  int64     `json:"last_seq"`
	LastHash string    `json:"last_hash"` // anchor this somewhere else
	LogID    string    `json:"log_id,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
	Notes    []string  `json:"notes,omitempty"` // facts that are not tampering
	// Truncated is set when more than maxProblems problems were found.
	Truncated bool `json:"truncated,omitempty"`
}

// Intact reports whether no problem was found.
func (r Report) Intact() bool { return len(r.Problems) == 0 }

// Verify checks the chain of an audit directory (every rotated file in
// order, then the active file, then the head file) or of a single file. It
// returns an error only when it cannot read what it was given; damage is
// reported in Report.Problems.
func Verify(path string) (Report, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Report{}, fmt.Errorf("verify audit log: %w", err)
	}
	files := []string{path}
	if st.IsDir() {
		if files, err = Files(path); err != nil {
			return Report{}, err
		}
		if len(files) == 0 {
			return Report{}, fmt.Errorf("verify audit log: no audit files in %s", path)
		}
	}
	v := &verifier{}
	if st.IsDir() {
		v.head = readHead(filepath.Join(path, headName))
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return v.rep, fmt.Errorf("verify audit log: %w", err)
		}
		err = v.file(name, f)
		f.Close()
		if err != nil {
			return v.rep, fmt.Errorf("verify audit log %s: %w", name, err)
		}
	}
	v.finish(!st.IsDir())
	return v.rep, nil
}

// head is the content of the head file.
type head struct {
	ok   bool
	seq  int64
	hash string
}

func readHead(name string) head {
	b, err := os.ReadFile(name)
	if err != nil || len(b) > 200 {
		return head{}
	}
	seq, hash, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n <= 0 || len(hash) != 64 {
		return head{}
	}
	return head{ok: true, seq: n, hash: hash}
}

// verifier walks records in chain order.
type verifier struct {
	rep      Report
	head     head
	headSeen bool
	started  bool
	prevHash string
	prevSeq  int64
	prevFile string
	prevLine int
}

func (v *verifier) add(p Problem) {
	if len(v.rep.Problems) >= maxProblems {
		v.rep.Truncated = true
		return
	}
	v.rep.Problems = append(v.rep.Problems, p)
}

// file checks one file's lines.
func (v *verifier) file(name string, r io.Reader) error {
	v.rep.Files = append(v.rep.Files, name)
	return eachLine(r, func(l rawLine) error {
		v.line(name, l)
		return nil
	})
}

// chainFields is what Verify needs from a record.
type chainFields struct {
	Seq     *int64          `json:"seq"`
	Prev    *string         `json:"prev"`
	Kind    string          `json:"kind"`
	Details json.RawMessage `json:"details"`
}

func (v *verifier) line(name string, l rawLine) {
	at := Problem{File: name, Line: l.No}
	if l.TooLong {
		at.Kind, at.Message = ProblemMalformed, fmt.Sprintf("line longer than %d bytes", MaxLine)
		v.add(at)
		v.prevHash, v.prevFile, v.prevLine = "", name, l.No
		return
	}
	if !l.Complete {
		at.Kind, at.Message = ProblemTruncated, "the file ends inside a record (cut short or an interrupted write)"
		v.add(at)
		return
	}
	var c chainFields
	dec := json.NewDecoder(bytes.NewReader(l.Bytes))
	if err := dec.Decode(&c); err != nil || dec.More() || c.Seq == nil || c.Prev == nil {
		at.Kind, at.Message = ProblemMalformed, "not a JSON record with seq and prev"
		v.add(at)
		v.prevHash, v.prevFile, v.prevLine = hashLine(l.Bytes), name, l.No
		return
	}
	at.Seq = *c.Seq
	v.check(at, c)
	h := hashLine(l.Bytes)
	if v.head.ok && *c.Seq == v.head.seq {
		v.headSeen = true
		if h != v.head.hash {
			v.add(Problem{Kind: ProblemHead, File: name, Line: l.No, Seq: *c.Seq, Expected: v.head.hash, Found: h,
				Message: "this record was changed after it was written (its hash differs from the head file's)"})
		}
	}
	v.rep.Records++
	if v.rep.FirstSeq == 0 {
		v.rep.FirstSeq = *c.Seq
	}
	v.rep.LastSeq, v.rep.LastHash = *c.Seq, h
	v.prevHash, v.prevSeq, v.prevFile, v.prevLine = h, *c.Seq, name, l.No
}

// check compares one record with its predecessor.
func (v *verifier) check(at Problem, c chainFields) {
	seq, prev := *c.Seq, *c.Prev
	if !v.started {
		v.started = true
		v.checkFirst(at, c)
		return
	}
	prevAt := fmt.Sprintf("%s:%d", filepath.Base(v.prevFile), v.prevLine)
	if prev != v.prevHash {
		at.Kind, at.Expected, at.Found = ProblemHash, v.prevHash, prev
		switch {
		case v.prevHash == "":
			at.Message = fmt.Sprintf("cannot link to the unreadable line at %s", prevAt)
		case seq == v.prevSeq+1:
			at.Message = fmt.Sprintf("prev does not match the record before it (%s, seq %d): that record was edited, or this one was replaced", prevAt, v.prevSeq)
		case seq > v.prevSeq+1:
			at.Message = fmt.Sprintf("records seq %d to %d are missing after %s (removed)", v.prevSeq+1, seq-1, prevAt)
		default:
			at.Message = fmt.Sprintf("seq %d follows seq %d at %s: records were reordered, duplicated or inserted", seq, v.prevSeq, prevAt)
		}
		v.add(at)
		return
	}
	if seq != v.prevSeq+1 {
		at.Kind, at.Expected, at.Found = ProblemSeq, strconv.FormatInt(v.prevSeq+1, 10), strconv.FormatInt(seq, 10)
		at.Message = fmt.Sprintf("sequence number breaks after %s although prev matches: a forged record", prevAt)
		v.add(at)
	}
}

// checkFirst checks the first record: a start record with the genesis prev
// when it is seq 1; otherwise the chain begins mid-way (older files gone).
func (v *verifier) checkFirst(at Problem, c chainFields) {
	if *c.Seq != 1 {
		v.rep.Notes = append(v.rep.Notes, fmt.Sprintf("the chain starts at seq %d in %s: older records are not present (rotated files removed, or a single file given); only links from there on are checked", *c.Seq, filepath.Base(at.File)))
		return
	}
	var d struct {
		LogID   string `json:"log_id"`
		Restart *struct {
			Seq  int64  `json:"seq"`
			Hash string `json:"hash"`
		} `json:"restarted_after"`
	}
	_ = json.Unmarshal(c.Details, &d)
	if c.Kind != KindStart || d.LogID == "" {
		at.Kind, at.Message = ProblemGenesis, "seq 1 is not a start record with a log id"
		v.add(at)
		return
	}
	v.rep.LogID = d.LogID
	if d.Restart != nil {
		p := at
		p.Kind, p.Expected, p.Found = ProblemGenesis, fmt.Sprintf("a log continuing seq %d", d.Restart.Seq), "a new log"
		p.Message = fmt.Sprintf("the log was started again although a previous log had reached seq %d (hash %s): its files were removed", d.Restart.Seq, d.Restart.Hash)
		v.add(p)
	}
	if want := GenesisHash(d.LogID); *c.Prev != want {
		at.Kind, at.Expected, at.Found, at.Message = ProblemGenesis, want, *c.Prev, "the start record's prev is not the genesis hash of its log id"
		v.add(at)
	}
}

// finish compares the end of the chain with the head file.
func (v *verifier) finish(single bool) {
	if v.rep.Records == 0 && len(v.rep.Problems) == 0 {
		v.rep.Notes = append(v.rep.Notes, "the log is empty")
	}
	if single || !v.head.ok {
		if !single {
			v.rep.Notes = append(v.rep.Notes, "no head file: removal of the last records cannot be detected")
		}
		return
	}
	last := Problem{Kind: ProblemHead, File: v.prevFile, Line: v.prevLine, Seq: v.rep.LastSeq}
	switch {
	case v.rep.LastSeq < v.head.seq:
		last.Expected, last.Found = strconv.FormatInt(v.head.seq, 10), strconv.FormatInt(v.rep.LastSeq, 10)
		last.Message = fmt.Sprintf("the log ends at seq %d but the head file records seq %d: records were removed from the end", v.rep.LastSeq, v.head.seq)
		v.add(last)
	case !v.headSeen:
		last.Message = fmt.Sprintf("the head file's seq %d is not in the log", v.head.seq)
		v.add(last)
	case v.rep.LastSeq > v.head.seq:
		v.rep.Notes = append(v.rep.Notes, fmt.Sprintf("%d record(s) after the head mark (seq %d): a writer stopped before updating the head file; they are chained but not anchored", v.rep.LastSeq-v.head.seq, v.head.seq))
	}
}

// VerifyBytes checks one in-memory file; for fuzzing and tests.
func VerifyBytes(name string, data []byte) Report {
	v := &verifier{}
	if err := v.file(name, bytes.NewReader(data)); err != nil && !errors.Is(err, io.EOF) {
		v.add(Problem{Kind: ProblemMalformed, File: name, Message: err.Error()})
	}
	v.finish(true)
	return v.rep
}
