package audit

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeSync counts fsyncs, can fail them, and controls the flusher's timer.
type fakeSync struct {
	mu     sync.Mutex
	n      int
	fail   error
	synced chan struct{}  // one value per fsync
	timers chan struct{}  // one value per timer the flusher starts
	tick   chan time.Time // fires the pending timer
}

func newFakeSync() *fakeSync {
	return &fakeSync{synced: make(chan struct{}, 100), timers: make(chan struct{}, 100), tick: make(chan time.Time)}
}

func (f *fakeSync) fsync(*os.File) error {
	f.mu.Lock()
	f.n++
	err := f.fail
	f.mu.Unlock()
	f.synced <- struct{}{}
	return err
}

func (f *fakeSync) after(time.Duration) <-chan time.Time {
	f.timers <- struct{}{}
	return f.tick
}

func (f *fakeSync) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func openFake(t *testing.T, opts Options) (*JSONL, *fakeSync) {
	t.Helper()
	fs := newFakeSync()
	opts.Dir, opts.Now, opts.After = t.TempDir(), fixedClock(), fs.after
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.fsync = fs.fsync
	t.Cleanup(func() { s.Close() })
	return s, fs
}

func TestParseSync(t *testing.T) {
	for in, want := range map[string]SyncMode{"": SyncInterval, "interval": SyncInterval, "always": SyncAlways} {
		if got, err := ParseSync(in); err != nil || got != want {
			t.Errorf("ParseSync(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"Always", "never", "1"} {
		if _, err := ParseSync(in); err == nil {
			t.Errorf("ParseSync(%q) accepted", in)
		}
	}
	if _, err := Open(Options{Dir: t.TempDir(), Sync: "sometimes"}); err == nil {
		t.Fatal("Open accepted an unknown sync mode")
	}
}

// TestGroupCommitInterval: records wait for the timer, then one fsync
// covers all of them.
func TestGroupCommitInterval(t *testing.T) {
	s, fs := openFake(t, Options{SyncBatch: 100})
	writeN(t, s, 5, "a")
	<-fs.timers // the flusher waits for its timer
	if n := fs.count(); n != 0 {
		t.Fatalf("%d fsyncs before the interval", n)
	}
	fs.tick <- time.Time{}
	<-fs.synced
	writeN(t, s, 1, "b")
	<-fs.timers // a new round for the new record
	if n := fs.count(); n != 1 {
		t.Fatalf("%d fsyncs, want 1 for 6 records", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := fs.count(); n != 2 {
		t.Fatalf("Close did not sync the last record: %d fsyncs", n)
	}
}

// TestGroupCommitBatch: a full batch is synced without waiting for the timer.
func TestGroupCommitBatch(t *testing.T) {
	s, fs := openFake(t, Options{SyncBatch: 4})
	writeN(t, s, 3, "a") // with the start record: 4
	<-fs.synced
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSyncAlways fsyncs every record before Write returns.
func TestSyncAlways(t *testing.T) {
	s, fs := openFake(t, Options{Sync: SyncAlways})
	writeN(t, s, 3, "a")
	if n := fs.count(); n != 4 {
		t.Fatalf("%d fsyncs for 4 records", n)
	}
	if err := s.Close(); err != nil || fs.count() != 4 {
		t.Fatalf("close: %v, %d fsyncs", err, fs.count())
	}
}

// TestFailedSyncFailsLaterWrites: after the flusher's fsync fails, every
// Write and Close return the error (the guard then fails closed).
func TestFailedSyncFailsLaterWrites(t *testing.T) {
	s, fs := openFake(t, Options{SyncBatch: 100})
	fs.fail = syscall.EIO
	writeN(t, s, 1, "a")
	s.mu.Lock()
	done := s.gc.synced
	s.mu.Unlock()
	<-fs.timers
	fs.tick <- time.Time{}
	<-done // the flusher has recorded the failure
	err := s.Write(Event{Kind: KindDecision})
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("write after a failed fsync: %v", err)
	}
	if err := s.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Sync after a failed fsync: %v", err)
	}
	if err := s.Close(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Close after a failed fsync: %v", err)
	}
}

func TestFailedSyncAlways(t *testing.T) {
	s, fs := openFake(t, Options{Sync: SyncAlways})
	fs.fail = syscall.EIO
	if err := s.Write(Event{Kind: KindDecision}); !errors.Is(err, syscall.EIO) {
		t.Fatalf("write with a failing fsync: %v", err)
	}
	fs.fail = nil
	if err := s.Write(Event{Kind: KindDecision}); !errors.Is(err, syscall.EIO) {
		t.Fatalf("a failed fsync must stay failed: %v", err)
	}
}

// TestCloseSyncFailure: Close reports an fsync that fails at Close.
func TestCloseSyncFailure(t *testing.T) {
	s, fs := openFake(t, Options{SyncBatch: 100})
	writeN(t, s, 2, "a")
	fs.mu.Lock()
	fs.fail = syscall.ENOSPC
	fs.mu.Unlock()
	if err := s.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("close: %v", err)
	}
	if err := s.Write(Event{Kind: KindDecision}); err == nil {
		t.Fatal("write after close accepted")
	}
}

// TestGroupCommitRotation: records of a rotated file are synced before the
// rename, and the chain stays intact.
func TestGroupCommitRotation(t *testing.T) {
	s, fs := openFake(t, Options{SyncBatch: 1000, MaxSize: 2048})
	writeN(t, s, 30, "r")
	if fs.count() == 0 {
		t.Fatal("rotation did not sync the old file")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(s.opts.Dir)
	if err != nil || !rep.Intact() || rep.Records != 31 || len(rep.Notes) != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
}

// TestGroupCommitConcurrent: writers racing the real flusher (run with -race).
func TestGroupCommitConcurrent(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, SyncBatch: 3, SyncInterval: time.Microsecond, MaxSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			writeN(t, s, 50, strconv.Itoa(w))
			if err := s.Sync(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir)
	if err != nil || !rep.Intact() || rep.Records != 201 || len(rep.Notes) != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
}

// TestKilledWriterLosesNothing: a child process writes records in interval
// mode (its flusher never fires), says so, and is killed with SIGKILL.
// Every record Write returned for is in the log, chained and anchored.
func TestKilledWriterLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := t.TempDir()
	const n = 25
	c := exec.Command(os.Args[0], "-test.run=^TestChildKilledWriter$")
	c.Env = append(os.Environ(), "MOAT_AUDIT_KILL_DIR="+dir, "MOAT_AUDIT_KILL_N="+strconv.Itoa(n))
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "written\n" {
		_ = c.Process.Kill()
		_ = c.Wait()
		t.Fatalf("child said %q, %v", line, err)
	}
	if err := c.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.Wait()
	rep, err := Verify(dir)
	if err != nil || !rep.Intact() || rep.Records != n+1 || rep.LastSeq != n+1 || len(rep.Notes) != 0 {
		t.Fatalf("after SIGKILL: report %+v, %v", rep, err)
	}
}

func TestChildKilledWriter(t *testing.T) {
	dir := os.Getenv("MOAT_AUDIT_KILL_DIR")
	if dir == "" {
		t.Skip("only run as a child of TestKilledWriterLosesNothing")
	}
	n, _ := strconv.Atoi(os.Getenv("MOAT_AUDIT_KILL_N"))
	never := make(chan time.Time)
	s, err := Open(Options{Dir: dir, SyncBatch: 1 << 20, After: func(time.Duration) <-chan time.Time { return never }})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, s, n, "child")
	os.Stdout.WriteString("written\n")
	time.Sleep(time.Hour) // killed here, with unsynced records and no Close
}

func TestOpenDefaultEnv(t *testing.T) {
	state := t.TempDir()
	env := map[string]string{SyncEnv: "always"}
	s, err := OpenDefaultEnv(state, nil, func(k string) string { return env[k] })
	if err != nil || s.opts.Sync != SyncAlways {
		t.Fatalf("always: %v", err)
	}
	s.Close()
	env[SyncEnv] = ""
	if s, err = OpenDefaultEnv(state, nil, func(k string) string { return env[k] }); err != nil || s.opts.Sync != SyncInterval {
		t.Fatalf("default: %v", err)
	}
	s.Close()
	env[SyncEnv] = "fast"
	if _, err := OpenDefaultEnv(state, nil, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), SyncEnv) {
		t.Fatalf("unknown mode: %v", err)
	}
}

