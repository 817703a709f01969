package eval

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
)

// evalDir locates the shared evaluation data: $MOAT_EVAL_DIR, else
// ../shared/eval next to the repository root (the directory with go.mod).
func evalDir() (string, error) {
	if d := os.Getenv("MOAT_EVAL_DIR"); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "eval")
			if _, err := os.Stat(d); err != nil {
				return "", fmt.Errorf("no evaluation data at %s: %w", d, err)
			}
			return d, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod) not found")
		}
		dir = parent
	}
}

func readJSONL(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var rows []map[string]any
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rows = append(rows, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return rows
}

var (
	injectionCats = map[string]bool{finding.CatToolPoisoning: true, finding.CatPromptInjection: true, finding.CatHiddenContent: true}
	secretCats    = map[string]bool{finding.CatSecret: true}
	anyCats       = map[string]bool{finding.CatToolPoisoning: true, finding.CatPromptInjection: true, finding.CatHiddenContent: true, finding.CatSecret: true}
)

// flagged returns the findings of at least medium severity in cats.
func flagged(fs []finding.Finding, cats map[string]bool) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Severity >= finding.Medium && cats[f.Category] {
			out = append(out, f)
		}
	}
	return out
}

// row is one line of the results table.
type row struct {
	set, subset, metric string
	n, k                int
	target              float64 // recall ≥ target, or FP rate ≤ target; <0 = report only
	notes               []string
}

func (r *row) rate() float64 {
	if r.n == 0 {
		return 0
	}
	return float64(r.k) / float64(r.n)
}

func (r *row) ok() bool {
	if r.target < 0 || r.n == 0 {
		return true
	}
	if r.metric == "recall" {
		return r.rate() >= r.target
	}
	return r.rate() <= r.target
}

func (r *row) add(hit bool, note string) {
	r.n++
	if hit {
		r.k++
	}
	if note != "" && (hit == (r.metric != "recall")) {
		r.notes = append(r.notes, note)
	}
}

func brief(fs []finding.Finding) string {
	var b []string
	for _, f := range fs {
		b = append(b, fmt.Sprintf("%s/%s %q", f.Rule, f.Severity, clipStr(f.Evidence, 90)))
	}
	return strings.Join(b, "; ")
}

func clipStr(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
			n--
		}
		return s[:n] + "…"
	}
	return s
}

func scanAll(e *detect.Engine, ts []detect.Target) []finding.Finding {
	var out []finding.Finding
	for _, t := range ts {
		out = append(out, e.Scan(t)...)
	}
	return out
}

// TestEval prints recall and false-positive rates per data set and fails
// when a target is missed.
func TestEval(t *testing.T) {
	dir, err := evalDir()
	if err != nil {
		t.Skipf("evaluation data not available: %v", err)
	}
	e, err := detect.New(detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []*row
	rows = append(rows, evalGuard(t, e, dir)...)
	rows = append(rows, evalMSB(t, e, dir)...)
	rows = append(rows, evalBIPIA(t, e, dir)...)
	rows = append(rows, evalDocker(t, e, dir)...)
	rows = append(rows, evalCisco(t, e, dir)...)
	printTable(t, rows)
	for _, r := range rows {
		if !r.ok() {
			t.Errorf("%s / %s: %s %.3f misses the target %.3f", r.set, r.subset, r.metric, r.rate(), r.target)
		}
	}
}

func printTable(t *testing.T, rows []*row) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-26s %-40s %-7s %5s %5s %7s %8s %s\n", "data set", "subset", "metric", "k", "n", "rate", "target", "status")
	fmt.Fprintf(&b, "%s\n", strings.Repeat("-", 112))
	for _, r := range rows {
		tgt, status := "report", ""
		if r.target >= 0 {
			op := "≥"
			if r.metric != "recall" {
				op = "≤"
			}
			tgt = fmt.Sprintf("%s%.3f", op, r.target)
			status = "ok"
			if !r.ok() {
				status = "MISS"
			}
		}
		fmt.Fprintf(&b, "%-26s %-40s %-7s %5d %5d %7.3f %8s %s\n", r.set, r.subset, r.metric, r.k, r.n, r.rate(), tgt, status)
	}
	t.Log(b.String())
	if testing.Verbose() {
		for _, r := range rows {
			if len(r.notes) == 0 {
				continue
			}
			kind := "misses"
			if r.metric != "recall" {
				kind = "false positives"
			}
			sort.Strings(r.notes)
			t.Logf("\n== %s / %s — %s (%d):\n  %s", r.set, r.subset, kind, len(r.notes), strings.Join(r.notes, "\n  "))
		}
	}
}
