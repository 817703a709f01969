package policy

import (
	"encoding/json"
	"testing"
)

func BenchmarkMicroDecode(b *testing.B) {
	raw := benchCalls["write_file"].Arguments
	loop(b, func() { decodeArgs(raw) })
}
func BenchmarkMicroLeaves(b *testing.B) {
	v, _ := decodeArgs(benchCalls["bash"].Arguments)
	loop(b, func() { collectLeaves(v) })
}
func BenchmarkMicroBuiltinsBash(b *testing.B) {
	req := benchCalls["bash"]
	v, _ := decodeArgs(req.Arguments)
	loop(b, func() {
		x := &evalCtx{req: &req, args: v, leaves: collectLeaves(v)}
		for _, r := range Builtins() {
			r.analyze(x)
		}
	})
}

func BenchmarkMicroBaselineValid(b *testing.B) {
	raw := benchCalls["write_file"].Arguments
	loop(b, func() { json.Valid(raw) })
}
