package pin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is what changed.
type Kind string

// Change kinds.
const (
	ToolAdded           Kind = "tool-added"
	ToolRemoved         Kind = "tool-removed"
	ToolRenamed         Kind = "tool-renamed"
	ToolChanged         Kind = "tool-changed"
	InstructionsChanged Kind = "instructions-changed"
	VersionChanged      Kind = "version-changed"
	ServerAdded         Kind = "server-added"
	ServerRemoved       Kind = "server-removed"
)

// Change is one difference between a pinned and a current snapshot.
type Change struct {
	Kind   Kind
	Server string
	// Tool is the tool's current name (its pinned name for ToolRemoved).
	Tool string
	// OldName is the pinned name of a renamed tool.
	OldName string
	// Fields lists what changed inside a tool definition (ToolChanged), or
	// the version fields (VersionChanged).
	Fields []FieldDiff
}

// FieldDiff is one changed value; Old or New is "" when the member was
// added or removed. Values are shortened for display.
type FieldDiff struct {
	Path     string
	Old, New string
}

// Limits for the readable diff.
const (
	maxFieldDiffs = 40
	maxValueRunes = 240
)

// DiffLock compares the pinned lockfile with the current one. Servers are
// matched by name.
func DiffLock(pinned, current Lockfile) []Change {
	cur := map[string]*Server{}
	for i := range current.Servers {
		cur[current.Servers[i].Name] = &current.Servers[i]
	}
	var out []Change
	for i := range pinned.Servers {
		p := &pinned.Servers[i]
		c, ok := cur[p.Name]
		if !ok {
			out = append(out, Change{Kind: ServerRemoved, Server: p.Name})
			continue
		}
		delete(cur, p.Name)
		out = append(out, DiffServer(*p, *c)...)
	}
	var added []string
	for name := range cur {
		added = append(added, name)
	}
	sort.Strings(added)
	for _, name := range added {
		out = append(out, Change{Kind: ServerAdded, Server: name})
	}
	return out
}

// DiffServer compares one server's pinned and current state.
func DiffServer(pinned, current Server) []Change {
	var out []Change
	name := pinned.Name
	if pinned.Instructions != current.Instructions {
		out = append(out, Change{Kind: InstructionsChanged, Server: name})
	}
	var vf []FieldDiff
	if pinned.ServerInfo != current.ServerInfo {
		vf = append(vf, FieldDiff{Path: "server_info", Old: infoText(pinned.ServerInfo), New: infoText(current.ServerInfo)})
	}
	if !slices.Equal(pinned.Packages, current.Packages) {
		vf = append(vf, FieldDiff{Path: "packages", Old: strings.Join(pinned.Packages, " "), New: strings.Join(current.Packages, " ")})
	}
	if len(vf) > 0 {
		out = append(out, Change{Kind: VersionChanged, Server: name, Fields: vf})
	}
	return append(out, diffTools(name, pinned.Tools, current.Tools)...)
}

func infoText(i Info) string {
	if i.Version == "" {
		return i.Name
	}
	return i.Name + " " + i.Version
}

