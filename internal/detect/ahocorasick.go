package detect

// automaton is an Aho–Corasick matcher compiled to a dense DFA over byte
// classes: one table lookup per input byte, no allocation while scanning.
// Every phrase of every rule is one pattern, so a single pass over the folded
// text finds all candidate phrases at once.
//
// Each table entry holds the next state shifted left by one, with the low bit
// set when that state ends a pattern, so the scan loop reads one array. The
// table uses 16-bit entries while the automaton has fewer than 32768 states
// (half the memory, better cache use) and 32-bit entries beyond.
type automaton struct {
	class  [256]uint8 // byte → class; class 0 is "a byte no pattern uses"
	nclass int
	d16    []uint16
	d32    []uint32
	out    [][]int32 // state → pattern ids ending here (including via suffix links)
	patLen []int32   // pattern id → length in bytes
}

// edge is one trie child while building.
type edge struct {
	class uint8
	next  int32
}

// newAutomaton compiles patterns (non-empty byte strings).
func newAutomaton(patterns []string) *automaton {
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
	children, outs := a.buildTrie(patterns)
	n := len(children)
	nc := a.nclass
	delta := make([]int32, n*nc)
	fail := make([]int32, n)
	queue := make([]int32, 0, n)
	for _, e := range children[0] {
		delta[int(e.class)] = e.next
		queue = append(queue, e.next)
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		outs[s] = append(outs[s], outs[fail[s]]...)
		copy(delta[int(s)*nc:int(s+1)*nc], delta[int(fail[s])*nc:int(fail[s]+1)*nc])
		for _, e := range children[s] {
			fail[e.next] = delta[int(fail[s])*nc+int(e.class)]
			delta[int(s)*nc+int(e.class)] = e.next
			queue = append(queue, e.next)
		}
	}
	a.out = outs
	a.pack(delta)
	return a
}

func (a *automaton) buildTrie(patterns []string) ([][]edge, [][]int32) {
	children := [][]edge{nil}
	outs := [][]int32{nil}
	for id, p := range patterns {
		a.patLen[id] = int32(len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			next := int32(-1)
			for _, e := range children[s] {
				if e.class == c {
					next = e.next
					break
				}
			}
			if next < 0 {
				next = int32(len(children))
				children = append(children, nil)
				outs = append(outs, nil)
				children[s] = append(children[s], edge{class: c, next: next})
			}
			s = next
		}
		outs[s] = append(outs[s], int32(id))
	}
	return children, outs
}

// pack stores the transition table with the match bit, in 16 bits per entry
// when the states fit.
func (a *automaton) pack(delta []int32) {
	small := len(a.out) < 1<<15
	if small {
		a.d16 = make([]uint16, len(delta))
	} else {
		a.d32 = make([]uint32, len(delta))
	}
	for i, t := range delta {
		v := uint32(t) << 1
		if len(a.out[t]) > 0 {
			v |= 1
		}
		if small {
			a.d16[i] = uint16(v)
		} else {
			a.d32[i] = v
		}
	}
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
		v := d[s*nc+uint32(class[b])]
		s = v >> 1
		if v&1 != 0 {
			a.emitAll(s, i, emit)
		}
	}
}

func (a *automaton) emitAll(s uint32, i int, emit func(id int32, start, end int)) {
	for _, id := range a.out[s] {
		emit(id, i+1-int(a.patLen[id]), i+1)
	}
}
