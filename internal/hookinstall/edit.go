package hookinstall

import (
	"fmt"
	"strconv"
)

// Install returns data with moat's hook entries added for every event of t
// that lacks one, and whether anything changed.
func Install(t Target, data []byte, moatPath string) ([]byte, bool, error) {
	v, m, err := parse(data)
	if err != nil {
		return nil, false, err
	}
	var ops []op
	if t.version {
		if _, ok := m["version"]; !ok {
			ops = append(ops, op{Op: "add", Path: "/version", Value: 1})
		}
	}
	hooks, ok := m["hooks"].(map[string]any)
	if !ok {
		if _, present := m["hooks"]; present {
			return nil, false, fmt.Errorf("%s: \"hooks\" is not an object; fix it by hand first", t.Path)
		}
		ops = append(ops, op{Op: "add", Path: "/hooks", Value: map[string]any{}})
		hooks = map[string]any{}
	}
	for _, ev := range t.Events {
		arr, present := hooks[ev]
		list, isList := arr.([]any)
		if present && !isList {
			return nil, false, fmt.Errorf("%s: hooks.%s is not an array; fix it by hand first", t.Path, ev)
		}
		if t.hasMoat(list) {
			continue
		}
		if !present {
			ops = append(ops, op{Op: "add", Path: ptr("hooks", ev), Value: []any{}})
		}
		ops = append(ops, op{Op: "add", Path: ptr("hooks", ev) + "/-", Value: t.entry(moatPath, ev)})
	}
	out, err := apply(v, ops)
	return out, len(ops) > 0, err
}

// Uninstall returns data with every moat hook entry removed (matcher groups
// and event arrays left empty by the removal are removed too), and whether
// anything changed.
func Uninstall(t Target, data []byte) ([]byte, bool, error) {
	v, m, err := parse(data)
	if err != nil {
		return nil, false, err
	}
	hooks, _ := m["hooks"].(map[string]any)
	var ops []op
	for _, ev := range t.Events {
		list, _ := hooks[ev].([]any)
		evOps, remaining := t.removals(ev, list)
		if len(evOps) == 0 {
			continue
		}
		if remaining == 0 {
			ops = append(ops, op{Op: "remove", Path: ptr("hooks", ev)})
			continue
		}
		ops = append(ops, evOps...)
	}
	out, err := apply(v, ops)
	return out, len(ops) > 0, err
}

// removals lists the patch operations that take moat's entries out of one
// event's array, and how many entries remain afterwards.
func (t Target) removals(ev string, list []any) ([]op, int) {
	var drop []int
	var inner []op
	for i, e := range list {
		if !t.grouped {
			if t.isMoatHandler(e) {
				drop = append(drop, i)
			}
			continue
		}
		g, _ := e.(map[string]any)
		hs, _ := g["hooks"].([]any)
		var hd []int
		for j, h := range hs {
			if t.isMoatHandler(h) {
				hd = append(hd, j)
			}
		}
		switch {
		case len(hd) > 0 && len(hd) == len(hs):
			drop = append(drop, i)
		case len(hd) > 0:
			for _, j := range sortedDesc(hd) {
				inner = append(inner, op{Op: "remove", Path: ptr("hooks", ev, strconv.Itoa(i), "hooks", strconv.Itoa(j))})
			}
		}
	}
	var ops []op
	ops = append(ops, inner...)
	for _, i := range sortedDesc(drop) {
		ops = append(ops, op{Op: "remove", Path: ptr("hooks", ev, strconv.Itoa(i))})
	}
	return ops, len(list) - len(drop)
}

func (t Target) hasMoat(list []any) bool {
	for _, e := range list {
		if !t.grouped {
			if t.isMoatHandler(e) {
				return true
			}
			continue
		}
		g, _ := e.(map[string]any)
		hs, _ := g["hooks"].([]any)
		for _, h := range hs {
			if t.isMoatHandler(h) {
				return true
			}
		}
	}
	return false
}

func (t Target) isMoatHandler(h any) bool {
	obj, _ := h.(map[string]any)
	for _, k := range []string{"command", "bash"} {
		if s, _ := obj[k].(string); s != "" && IsMoatCommand(s, t.Runtime) {
			return true
		}
	}
	return false
}