func diffTools(server string, pinned, current []Entry) []Change {
	old := map[string]*Entry{}
	for i := range pinned {
		old[pinned[i].Name] = &pinned[i]
	}
	var out []Change
	var added []*Entry
	for i := range current {
		c := &current[i]
		p, ok := old[c.Name]
		if !ok {
			added = append(added, c)
			continue
		}
		delete(old, c.Name)
		if p.SHA256 != c.SHA256 {
			out = append(out, Change{Kind: ToolChanged, Server: server, Tool: c.Name, Fields: FieldDiffs(p.Definition, c.Definition)})
		}
	}
	// A removed tool whose body reappears under a new name is a rename.
	byBody := map[string][]string{}
	for n, p := range old {
		byBody[p.BodySHA256] = append(byBody[p.BodySHA256], n)
	}
	for _, names := range byBody {
		sort.Strings(names)
	}
	for _, c := range added {
		if names := byBody[c.BodySHA256]; len(names) > 0 {
			byBody[c.BodySHA256] = names[1:]
			delete(old, names[0])
			out = append(out, Change{Kind: ToolRenamed, Server: server, Tool: c.Name, OldName: names[0],
				Fields: []FieldDiff{{Path: "name", Old: names[0], New: c.Name}}})
			continue
		}
		out = append(out, Change{Kind: ToolAdded, Server: server, Tool: c.Name})
	}
	for n := range old {
		out = append(out, Change{Kind: ToolRemoved, Server: server, Tool: n})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Tool != out[j].Tool {
			return out[i].Tool < out[j].Tool
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// FieldDiffs compares two JSON documents member by member and returns the
// changed leaves with dotted paths (inputSchema.properties.cc.description,
// tags[2]). At most 40 differences are returned; a last entry "…" says more
// were left out.
func FieldDiffs(oldJSON, newJSON []byte) []FieldDiff {
	a, errA := decodeAny(oldJSON)
	b, errB := decodeAny(newJSON)
	if errA != nil || errB != nil {
		return []FieldDiff{{Path: "(definition)", Old: short(string(oldJSON)), New: short(string(newJSON))}}
	}
	var out []FieldDiff
	walkDiff("", a, b, &out)
	if len(out) > maxFieldDiffs {
		out = append(out[:maxFieldDiffs], FieldDiff{Path: "…", New: fmt.Sprintf("%d more differences", len(out)-maxFieldDiffs)})
	}
	return out
}

func decodeAny(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func walkDiff(path string, a, b any, out *[]FieldDiff) {
	if len(*out) > maxFieldDiffs {
		return
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			av, ina := am[k]
			bv, inb := bm[k]
			switch {
			case !ina:
				*out = append(*out, FieldDiff{Path: join(path, k), New: render(bv)})
			case !inb:
				*out = append(*out, FieldDiff{Path: join(path, k), Old: render(av)})
			default:
				walkDiff(join(path, k), av, bv, out)
			}
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		for i := range as {
			walkDiff(path+"["+strconv.Itoa(i)+"]", as[i], bs[i], out)
		}
		return
	}
	if ra, rb := render(a), render(b); ra != rb || fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
		if path == "" {
			path = "(definition)"
		}
		*out = append(*out, FieldDiff{Path: path, Old: ra, New: rb})
	}
}

func join(path, k string) string {
	if k == "" || strings.ContainsAny(k, ".[]\" ") {
		k = strconv.Quote(k)
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

// render shows a value compactly: strings quoted (escapes make hidden
// characters visible), everything else as compact JSON.
func render(v any) string {
	if s, ok := v.(string); ok {
		return short(strconv.QuoteToASCII(s))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return short(string(b))
}

func short(s string) string {
	if utf8.RuneCountInString(s) <= maxValueRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxValueRunes]) + "…"
}

// String renders a change as one line plus indented field lines.
func (c Change) String() string {
	var b strings.Builder
	switch c.Kind {
	case ServerAdded:
		fmt.Fprintf(&b, "+ server %s (not in the lockfile)", c.Server)
	case ServerRemoved:
		fmt.Fprintf(&b, "- server %s (in the lockfile, not reached now)", c.Server)
	case InstructionsChanged:
		fmt.Fprintf(&b, "~ server %s: instructions changed", c.Server)
	case VersionChanged:
		fmt.Fprintf(&b, "~ server %s: version changed", c.Server)
	case ToolAdded:
		fmt.Fprintf(&b, "+ %s/%s (new tool)", c.Server, c.Tool)
	case ToolRemoved:
		fmt.Fprintf(&b, "- %s/%s (tool removed)", c.Server, c.Tool)
	case ToolRenamed:
		fmt.Fprintf(&b, "~ %s/%s renamed from %s (same definition)", c.Server, c.Tool, c.OldName)
	case ToolChanged:
		fmt.Fprintf(&b, "~ %s/%s changed", c.Server, c.Tool)
	}
	for _, f := range c.Fields {
		if c.Kind == ToolRenamed {
			break
		}
		fmt.Fprintf(&b, "\n    %s:", f.Path)
		if f.Old != "" {
			fmt.Fprintf(&b, "\n      - %s", f.Old)
		}
		if f.New != "" {
			fmt.Fprintf(&b, "\n      + %s", f.New)
		}
	}
	return b.String()
}
