package eval

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
)

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func evalGuard(t *testing.T, e *detect.Engine, dir string) []*row {
	const set = "mcp-guard-corpus"
	def := &row{set: set, subset: "tools/list+initialize attacks", metric: "recall", target: 0.95}
	resp := &row{set: set, subset: "response attacks (results/resources/…)", metric: "recall", target: 0.95}
	warn := &row{set: set, subset: "warn-tier cases (any finding ≥ low)", metric: "recall", target: -1}
	cred := &row{set: set, subset: "credential egress (secret)", metric: "recall", target: -1}
	benign := &row{set: set, subset: "benign/pass cases", metric: "FP", target: -1}
	legit := &row{set: set, subset: "legitimate_sessions messages", metric: "FP", target: -1}
	policy := &row{set: set, subset: "not counted: tools/call requests, drift", metric: "count", target: -1}
	for _, c := range readJSONL(t, filepath.Join(dir, "mcp-guard-corpus", "cases.jsonl")) {
		id := str(c, "id")
		msg, _ := c["message"].(map[string]any)
		if msg == nil || str(c, "bucket") == "drift" {
			policy.add(true, "")
			continue
		}
		ts, carrier := MessageTargets(msg)
		if carrier == "request" {
			policy.add(true, "")
			continue
		}
		fs := scanAll(e, ts)
		switch {
		case str(c, "expected_action") == "pass":
			fp := flagged(fs, anyCats)
			benign.add(len(fp) > 0, id+": "+brief(fp))
		case str(c, "category") == "MCP-CREDENTIAL-EXFIL":
			cred.add(len(flagged(fs, secretCats)) > 0, id)
		case str(c, "bucket") == "warn":
			any := false
			for _, f := range fs {
				any = any || (f.Severity >= finding.Low && injectionCats[f.Category])
			}
			warn.add(any, id+" "+brief(fs))
		case carrier == "definition":
			def.add(len(flagged(fs, injectionCats)) > 0, id+" "+brief(fs))
		default:
			resp.add(len(flagged(fs, injectionCats)) > 0, id+" "+brief(fs))
		}
	}
	for _, m := range readJSONL(t, filepath.Join(dir, "mcp-guard-corpus", "legitimate_sessions.jsonl")) {
		msg, _ := m["message"].(map[string]any)
		ts, _ := MessageTargets(msg)
		fp := flagged(scanAll(e, ts), anyCats)
		legit.add(len(fp) > 0, str(m, "id")+": "+brief(fp))
	}
	return []*row{def, resp, warn, cred, benign, legit, policy}
}

func evalMSB(t *testing.T, e *detect.Engine, dir string) []*row {
	const set = "msb"
	pi := &row{set: set, subset: "derived_pi_descriptions", metric: "recall", target: 0.95}
	orig := &row{set: set, subset: "tool_descriptions variant=original", metric: "FP", target: -1}
	changed := &row{set: set, subset: "tool_descriptions changed description", metric: "recall", target: -1}
	resp := &row{set: set, subset: "tool_response_attacks", metric: "recall", target: -1}
	for _, r := range readJSONL(t, filepath.Join(dir, "msb", "derived_pi_descriptions.jsonl")) {
		fs := scanAll(e, msbTool(r))
		pi.add(len(flagged(fs, injectionCats)) > 0, str(r, "id"))
	}
	for _, r := range readJSONL(t, filepath.Join(dir, "msb", "tool_descriptions.jsonl")) {
		fs := flagged(scanAll(e, msbTool(r)), anyCats)
		switch {
		case str(r, "variant") == "original":
			orig.add(len(fs) > 0, str(r, "id")+": "+brief(fs))
		case r["description_changed_vs_original"] == true:
			changed.add(len(fs) > 0, str(r, "id")+" "+clipStr(str(r, "description"), 100))
		}
	}
	for _, r := range readJSONL(t, filepath.Join(dir, "msb", "tool_response_attacks.jsonl")) {
		fs := e.Scan(detect.Target{Context: detect.Output, Text: str(r, "text")})
		resp.add(len(flagged(fs, injectionCats)) > 0, str(r, "id"))
	}
	return []*row{pi, orig, changed, resp}
}

func msbTool(r map[string]any) []detect.Target {
	tool := map[string]any{"name": str(r, "tool_name"), "description": str(r, "description")}
	props := map[string]any{}
	if ps, ok := r["params"].([]any); ok {
		for _, p := range ps {
			if s, ok := p.(string); ok {
				props[s] = map[string]any{"type": "string"}
			}
		}
	}
	tool["inputSchema"] = map[string]any{"type": "object", "properties": props}
	return ToolTargets(tool, finding.Location{Server: str(r, "server")})
}