// TestRotationDuringFlusherSync: a rotation while the flusher's fsync is
// still running syncs the old file itself (the flusher's fsync may find
// the file closed under it).
func TestRotationDuringFlusherSync(t *testing.T) {
	s, fs := openFake(t, Options{SyncBatch: 1000, MaxSize: 2048})
	entered, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // runs before the sink's Close
	var mu sync.Mutex
	calls := 0
	s.fsync = func(f *os.File) error {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			close(entered)
			<-release
		}
		return f.Sync()
	}
	writeN(t, s, 1, "a")
	<-fs.timers
	fs.tick <- time.Time{}
	<-entered // the flusher is inside its fsync, with no record left dirty
	if err := s.Write(Event{Kind: KindDecision, Reason: strings.Repeat("r", 3000)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	n := calls
	mu.Unlock()
	if n != 2 {
		t.Fatalf("rotation made %d fsync calls in all, want its own", n)
	}
	releaseOnce.Do(func() { close(release) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := Files(s.opts.Dir)
	if len(files) != 2 {
		t.Fatalf("files %v, want a rotated file and the active one", files)
	}
}

// TestRemovedHeadIsRecreated: the head file is kept open between writes,
// but a removed head file is recreated by the next write.
func TestRemovedHeadIsRecreated(t *testing.T) {
	if !lockSupported {
		t.Skip("unix only")
	}
	dir := t.TempDir()
	s := openSink(t, dir, 0)
	writeN(t, s, 2, "a")
	if err := os.Remove(filepath.Join(dir, headName)); err != nil {
		t.Fatal(err)
	}
	writeN(t, s, 1, "b")
	h := readHead(filepath.Join(dir, headName))
	if !h.ok || h.seq != 4 {
		t.Fatalf("head after removal: %+v", h)
	}
}
