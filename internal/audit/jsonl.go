package audit

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// File names inside the audit directory.
const (
	DirName      = "audit"
	ActiveName   = "audit.jsonl"
	lockName     = "audit.lock"
	headName     = "audit.head"
	rotatedGlob  = "audit-*.jsonl"
	rotateLayout = "20060102T150405.000000000Z"
)

// DefaultMaxSize is the size at which the active file is rotated.
const DefaultMaxSize = 10 << 20

// MaxLine is the largest record line accepted, written or read.
const MaxLine = 1 << 20

// ErrCorruptTail means the active file does not end with a complete record,
// so a new record cannot be chained to it.
var ErrCorruptTail = errors.New("audit log does not end with a complete record")

// Options configures a JSONL sink.
type Options struct {
	// Dir is the audit directory (created 0700). Required.
	Dir string
	// MaxSize rotates the active file before it would grow past this many
	// bytes. Zero means DefaultMaxSize.
	MaxSize int64
	// Redactor decides how arguments are stored (default: shape only).
	Redactor Redactor
	// Now stamps events that have no time. Nil means time.Now.
	Now func() time.Time
	// Sync says when records are fsynced (default SyncInterval).
	Sync SyncMode
	// SyncInterval bounds how long a record stays unsynced in interval
	// mode (default DefaultSyncInterval); SyncBatch unsynced records are
	// synced at once (default DefaultSyncBatch).
	SyncInterval time.Duration
	SyncBatch    int
	// After is the flusher's timer (default time.After); for tests.
	After func(time.Duration) <-chan time.Time
}

// JSONL appends hash-chained records to <Dir>/audit.jsonl. It is safe for
// concurrent use, and (on Unix) for several processes sharing the directory.
type JSONL struct {
	opts Options
	mu   sync.Mutex
	lock *os.File
	f    *os.File
	// cache of the chain tip, valid while the file still has size bytes.
	size     int64
	lastSeq  int64
	lastHash string
	valid    bool
	head     *os.File // audit.head, kept open and rewritten in place
	closing  bool
	gc       groupCommit
	fsync    func(*os.File) error // (*os.File).Sync; tests inject failures
}

// Dir returns the audit directory inside moat's state directory.
func Dir(stateDir string) string { return filepath.Join(stateDir, DirName) }

// Open opens (creating if needed) the audit log in opts.Dir.
func Open(opts Options) (*JSONL, error) {
	if opts.Dir == "" {
		return nil, errors.New("audit: no directory given")
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	mode, err := ParseSync(string(opts.Sync))
	if err != nil {
		return nil, err
	}
	opts.Sync = mode
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = DefaultSyncInterval
	}
	if opts.SyncBatch <= 0 {
		opts.SyncBatch = DefaultSyncBatch
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create audit directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(opts.Dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit lock: %w", err)
	}
	return &JSONL{opts: opts, lock: lock, gc: groupCommit{synced: make(chan struct{})},
		fsync: (*os.File).Sync}, nil
}

// Close fsyncs what is unsynced and releases the files. It returns a failed
// fsync's error, even one met earlier by the flusher.
func (s *JSONL) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	s.closing = true
	s.stopFlusher()
	errs := []error{s.syncLocked()}
	s.signalSynced(s.gc.synced) // writers waiting for room see the close
	if s.f != nil {
		errs = append(errs, s.f.Close())
		s.f = nil
	}
	if s.head != nil {
		errs = append(errs, s.head.Close())
		s.head = nil
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
		s.lock = nil
	}
	return errors.Join(errs...)
}

// Write appends e as the next record: it takes the cross-process lock, finds
// the chain tip (rotating first if the file is full), writes the line in one
// append (in the file when Write returns), fsyncs it or hands it to the
// flusher (see SyncMode), and records the new tip in the head file.
func (s *JSONL) Write(e Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errors.New("audit: write after close")
	}
	if err := s.waitForRoom(); err != nil {
		return err
	}
	if s.closing {
		return errors.New("audit: write after close")
	}
	if err := lockFile(s.lock); err != nil {
		return err
	}
	defer func() { _ = unlockFile(s.lock) }()
	st, err := s.openActive()
	if err != nil {
		return err
	}
	if err := s.loadTip(st); err != nil {
		return err
	}
	if s.lastSeq == 0 {
		if err := s.writeStart(); err != nil {
			return err
		}
	}
	line, err := s.encode(e)
	if err != nil {
		return err
	}
	if s.size > 0 && s.size+int64(len(line))+1 > s.opts.MaxSize {
		if err := s.rotate(); err != nil {
			return err
		}
		if line, err = s.encode(e); err != nil {
			return err
		}
	}
	return s.append(line)
}

