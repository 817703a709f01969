package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func fixedClock() func() time.Time {
	var mu sync.Mutex
	n := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return t0.Add(time.Duration(n) * time.Millisecond)
	}
}

func openSink(t testing.TB, dir string, maxSize int64) *JSONL {
	t.Helper()
	s, err := Open(Options{Dir: dir, MaxSize: maxSize, Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func writeN(t testing.TB, s Sink, n int, tag string) {
	t.Helper()
	for i := 0; i < n; i++ {
		e := Event{Kind: KindDecision, Server: "github", Tool: "create_issue", Decision: "allow", Rule: "r1",
			Actor: tag, Args: json.RawMessage(fmt.Sprintf(`{"title":"issue %d","n":%d}`, i, i))}
		if err := s.Write(e); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteAndVerify(t *testing.T) {
	dir := t.TempDir()
	s := openSink(t, dir, 0)
	writeN(t, s, 5, "test")
	rep, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Intact() || rep.Records != 6 || rep.FirstSeq != 1 || rep.LastSeq != 6 || rep.LogID == "" || len(rep.Notes) != 0 {
		t.Fatalf("report %+v", rep)
	}
	var recs []Record
	if err := ReadDir(dir, func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if recs[0].Event.Kind != KindStart || recs[0].Event.Prev != GenesisHash(rep.LogID) {
		t.Fatalf("start record %+v", recs[0].Event)
	}
	e := recs[1].Event
	if e.Seq != 2 || e.Prev != hashLine(recs[0].Raw) || e.Time.IsZero() || e.Time.Location() != time.UTC {
		t.Fatalf("chain fields %+v", e)
	}
	if got := string(e.Args); got != `{"n":"<redacted:number>","title":"<redacted:7 chars>"}` {
		t.Fatalf("args stored as %s", got)
	}
	for _, name := range []string{ActiveName, lockName, headName} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", name, st.Mode(), err)
		}
	}
}

func TestRedactor(t *testing.T) {
	tests := []struct {
		name string
		r    Redactor
		in   string
		want string
	}{
		{"shape", Redactor{}, `{"path":"/etc/passwd","opts":{"recursive":true,"depth":3,"x":null},"list":["ab","ü"]}`,
			`{"list":["<redacted:2 chars>","<redacted:1 chars>"],"opts":{"depth":"<redacted:number>","recursive":true,"x":null},"path":"<redacted:11 chars>"}`},
		{"keep", Redactor{KeepValues: true}, `{"path":"/etc/passwd","n":1.50}`, `{"n":1.50,"path":"/etc/passwd"}`},
		{"empty", Redactor{}, ``, ``},
		{"no arguments", Redactor{}, ` {} `, `{}`},
		{"empty object with space", Redactor{}, `{ }`, `{}`},
		{"invalid", Redactor{}, `{"a":`, `"<invalid json:5 bytes>"`},
		{"trailing", Redactor{}, `{} {}`, `"<invalid json:5 bytes>"`},
		{"scalar", Redactor{}, `"secret"`, `"<redacted:6 chars>"`},
		{"deep", Redactor{}, strings.Repeat("[", 40) + strings.Repeat("]", 40), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(tc.r.Args(json.RawMessage(tc.in)))
			if tc.name == "deep" {
				if !strings.Contains(got, "too deep") {
					t.Fatalf("got %s", got)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	big := `"` + strings.Repeat("a", maxArgsIn) + `"`
	if got := string(Redactor{}.Args(json.RawMessage(big))); !strings.HasPrefix(got, `"<omitted:`) {
		t.Fatalf("big args: %.40s", got)
	}
}

// lines reads the active file's lines.
func lines(t *testing.T, dir string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ActiveName))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(b, []byte("\n"))[:bytes.Count(b, []byte("\n"))]
}

func writeLines(t *testing.T, dir string, ls [][]byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, ActiveName), bytes.Join(ls, nil), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name     string
		tamper   func([][]byte) [][]byte
		wantKind string
		wantLine int
	}{
		{"edit a field", func(ls [][]byte) [][]byte {
			ls[3] = bytes.Replace(ls[3], []byte(`"allow"`), []byte(`"deny"`), 1)
			return ls
		}, ProblemHash, 5},
		{"edit the last record", func(ls [][]byte) [][]byte {
			ls[7] = bytes.Replace(ls[7], []byte(`"allow"`), []byte(`"deny"`), 1)
			return ls
		}, ProblemHead, 8},
		{"delete a line", func(ls [][]byte) [][]byte { return append(ls[:4:4], ls[5:]...) }, ProblemHash, 5},
		{"swap two lines", func(ls [][]byte) [][]byte { ls[4], ls[5] = ls[5], ls[4]; return ls }, ProblemHash, 5},
		{"truncate the last line", func(ls [][]byte) [][]byte { ls[7] = ls[7][:len(ls[7])/2]; return ls }, ProblemTruncated, 8},
		{"delete the last line", func(ls [][]byte) [][]byte { return ls[:7] }, ProblemHead, 7},
		{"insert a forged line with a recomputed hash", func(ls [][]byte) [][]byte {
			var e Event
			if err := json.Unmarshal(ls[3], &e); err != nil {
				t.Fatal(err)
			}
			e.Decision, e.Prev = "allow-forged", hashLine(bytes.TrimSuffix(ls[2], []byte("\n")))
			forged, _ := json.Marshal(e)
			out := append([][]byte{}, ls[:3]...)
			out = append(out, append(forged, '\n'))
			return append(out, ls[3:]...)
		}, ProblemHash, 5},
		{"replace the start record", func(ls [][]byte) [][]byte {
			ls[0] = bytes.Replace(ls[0], []byte(`"log_id":"`), []byte(`"log_id":"0`), 1)
			return ls
		}, ProblemGenesis, 1},
		{"not json", func(ls [][]byte) [][]byte { ls[2] = []byte("garbage\n"); return ls }, ProblemMalformed, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openSink(t, dir, 0)
			writeN(t, s, 7, "x") // start + 7 = 8 lines
			writeLines(t, dir, tc.tamper(lines(t, dir)))
			rep, err := Verify(dir)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Intact() {
				t.Fatalf("tampering not detected: %+v", rep)
			}
			p := rep.Problems[0]
			if p.Kind != tc.wantKind || p.Line != tc.wantLine || filepath.Base(p.File) != ActiveName {
				t.Fatalf("first problem %s (kind %s), want kind %s at line %d; all: %v", p, p.Kind, tc.wantKind, tc.wantLine, rep.Problems)
			}
		})
	}
}

func TestRotationChainsAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	s := openSink(t, dir, 2048)
	writeN(t, s, 60, "rot")
	files, err := Files(dir)
	if err != nil || len(files) < 3 {
		t.Fatalf("files %v, %v", files, err)
	}
	for _, f := range files[:len(files)-1] {
		st, _ := os.Stat(f)
		if st.Size() > 2048 {
			t.Fatalf("%s is %d bytes, over the rotation size", f, st.Size())
		}
	}
	rep, err := Verify(dir)
	if err != nil || !rep.Intact() || rep.Records != 61 || len(rep.Files) != len(files) {
		t.Fatalf("report %+v, %v", rep, err)
	}
	// A reopened sink continues the chain from the active file.
	s2 := openSink(t, dir, 2048)
	writeN(t, s2, 3, "again")
	if rep, _ := Verify(dir); !rep.Intact() || rep.LastSeq != 64 {
		t.Fatalf("after reopen %+v", rep)
	}
	// Tampering inside a rotated file is found there.
	b, _ := os.ReadFile(files[0])
	if err := os.WriteFile(files[0], bytes.Replace(b, []byte(`"rot"`), []byte(`"ROT"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, _ = Verify(dir)
	if rep.Intact() || rep.Problems[0].File != files[0] {
		t.Fatalf("rotated tamper: %+v", rep.Problems)
	}
	// Removing the oldest file is reported as a note (retention), not tampering.
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	rep, _ = Verify(dir)
	if !rep.Intact() || len(rep.Notes) == 0 {
		t.Fatalf("after pruning: %+v", rep)
	}
	// Removing a middle file breaks the chain.
	if err := os.Remove(files[2]); err != nil {
		t.Fatal(err)
	}
	if rep, _ = Verify(dir); rep.Intact() {
		t.Fatal("missing middle file not detected")
	}
}

func TestRemovedLogIsReportedOnRestart(t *testing.T) {
	dir := t.TempDir()
	s := openSink(t, dir, 0)
	writeN(t, s, 3, "x")
	if err := os.Remove(filepath.Join(dir, ActiveName)); err != nil {
		t.Fatal(err)
	}
	writeN(t, s, 1, "after")
	rep, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Intact() || rep.Problems[0].Kind != ProblemGenesis || !strings.Contains(rep.Problems[0].Message, "seq 4") {
		t.Fatalf("removal not reported: %+v", rep)
	}
}

func TestVerifySingleFileAndErrors(t *testing.T) {
	dir := t.TempDir()
	s := openSink(t, dir, 0)
	writeN(t, s, 2, "x")
	rep, err := Verify(filepath.Join(dir, ActiveName))
	if err != nil || !rep.Intact() || rep.Records != 3 {
		t.Fatalf("%+v %v", rep, err)
	}
	if _, err := Verify(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("no error for a missing path")
	}
	if _, err := Verify(t.TempDir()); err == nil {
		t.Fatal("no error for an empty directory")
	}
}

func TestCorruptTailRefusesToChain(t *testing.T) {
	dir := t.TempDir()
	s := openSink(t, dir, 0)
	writeN(t, s, 2, "x")
	f, _ := os.OpenFile(filepath.Join(dir, ActiveName), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":4,"pre`)
	f.Close()
	if err := s.Write(Event{Kind: KindDecision}); err == nil || !strings.Contains(err.Error(), "moat audit verify") {
		t.Fatalf("write after a corrupt tail: %v", err)
	}
}

// TestConcurrentSinks writes through several sinks at once, each with its
// own lock file descriptor, as separate processes would, with rotation.
func TestConcurrentSinks(t *testing.T) {
	dir := t.TempDir()
	const writers, each = 4, 40
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		s := openSink(t, dir, 4096)
		wg.Add(1)
		go func() {
			defer wg.Done()
			writeN(t, s, each, fmt.Sprintf("w%d", w))
		}()
	}
	wg.Wait()
	rep, err := Verify(dir)
	if err != nil || !rep.Intact() || rep.Records != writers*each+1 {
		t.Fatalf("report %+v, %v", rep, err)
	}
}

// TestConcurrentProcesses appends from three child processes at once.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	if !lockSupported {
		t.Skip("no cross-process lock on this platform")
	}
	dir := t.TempDir()
	const procs, each = 3, 40
	var cmds []*exec.Cmd
	for i := 0; i < procs; i++ {
		c := exec.Command(os.Args[0], "-test.run=^TestChildAppender$")
		c.Env = append(os.Environ(), "MOAT_AUDIT_CHILD_DIR="+dir, "MOAT_AUDIT_CHILD_N="+strconv.Itoa(each))
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Verify(dir)
	if err != nil || !rep.Intact() || rep.Records != procs*each+1 {
		t.Fatalf("report %+v, %v", rep, err)
	}
}

func TestChildAppender(t *testing.T) {
	dir := os.Getenv("MOAT_AUDIT_CHILD_DIR")
	if dir == "" {
		t.Skip("only run as a child of TestConcurrentProcesses")
	}
	n, _ := strconv.Atoi(os.Getenv("MOAT_AUDIT_CHILD_N"))
	s, err := Open(Options{Dir: dir, MaxSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	writeN(t, s, n, strconv.Itoa(os.Getpid()))
}

func TestMemorySink(t *testing.T) {
	m := NewMemory(fixedClock(), Redactor{})
	writeN(t, m, 3, "m")
	ev := m.Events()
	if len(ev) != 3 || ev[2].Seq != 3 || string(ev[0].Args) == `{"title":"issue 0","n":0}` {
		t.Fatalf("%+v", ev)
	}
	if err := Discard.Write(Event{}); err != nil {
		t.Fatal(err)
	}
}

func TestLastLine(t *testing.T) {
	long := strings.Repeat("x", 10000)
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"a\nb\n", "b", true},
		{"only\n", "only", true},
		{"a\n" + long + "\n", long, true},
		{"a\nb", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, err := lastLine(strings.NewReader(tc.in), int64(len(tc.in)))
		if (err == nil) != tc.ok || string(got) != tc.want {
			t.Errorf("lastLine(%.20q) = %.20q, %v", tc.in, got, err)
		}
	}
}

func FuzzAuditVerify(f *testing.F) {
	dir := f.TempDir()
	s, err := Open(Options{Dir: dir, Now: fixedClock()})
	if err != nil {
		f.Fatal(err)
	}
	writeN(f, s, 3, "seed")
	s.Close()
	good, _ := os.ReadFile(filepath.Join(dir, ActiveName))
	f.Add(good)
	f.Add([]byte(""))
	f.Add([]byte("\n\n"))
	f.Add([]byte(`{"seq":1,"prev":"x","kind":"start"}` + "\n"))
	f.Add([]byte(`{"seq":null,"prev":null}`))
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		rep := VerifyBytes("fuzz.jsonl", data)
		if bytes.Equal(data, good) && !rep.Intact() {
			t.Fatalf("good log reported damaged: %v", rep.Problems)
		}
		for _, p := range rep.Problems {
			if p.Line <= 0 || p.Message == "" {
				t.Fatalf("unlocated problem %+v", p)
			}
		}
	})
}

// BenchmarkAuditAppend is one Write: lock, tip check, encode, write(2),
// head update; "always" adds the fsync, "interval" leaves it to the flusher.
func BenchmarkAuditAppend(b *testing.B) {
	for _, mode := range []SyncMode{SyncAlways, SyncInterval} {
		b.Run(string(mode), func(b *testing.B) {
			s, err := Open(Options{Dir: b.TempDir(), Sync: mode})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			e := Event{Kind: KindDecision, Server: "github", Tool: "create_issue", Decision: "allow", Rule: "r1",
				Args: json.RawMessage(`{"title":"x","body":"a longer body of text","labels":["a","b"]}`)}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Write(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzRedactArgs(f *testing.F) {
	for _, s := range []string{`{"a":"secret","b":[1,2,{"c":null}]}`, `"x"`, `[`, ``, `{"a":1}{"b":2}`, `{"k":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out := Redactor{}.Args(raw)
		if len(bytes.TrimSpace(raw)) == 0 {
			if out != nil {
				t.Fatalf("empty input gave %s", out)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("not JSON: %s", out)
		}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			if s, ok := v.(string); ok && len(raw) <= maxArgsIn {
				want := fmt.Sprintf(`"<redacted:%d chars>"`, utf8.RuneCountInString(s))
				if string(out) != want {
					t.Fatalf("string %q stored as %s, want %s", s, out, want)
				}
			}
		}
	})
}

func TestKeepValuesStillRedactsSecrets(t *testing.T) {
	r := Redactor{KeepValues: true}
	got := string(r.Args(json.RawMessage(`{"dsn":"postgres://admin:s3cr3tP4ss@db.internal:5432/prod","n":2}`)))
	if strings.Contains(got, "s3cr3tP4ss") || !strings.Contains(got, "db.internal") || !strings.Contains(got, `"n":2`) {
		t.Fatalf("got %s", got)
	}
	m := NewMemory(fixedClock(), Redactor{})
	_ = m.Write(Event{Kind: KindDecision, Reason: "dsn postgres://admin:s3cr3tP4ss@db.internal:5432/prod", Details: map[string]any{"cmd": []string{"psql postgres://admin:s3cr3tP4ss@db.internal/prod"}}})
	b, _ := json.Marshal(m.Events()[0])
	if strings.Contains(string(b), "s3cr3tP4ss") {
		t.Fatalf("secret in reason or details: %s", b)
	}
}

// BenchmarkAuditEncode is the CPU part of an append (redact, marshal, hash)
// without the file, lock and fsync.
func BenchmarkAuditEncode(b *testing.B) {
	m := NewMemory(fixedClock(), Redactor{})
	e := Event{Kind: KindDecision, Server: "github", Tool: "create_issue", Decision: "allow", Rule: "r1",
		Args: json.RawMessage(`{"title":"x","body":"a longer body of text","labels":["a","b"]}`)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := m.Write(e); err != nil {
			b.Fatal(err)
		}
		if i%1024 == 1023 {
			m = NewMemory(fixedClock(), Redactor{})
		}
	}
}
