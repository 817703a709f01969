package secrets

import (
	"runtime"
	"testing"
)

func BenchmarkOne(b *testing.B) {
	for _, s := range []string{"GITHUB_TOKEN=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",
		"DATABASE_URL=postgres://app:MtEToD4uyeti@db.internal:5432/app",
		"Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtb2F0LXRlc3QtZml4dHVyZSIsImlhdCI6MTcwMDAwMDAwMH0.NAKjKs1Pawtn3LG8Zv5Ypu8D0fzFwE7IHgYIruiqFho"} {
		b.Run(s[:8], func(b *testing.B) {
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			c0 := threadCPU()
			for b.Loop() {
				Scan(s)
			}
			b.ReportMetric(float64((threadCPU()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

var sink int

func BenchmarkCalib(b *testing.B) {
	s := benchText(10 << 10)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := threadCPU()
	for b.Loop() {
		n := 0
		for i := 0; i < len(s); i++ {
			n += int(s[i])
		}
		sink = n
	}
	b.ReportMetric(float64((threadCPU()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func BenchmarkPrefilterOnly(b *testing.B) {
	s := benchText(10 << 10)
	p := &defaultSet.pf
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := threadCPU()
	for b.Loop() {
		n := 0
		for i := 0; i+8 <= len(s); i += 4 {
			w := load64(s, i) | fold8
			if p.has(uint32(w)) {
				n++
			}
			if p.has(uint32(w >> 8)) {
				n++
			}
			if p.has(uint32(w >> 16)) {
				n++
			}
			if p.has(uint32(w >> 24)) {
				n++
			}
		}
		sink = n
	}
	b.ReportMetric(float64((threadCPU()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
