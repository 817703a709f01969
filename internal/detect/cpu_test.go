package detect

import (
	"encoding/json"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestCPUPerOp prints CPU time per scan (user+system, from getrusage), which
// stays meaningful on a shared, loaded machine where benchmark wall time does
// not. It asserts nothing; run it with MOAT_CPU_PER_OP=1.
func TestCPUPerOp(t *testing.T) {
	if os.Getenv("MOAT_CPU_PER_OP") == "" {
		t.Skip("set MOAT_CPU_PER_OP=1 to print CPU time per scan")
	}
	e := mustEngine(t)
	clean, inj := cleanResult(), injectedResult()
	msg, _ := json.Marshal(map[string]any{"content": []any{map[string]any{"type": "text", "text": clean}}})
	measure := func(name string, n int, f func()) {
		f()
		t0 := cpuTime()
		for i := 0; i < n; i++ {
			f()
		}
		fmt.Printf("%-28s %8.1f µs CPU/op\n", name, float64(cpuTime()-t0)/float64(n)/1e3)
	}
	measure("clean-10KB", 2000, func() { e.Scan(Target{Context: Output, Text: clean}) })
	measure("injected-10KB", 2000, func() { e.Scan(Target{Context: Output, Text: inj}) })
	measure("description-200B", 20000, func() { e.Scan(Target{Context: Definition, Text: description200}) })
	ts := make([]Target, 0, 100)
	for i := 0; i < 50; i++ {
		ts = append(ts, Target{Context: Definition, Text: "search_documents", Identifier: true}, Target{Context: Definition, Text: description200})
	}
	measure("50-tool-descriptions", 500, func() { e.ScanAll(ts) })
	measure("json-unmarshal-10KB", 2000, func() { var v map[string]any; _ = json.Unmarshal(msg, &v) })
}
