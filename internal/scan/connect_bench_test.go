package scan

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/live"
)

// BenchmarkScanConnectConcurrent is the live scan of ten servers that each
// take one second to start (testdata/servers/slow): contact, inspect, check
// across servers. Servers are contacted concurrently, so one iteration takes
// about one start-up per Concurrency servers, not ten (target: well under
// 3 s): about 2 s with the default concurrency of 8, about 1 s with 10.
func BenchmarkScanConnectConcurrent(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "slow")
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/servers/slow")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building the slow server: %v\n%s", err, out)
	}
	specs := make([]inventory.ServerSpec, 10)
	for i := range specs {
		specs[i] = inventory.ServerSpec{Name: "slow" + string(rune('a'+i)), Transport: inventory.Stdio, Command: bin,
			Env:    map[string]string{"MOAT_SLOW_START": "1s", "MOAT_SLOW_ID": string(rune('a' + i))}, // ten distinct launches
			Source: inventory.Source{Client: "bench"}}
	}
	sc := engine(b)
	for _, conc := range []int{live.DefaultConcurrency, 10} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) { benchConnect(b, sc, specs, conc) })
	}
}

func benchConnect(b *testing.B, sc *detect.Engine, specs []inventory.ServerSpec, conc int) {
	for b.Loop() {
		start := time.Now()
		unique, index := Connectable(specs)
		if len(unique) != len(specs) {
			b.Fatalf("%d distinct launches, want %d", len(unique), len(specs))
		}
		res := Spread(specs, index, live.Collect(context.Background(), unique, live.Options{Environ: os.Environ(), Concurrency: conc}))
		fs := append(InspectLive(sc, res), CrossServer(res)...)
		for _, r := range res {
			if r.Err != nil {
				b.Fatalf("%s: %v", r.Spec.Name, r.Err)
			}
		}
		_ = fs
		b.ReportMetric(time.Since(start).Seconds(), "s/scan")
	}
}
