package detect

import (
	"sync"
	"sync/atomic"
)

// automaton is an Aho–Corasick matcher over byte classes that runs as a
// dense DFA: one table lookup per input byte, no allocation while scanning.
// Every phrase of every rule is one pattern, so a single pass over the folded
// text finds all candidate phrases at once.
//
// The DFA is materialised lazily: the trie and its failure links are built
// eagerly (linear in the total pattern length), and a state's row of the
// transition table is filled the first time a scan reaches that state.
// Building all 26k×131 entries up front cost ~50 ms, which every short-lived
// hook process would pay; a scan of ordinary text reaches a few hundred
// states. A row, once filled, never changes: it is published through an
// atomic "done" bit, so scans read it without locking.
//
// Each table entry holds the next state shifted left by one, with the low bit
// set when that state ends a pattern. The table uses 16-bit entries while the
// automaton has fewer than 32768 states and 32-bit entries beyond.
type automaton struct {
	class  [256]uint8 // byte → class; class 0 is "a byte no pattern uses"
	nclass int
	d16    []uint16
	d32    []uint32
	// outIDs[outOff[s]:outOff[s+1]] are the pattern ids ending at state s
	// (including via suffix links); out holds them while building.
	outOff, outIDs []int32
	out            [][]int32
	patLen         []int32 // pattern id → length in bytes

	// The trie as first-child / next-sibling arrays (state 0 is the root and
	// never a child, so 0 means "none"); label is the class on the edge into
	// a state.
	first, sib []int32
	label      []uint8
	fail       []int32 // failure link per state
	done       []atomic.Uint32
	mu         sync.Mutex // serialises filling rows
}

// newAutomaton compiles patterns (non-empty byte strings).
func newAutomaton(patterns []string) *automaton { return buildAutomaton(patterns, false) }

func buildAutomaton(patterns []string, wide bool) *automaton {
	a := &automaton{patLen: make([]int32, len(patterns))}
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			if a.class[p[i]] == 0 {
				a.nclass++
				a.class[p[i]] = uint8(a.nclass)
			}
		}
	}
	a.nclass++ // include class 0
	a.buildTrie(patterns)
	a.linkFailures()
	a.packOutputs()
	a.allocTables(wide)
	return a
}

// packOutputs moves the per-state output lists into outOff/outIDs.
func (a *automaton) packOutputs() {
	a.outOff = make([]int32, len(a.out)+1)
	total := 0
	for _, o := range a.out {
		total += len(o)
	}
	a.outIDs = make([]int32, 0, total)
	for s, o := range a.out {
		a.outIDs = append(a.outIDs, o...)
		a.outOff[s+1] = int32(len(a.outIDs))
	}
	a.out = nil
}

// outputs returns the pattern ids ending at state s.
func (a *automaton) outputs(s uint32) []int32 { return a.outIDs[a.outOff[s]:a.outOff[s+1]] }

// allocTables allocates the (lazily filled) transition table.
func (a *automaton) allocTables(wide bool) {
	n := len(a.first)
	a.done = make([]atomic.Uint32, (n+31)/32)
	if n < 1<<15 && !wide {
		a.d16 = make([]uint16, n*a.nclass)
	} else {
		a.d32 = make([]uint32, n*a.nclass)
	}
}

// linkFailures computes failure links breadth-first and merges each state's
// outputs with those of its failure state.
func (a *automaton) linkFailures() {
	a.fail = make([]int32, len(a.first))
	queue := make([]int32, 0, len(a.first))
	for n := a.first[0]; n != 0; n = a.sib[n] {
		queue = append(queue, n)
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		if f := a.fail[s]; len(a.out[f]) > 0 {
			a.out[s] = append(a.out[s][:len(a.out[s]):len(a.out[s])], a.out[f]...)
		}
		for n := a.first[s]; n != 0; n = a.sib[n] {
			a.fail[n] = a.gotoFail(a.fail[s], a.label[n], s)
			queue = append(queue, n)
		}
	}
}

// gotoFail is the classic goto-with-fallback from state f on class c, used
// for the failure link of a child of parent (children of the root fail to
// the root).
func (a *automaton) gotoFail(f int32, c uint8, parent int32) int32 {
	if parent == 0 {
		return 0
	}
	for {
		if nx := a.child(f, c); nx >= 0 {
			return nx
		}
		if f == 0 {
			return 0
		}
		f = a.fail[f]
	}
}

func (a *automaton) child(s int32, c uint8) int32 {
	for n := a.first[s]; n != 0; n = a.sib[n] {
		if a.label[n] == c {
			return n
		}
	}
	return -1
}

func (a *automaton) buildTrie(patterns []string) {
	total := 1
	for _, p := range patterns {
		total += len(p)
	}
	a.first = make([]int32, 1, total)
	a.sib = make([]int32, 1, total)
	a.label = make([]uint8, 1, total)
	a.out = make([][]int32, 1, total)
	for id, p := range patterns {
		a.patLen[id] = int32(len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			next := a.child(s, c)
			if next < 0 {
				next = int32(len(a.first))
				a.first = append(a.first, 0)
				a.label = append(a.label, c)
				a.out = append(a.out, nil)
				a.sib = append(a.sib, a.first[s])
				a.first[s] = next
			}
			s = next
		}
		a.out[s] = append(a.out[s], int32(id))
	}
}

// ready reports whether state s's row is filled.
func (a *automaton) ready(s uint32) bool {
	return a.done[s>>5].Load()&(1<<(s&31)) != 0
}

// fill materialises the row of state s (and, first, of its failure state).
func (a *automaton) fill(s uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fillLocked(s)
}

func (a *automaton) fillLocked(s uint32) {
	if a.ready(s) {
		return
	}
	nc := uint32(a.nclass)
	row := s * nc
	if s != 0 {
		f := uint32(a.fail[s])
		a.fillLocked(f)
		if a.d16 != nil {
			copy(a.d16[row:row+nc], a.d16[f*nc:f*nc+nc])
		} else {
			copy(a.d32[row:row+nc], a.d32[f*nc:f*nc+nc])
		}
	}
	for n := a.first[s]; n != 0; n = a.sib[n] {
		v := uint32(n) << 1
		if a.outOff[n+1] > a.outOff[n] {
			v |= 1
		}
		if a.d16 != nil {
			a.d16[row+uint32(a.label[n])] = uint16(v)
		} else {
			a.d32[row+uint32(a.label[n])] = v
		}
	}
	w := &a.done[s>>5]
	w.Store(w.Load() | 1<<(s&31)) // under mu: no lost updates
}

// scan calls emit(patternID, start, end) for every occurrence of every
// pattern in text, in order of end position.
func (a *automaton) scan(text []byte, emit func(id int32, start, end int)) {
	nc := uint32(a.nclass)
	class := &a.class
	s := uint32(0)
	if a.d16 != nil {
		d := a.d16
		for i, b := range text {
			if !a.ready(s) {
				a.fill(s)
			}
			v := uint32(d[s*nc+uint32(class[b])])
			s = v >> 1
			if v&1 != 0 {
				a.emitAll(s, i, emit)
			}
		}
		return
	}
	d := a.d32
	for i, b := range text {
		if !a.ready(s) {
			a.fill(s)
		}
		v := d[s*nc+uint32(class[b])]
		s = v >> 1
		if v&1 != 0 {
			a.emitAll(s, i, emit)
		}
	}
}

func (a *automaton) emitAll(s uint32, i int, emit func(id int32, start, end int)) {
	for _, id := range a.outputs(s) {
		if start := i + 1 - int(a.patLen[id]); start >= 0 {
			emit(id, start, i+1)
		}
	}
}
