package vet

import (
	"fmt"
	"strconv"
	"strings"
)

// DiffChange is one difference between two versions.
type DiffChange struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitzero"`
	Old  string `json:"old,omitzero"`
	New  string `json:"new,omitzero"`
	// Risky marks changes that deserve a look before upgrading: new or
	// changed install scripts, a new publisher or maintainer, new or changed
	// binaries, new dependencies.
	Risky bool `json:"risky"`
}

// Change kinds.
const (
	DepAdded       = "dependency-added"
	DepRemoved     = "dependency-removed"
	DepChanged     = "dependency-changed"
	ScriptAdded    = "install-script-added"
	ScriptChanged  = "install-script-changed"
	ScriptRemoved  = "install-script-removed"
	PublisherNew   = "publisher-changed"
	MaintainerAdd  = "maintainer-added"
	MaintainerDrop = "maintainer-removed"
	BinAdded       = "bin-added"
	BinChanged     = "bin-changed"
	BinRemoved     = "bin-removed"
	FileAdded      = "file-added"
	FileRemoved    = "file-removed"
	SizeChanged    = "size-changed"
	ToolAdded      = "tool-added"
	ToolRemoved    = "tool-removed"
	ToolChanged    = "tool-changed"
)

// DiffResult is what changed between two versions.
type DiffResult struct {
	Package string       `json:"package"`
	Old     string       `json:"old"`
	New     string       `json:"new"`
	Changes []DiffChange `json:"changes"`
	Risky   int          `json:"risky"`
}

// Diff compares two versions of a package. Files are compared only when
// both versions have a file list; tools only when both have listings.
func Diff(name string, oldV, newV *Package, oldVer, newVer string) DiffResult {
	r := DiffResult{Package: name, Old: oldVer, New: newVer, Changes: []DiffChange{}}
	add := func(c DiffChange) {
		r.Changes = append(r.Changes, c)
		if c.Risky {
			r.Risky++
		}
	}
	mapDiff(oldV.Dependencies, newV.Dependencies, DepAdded, DepRemoved, DepChanged, true, add)
	mapDiff(oldV.InstallScripts, newV.InstallScripts, ScriptAdded, ScriptRemoved, ScriptChanged, true, add)
	mapDiff(oldV.Bin, newV.Bin, BinAdded, BinRemoved, BinChanged, true, add)
	if oldV.Publisher != "" && newV.Publisher != "" && oldV.Publisher != newV.Publisher {
		add(DiffChange{Kind: PublisherNew, Old: oldV.Publisher, New: newV.Publisher, Risky: true})
	}
	if len(oldV.Maintainers) > 0 && len(newV.Maintainers) > 0 {
		a, d := diffSets(oldV.Maintainers, newV.Maintainers)
		for _, m := range a {
			add(DiffChange{Kind: MaintainerAdd, Name: m, Risky: true})
		}
		for _, m := range d {
			add(DiffChange{Kind: MaintainerDrop, Name: m})
		}
	}
	if oldV.Files != nil && newV.Files != nil {
		a, d := diffSets(oldV.Files, newV.Files)
		for _, f := range a {
			add(DiffChange{Kind: FileAdded, Name: f, Risky: riskyFile(f)})
		}
		for _, f := range d {
			add(DiffChange{Kind: FileRemoved, Name: f})
		}
	}
	if oldV.UnpackedSize > 0 && newV.UnpackedSize > 0 && oldV.UnpackedSize != newV.UnpackedSize {
		add(DiffChange{Kind: SizeChanged, Old: sizeStr(oldV.FileCount, oldV.UnpackedSize), New: sizeStr(newV.FileCount, newV.UnpackedSize)})
	}
	return r
}

// DiffTools compares two tool listings (from pins) and appends the
// changes to r.
func DiffTools(r *DiffResult, oldT, newT []Tool) {
	om, nm := map[string]string{}, map[string]string{}
	for _, t := range oldT {
		om[t.Name] = t.Description
	}
	for _, t := range newT {
		nm[t.Name] = t.Description
	}
	mapDiff(om, nm, ToolAdded, ToolRemoved, ToolChanged, true, func(c DiffChange) {
		c.Old, c.New = clip(c.Old, 80), clip(c.New, 80)
		r.Changes = append(r.Changes, c)
		if c.Risky {
			r.Risky++
		}
	})
}

func sizeStr(files int, size int64) string {
	s := strconv.FormatInt(size, 10) + " bytes"
	if files > 0 {
		s = fmt.Sprintf("%d files, %s", files, s)
	}
	return s
}

// mapDiff reports added, removed and changed keys; additions and changes
// are risky when risky is set.
func mapDiff(o, n map[string]string, added, removed, changed string, risky bool, add func(DiffChange)) {
	for _, k := range sortedKeys(n) {
		ov, ok := o[k]
		switch {
		case !ok:
			add(DiffChange{Kind: added, Name: k, New: n[k], Risky: risky})
		case ov != n[k]:
			add(DiffChange{Kind: changed, Name: k, Old: ov, New: n[k], Risky: risky && added != DepAdded})
		}
	}
	for _, k := range sortedKeys(o) {
		if _, ok := n[k]; !ok {
			add(DiffChange{Kind: removed, Name: k, Old: o[k]})
		}
	}
}

// riskyFile recognises files worth a look when they appear in an upgrade:
// native code, shell scripts and anything under scripts/ or bin/.
func riskyFile(name string) bool {
	low := strings.ToLower(name)
	for _, ext := range []string{".node", ".so", ".dylib", ".dll", ".exe", ".sh", ".ps1", ".bat", ".cmd"} {
		if strings.HasSuffix(low, ext) {
			return true
		}
	}
	return strings.HasPrefix(low, "scripts/") || strings.HasPrefix(low, "bin/") || strings.Contains(low, "/bin/")
}
