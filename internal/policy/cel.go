package policy

import (
	"fmt"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
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
	// needs are the argument names the expression tests with a top-level
	// "has(args.K) && …": when one is absent the result is false without
	// running CEL (false && anything is false in CEL, even an error).
	needs []string
}

func (c *celProg) program() (cel.Program, error) {
	c.once.Do(func() {
		var ast *cel.Ast
		if ast, c.prg, c.err = compileAST(c.expr); c.err == nil {
			c.needs = requiredArgs(ast.NativeRep().Expr(), nil)
		}
	})
	return c.prg, c.err
}

// requiredArgs collects K of every has(args.K) conjunct of a top-level &&.
func requiredArgs(e celast.Expr, out []string) []string {
	switch e.Kind() {
	case celast.CallKind:
		if call := e.AsCall(); call.FunctionName() == operators.LogicalAnd && !call.IsMemberFunction() {
			for _, a := range call.Args() {
				out = requiredArgs(a, out)
			}
		}
	case celast.SelectKind:
		if sel := e.AsSelect(); sel.IsTestOnly() && sel.Operand().Kind() == celast.IdentKind && sel.Operand().AsIdent() == "args" {
			out = append(out, sel.FieldName())
		}
	}
	return out
}

func compileCEL(expr string) (cel.Program, error) {
	_, prg, err := compileAST(expr)
	return prg, err
}

func compileAST(expr string) (*cel.Ast, cel.Program, error) {
	env, err := celEnv()
	if err != nil {
		return nil, nil, fmt.Errorf("build CEL environment: %w", err)
	}
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, nil, fmt.Errorf("CEL: %w", iss.Err())
	}
	if ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType {
		return nil, nil, fmt.Errorf("CEL: expression returns %v, want bool", ast.OutputType())
	}
	prg, err := env.Program(ast, cel.CostLimit(CELCostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, nil, fmt.Errorf("CEL: %w", err)
	}
	return ast, prg, nil
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
	for _, k := range c.needs {
		if !x.args.hasKey(k) {
			return false, nil
		}
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