// encode prepares and marshals e as the record after the current tip.
func (s *JSONL) encode(e Event) ([]byte, error) {
	e = prepare(e, s.lastSeq+1, s.lastHash, s.opts.Now, s.opts.Redactor)
	line, err := marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode audit record: %w", err)
	}
	if len(line) > MaxLine {
		e.Args, e.Details = quoted(fmt.Sprintf("<omitted:record over %d bytes>", MaxLine)), nil
		if line, err = marshal(e); err != nil {
			return nil, fmt.Errorf("encode audit record: %w", err)
		}
	}
	return line, nil
}

// writeStart begins a new chain with a start record carrying a random log id.
func (s *JSONL) writeStart() error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("audit log id: %w", err)
	}
	id := hex.EncodeToString(b[:])
	s.lastHash = GenesisHash(id)
	start := Event{Kind: KindStart, Actor: "moat", Details: map[string]any{"log_id": id, "format": 1}}
	// A head file without any log file means the files were removed: say so
	// in the new chain, where Verify will report it.
	if h := readHead(filepath.Join(s.opts.Dir, headName)); h.ok {
		start.Details["restarted_after"] = map[string]any{"seq": h.seq, "hash": h.hash}
	}
	line, err := s.encode(start)
	if err != nil {
		return err
	}
	return s.append(line)
}

// append writes one line with a single write call, has it synced and moves
// the tip.
func (s *JSONL) append(line []byte) error {
	buf := make([]byte, 0, len(line)+1)
	buf = append(append(buf, line...), '\n')
	if _, err := s.f.Write(buf); err != nil {
		s.valid = false
		return fmt.Errorf("append audit record: %w", err)
	}
	if err := s.written(); err != nil {
		return err
	}
	s.size += int64(len(buf))
	s.lastSeq++
	s.lastHash = hashLine(line)
	s.writeHead()
	return nil
}

// openActive (re)opens the active file if another process rotated it, and
// returns the open file's status.
func (s *JSONL) openActive() (os.FileInfo, error) {
	path := filepath.Join(s.opts.Dir, ActiveName)
	if s.f != nil {
		cur, err1 := os.Stat(path)
		mine, err2 := s.f.Stat()
		if err1 == nil && err2 == nil && os.SameFile(cur, mine) {
			return mine, nil
		}
		// Another process rotated it: our unsynced records are in the old
		// file (the inode this descriptor still names); sync them first.
		if err := s.syncLocked(); err != nil {
			return nil, err
		}
		_ = s.f.Close()
		s.f, s.valid = nil, false
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	s.f = f
	// The head file is reopened with the log, so that a replaced head
	// file is picked up.
	if s.head != nil {
		_ = s.head.Close()
		s.head = nil
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat audit log: %w", err)
	}
	if st.Size() == 0 { // possibly created just now: make its name durable
		_ = syncDir(s.opts.Dir)
	}
	return st, nil
}

// loadTip finds the last record's seq and hash, from the cache when no other
// process appended since (st is the active file's status), else from the
// end of the file (or, for an empty file, from the newest rotated file).
func (s *JSONL) loadTip(st os.FileInfo) error {
	if s.valid && st.Size() == s.size {
		return nil
	}
	s.size, s.lastSeq, s.lastHash, s.valid = st.Size(), 0, "", false
	src := s.f
	size := st.Size()
	if size == 0 {
		prev, err := newestRotated(s.opts.Dir)
		if err != nil || prev == "" {
			s.valid = err == nil
			return err
		}
		pf, err := os.Open(prev)
		if err != nil {
			return fmt.Errorf("open rotated audit log: %w", err)
		}
		defer pf.Close()
		pst, err := pf.Stat()
		if err != nil {
			return fmt.Errorf("stat rotated audit log: %w", err)
		}
		src, size = pf, pst.Size()
	}
	line, err := lastLine(src, size)
	if err != nil {
		return fmt.Errorf("%w: %s: %w; run 'moat audit verify' and move the damaged file aside", ErrCorruptTail, src.Name(), err)
	}
	var tip struct {
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal(line, &tip); err != nil || tip.Seq <= 0 {
		return fmt.Errorf("%w: %s: last record has no valid seq; run 'moat audit verify'", ErrCorruptTail, src.Name())
	}
	s.lastSeq, s.lastHash, s.valid = tip.Seq, hashLine(line), true
	return nil
}

// lastLine returns the final newline-terminated line of r (size bytes),
// without its newline, reading backwards in blocks, at most MaxLine bytes.
func lastLine(r io.ReaderAt, size int64) ([]byte, error) {
	if size == 0 {
		return nil, errors.New("empty file")
	}
	var end [1]byte
	if _, err := r.ReadAt(end[:], size-1); err != nil {
		return nil, err
	}
	if end[0] != '\n' {
		return nil, errors.New("the last line is incomplete")
	}
	const block = 4096
	var buf []byte // bytes [pos, size-1)
	for pos := size - 1; pos > 0; {
		n := min(int64(block), pos)
		chunk := make([]byte, n, n+int64(len(buf)))
		if _, err := r.ReadAt(chunk, pos-n); err != nil {
			return nil, err
		}
		pos -= n
		buf = append(chunk, buf...)
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			return buf[i+1:], nil
		}
		if len(buf) > MaxLine {
			return nil, fmt.Errorf("last line longer than %d bytes", MaxLine)
		}
	}
	return buf, nil
}

// rotate renames the active file to audit-<time>.jsonl and opens a fresh
// one; the chain tip carries over, so the new file's first record links to
// the old file's last.
func (s *JSONL) rotate() error {
	name := "audit-" + s.opts.Now().UTC().Format(rotateLayout)
	dst := filepath.Join(s.opts.Dir, name+".jsonl")
	for i := 1; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
			break
		}
		if i > 100 {
			return errors.New("rotate audit log: no free file name")
		}
		// "~" sorts after ".", so same-instant rotations stay in order.
		dst = filepath.Join(s.opts.Dir, fmt.Sprintf("%s~%03d.jsonl", name, i))
	}
	// Every record of the old file is on disk before it is renamed.
	if err := s.syncLocked(); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(s.opts.Dir, ActiveName), dst); err != nil {
		return fmt.Errorf("rotate audit log: %w", err)
	}
	seq, hash := s.lastSeq, s.lastHash
	_ = s.f.Close()
	s.f = nil
	if _, err := s.openActive(); err != nil {
		return err
	}
	s.size, s.lastSeq, s.lastHash, s.valid = 0, seq, hash, true
	return nil
}