func evalBIPIA(t *testing.T, e *detect.Engine, dir string) []*row {
	const set = "bipia (test split)"
	rec := map[string]*row{}
	fp := map[string]*row{}
	all := &row{set: set, subset: "all tasks, injected (label 1)", metric: "recall", target: 0.90}
	allFP := &row{set: set, subset: "all tasks, clean contexts (label 0)", metric: "FP", target: 0.05}
	for _, r := range readJSONL(t, filepath.Join(dir, "bipia", "derived_eval_test.jsonl")) {
		task := str(r, "task")
		fs := flagged(e.Scan(detect.Target{Context: detect.Output, Text: str(r, "text")}), injectionCats)
		if r["label"] == 1.0 {
			if rec[task] == nil {
				rec[task] = &row{set: set, subset: task + " injected", metric: "recall", target: -1}
			}
			note := fmt.Sprintf("%s [%s/%s]", str(r, "attack_category"), task, str(r, "position"))
			rec[task].add(len(fs) > 0, note)
			all.add(len(fs) > 0, "")
		} else {
			if fp[task] == nil {
				fp[task] = &row{set: set, subset: task + " clean", metric: "FP", target: -1}
			}
			fp[task].add(len(fs) > 0, str(r, "id")+": "+brief(fs))
			allFP.add(len(fs) > 0, "")
		}
	}
	ctxFP := &row{set: "bipia (all splits)", subset: "all 1,200 clean contexts (hard negatives)", metric: "FP", target: -1}
	for _, r := range readJSONL(t, filepath.Join(dir, "bipia", "contexts.jsonl")) {
		fs := flagged(e.Scan(detect.Target{Context: detect.Output, Text: str(r, "text")}), injectionCats)
		ctxFP.add(len(fs) > 0, str(r, "id")+": "+brief(fs))
	}
	out := []*row{all, allFP, ctxFP, bipiaTrain(t, e, dir)}
	for _, task := range []string{"email", "table", "code"} {
		if rec[task] != nil {
			out = append(out, rec[task])
		}
		if fp[task] != nil {
			out = append(out, fp[task])
		}
	}
	return out
}

func evalDocker(t *testing.T, e *detect.Engine, dir string) []*row {
	r := &row{set: "docker-mcp-registry-tools", subset: "tools flagged (name/description/schema)", metric: "FP", target: 0.005}
	for _, m := range readJSONL(t, filepath.Join(dir, "docker-mcp-registry-tools", "tools.jsonl")) {
		tool := map[string]any{"name": str(m, "tool_name"), "description": str(m, "description")}
		if s := m["input_schema"]; s != nil {
			tool["inputSchema"] = s
		}
		if a := m["annotations"]; a != nil {
			tool["annotations"] = a
		}
		fs := flagged(scanAll(e, ToolTargets(tool, finding.Location{Server: str(m, "server")})), anyCats)
		r.add(len(fs) > 0, str(m, "id")+": "+brief(fs))
	}
	return []*row{r}
}

func evalCisco(t *testing.T, e *detect.Engine, dir string) []*row {
	by := map[string]*row{}
	for _, m := range readJSONL(t, filepath.Join(dir, "cisco-mcp-scanner-evals", "tools.jsonl")) {
		cat := str(m, "threat_category")
		if by[cat] == nil {
			by[cat] = &row{set: "cisco-mcp-scanner-evals", subset: cat, metric: "recall", target: -1}
		}
		tool := map[string]any{"name": str(m, "tool_name"), "description": str(m, "description")}
		fs := flagged(scanAll(e, ToolTargets(tool, finding.Location{})), injectionCats)
		by[cat].add(len(fs) > 0, str(m, "tool_name")+": "+clipStr(str(m, "description"), 140))
	}
	cats := make([]string, 0, len(by))
	for c := range by {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	out := make([]*row, 0, len(cats))
	for _, c := range cats {
		out = append(out, by[c])
	}
	_ = strings.TrimSpace
	return out
}

// bipiaTrain inserts every train-split attack at the start and at the end of
// a train-split context of the matching kind (text attacks into e-mails and
// tables, code attacks into Stack Overflow answers), like the derived test
// set does for the test split.
func bipiaTrain(t *testing.T, e *detect.Engine, dir string) *row {
	r := &row{set: "bipia (train split)", subset: "train attacks × start/end of train contexts", metric: "recall", target: -1}
	byKind := map[string][]string{}
	for _, c := range readJSONL(t, filepath.Join(dir, "bipia", "contexts.jsonl")) {
		if str(c, "split") != "train" {
			continue
		}
		kind := "text"
		if str(c, "task") == "code" {
			kind = "code"
		}
		byKind[kind] = append(byKind[kind], str(c, "text"))
	}
	i := 0
	for _, a := range readJSONL(t, filepath.Join(dir, "bipia", "attacks.jsonl")) {
		if str(a, "split") != "train" {
			continue
		}
		ctxs := byKind[str(a, "attack_kind")]
		if len(ctxs) == 0 {
			continue
		}
		for _, text := range []string{str(a, "text") + "\n" + ctxs[i%len(ctxs)], ctxs[(i+1)%len(ctxs)] + "\n" + str(a, "text")} {
			fs := flagged(e.Scan(detect.Target{Context: detect.Output, Text: text}), injectionCats)
			r.add(len(fs) > 0, str(a, "category")+": "+clipStr(str(a, "text"), 90))
		}
		i += 2
	}
	return r
}
