package policy

import (
	"fmt"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
)

// CELCostLimit bounds the work of one CEL evaluation.
const CELCostLimit = 1_000_000

// celEnv is created once per process, on first use, and shared by every
// rule and grant: building it is the expensive part of CEL.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("args", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("server", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("tool", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("client", cel.StringType),
		cel.Variable("session", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("now", cel.TimestampType),
	)
})

// celProg is a CEL expression compiled on first use.
type celProg struct {
	expr string
	once sync.Once
	prg  cel.Program
	err  error
}

func (c *celProg) program() (cel.Program, error) {
	c.once.Do(func() { c.prg, c.err = compileCEL(c.expr) })
	return c.prg, c.err
}

func compileCEL(expr string) (cel.Program, error) {
	env, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("build CEL environment: %w", err)
	}
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("CEL: %w", iss.Err())
	}
	if ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType {
		return nil, fmt.Errorf("CEL: expression returns %v, want bool", ast.OutputType())
	}
	prg, err := env.Program(ast, cel.CostLimit(CELCostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, fmt.Errorf("CEL: %w", err)
	}
	return prg, nil
}

// CompileWhere validates a grant's CEL condition (the same variables as a
// rule's when:). The state database calls it before storing a grant.
func CompileWhere(expr string) error {
	_, err := compileCEL(expr)
	return err
}

// eval evaluates the expression; an error is returned for the caller to
// treat fail-closed.
func (c *celProg) eval(x *evalCtx) (bool, error) {
	prg, err := c.program()
	if err != nil {
		return false, err
	}
	out, _, err := prg.Eval(x.activation())
	if err != nil {
		return false, fmt.Errorf("CEL: %w", err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("CEL: expression returned %v, want bool", out.Type())
	}
	return b, nil
}

// activation builds the CEL variables once per evaluation.
func (x *evalCtx) activation() map[string]any {
	if x.act != nil {
		return x.act
	}
	taints := []string{}
	if x.req.Session.Taint&TaintReadSecrets != 0 {
		taints = append(taints, "secrets")
	}
	if x.req.Session.Taint&TaintInjected != 0 {
		taints = append(taints, "injected")
	}
	labels := map[string]any{}
	for k, v := range x.req.Server.Labels {
		labels[k] = v
	}
	var ann any = map[string]any{}
	if a, err := decodeArgs(x.req.Tool.Annotations); err == nil {
		ann = toNative(a)
	}
	now := x.req.Now
	if now.IsZero() {
		now = time.Unix(0, 0).UTC()
	}
	x.act = map[string]any{
		"args":    toNative(x.args),
		"server":  map[string]any{"name": x.req.Server.Name, "labels": labels, "transport": x.req.Server.Transport, "package": x.req.Server.Package},
		"tool":    map[string]any{"name": x.req.Tool.Name, "annotations": ann, "pinned_hash": x.req.Tool.PinnedHash},
		"client":  x.req.Client,
		"session": map[string]any{"id": x.req.Session.ID, "taints": taints},
		"now":     now,
	}
	return x.act
}