// writeHead records the chain tip in the head file, overwriting it in place
// (fixed width, no fsync: after a crash the head may lag the log, which
// Verify reports as unanchored records, never as tampering).
func (s *JSONL) writeHead() {
	if s.head != nil && unlinked(s.head) { // removed: recreate it, as before
		_ = s.head.Close()
		s.head = nil
	}
	if s.head == nil {
		f, err := os.OpenFile(filepath.Join(s.opts.Dir, headName), os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return
		}
		s.head = f
	}
	var b [96]byte
	line := fmt.Appendf(b[:0], "%020d %s\n", s.lastSeq, s.lastHash)
	_, _ = s.head.WriteAt(line, 0)
}

// Files returns the audit files of dir in chain order: rotated files by
// the sequence number of their first record (names carry the rotation time,
// but clocks can step backwards), then the active file.
func Files(dir string) ([]string, error) {
	rotated, err := rotatedFiles(dir)
	if err != nil {
		return nil, err
	}
	active := filepath.Join(dir, ActiveName)
	if _, err := os.Stat(active); err == nil {
		rotated = append(rotated, active)
	}
	return rotated, nil
}

func rotatedFiles(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, rotatedGlob))
	if err != nil {
		return nil, fmt.Errorf("list audit files: %w", err)
	}
	first := make(map[string]int64, len(names))
	for _, n := range names {
		first[n] = firstSeq(n)
	}
	sort.SliceStable(names, func(i, j int) bool {
		a, b := first[names[i]], first[names[j]]
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	return names, nil
}

// FirstSeq is the seq of a file's first record, or MaxInt64 if unreadable.
func FirstSeq(name string) int64 { return firstSeq(name) }

func firstSeq(name string) int64 {
	f, err := os.Open(name)
	if err != nil {
		return math.MaxInt64
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 4096).ReadSlice('\n')
	if err != nil {
		return math.MaxInt64
	}
	var r struct {
		Seq *int64 `json:"seq"`
	}
	if json.Unmarshal(line, &r) != nil || r.Seq == nil {
		return math.MaxInt64
	}
	return *r.Seq
}

// newestRotated returns the last rotated file in chain order, or "".
func newestRotated(dir string) (string, error) {
	files, err := rotatedFiles(dir)
	if err != nil || len(files) == 0 {
		return "", err
	}
	return files[len(files)-1], nil
}

// marshal encodes v as JSON without HTML escaping (records stay readable:
// "<redacted:3 chars>", not "\u003credacted…").
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// OpenDefault opens the audit log of moat's state directory with default
// options and the given clock.
func OpenDefault(stateDir string, now func() time.Time) (*JSONL, error) {
	return Open(Options{Dir: Dir(stateDir), Now: now})
}

// SyncEnv names the environment variable that chooses the sync mode of a
// long-running writer (moat run): "always" or "interval" (the default).
const SyncEnv = "MOAT_AUDIT_SYNC"

// OpenDefaultEnv is OpenDefault with the sync mode read from SyncEnv
// through getenv. An unknown mode is an error, not a silent default.
func OpenDefaultEnv(stateDir string, now func() time.Time, getenv func(string) string) (*JSONL, error) {
	mode, err := ParseSync(getenv(SyncEnv))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SyncEnv, err)
	}
	return Open(Options{Dir: Dir(stateDir), Now: now, Sync: mode})
}
