package detect

// automaton is an Aho–Corasick matcher compiled to a dense DFA over byte
// classes: one table lookup per input byte, no allocation while scanning.
// Every phrase of every rule is one pattern, so a single pass over the folded
// text finds all candidate phrases at once.
type automaton struct {
	class  [256]uint8 // byte → class; class 0 is "a byte no pattern uses"
	nclass int
	// delta is indexed by row+class, where row = state*nclass. Each entry
	// holds the next state's row shifted left by one, with the low bit set
	// when that state ends a pattern, so the scan loop reads one array.
	delta  []int32
	out    [][]int32 // state → pattern ids ending here (including via suffix links)
	patLen []int32   // pattern id → length in bytes
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
	// Trie with sparse children first.
	type node struct {
		next map[uint8]int32
	}
	nodes := []node{{next: map[uint8]int32{}}}
	outs := [][]int32{nil}
	for id, p := range patterns {
		a.patLen[id] = int32(len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			n, ok := nodes[s].next[c]
			if !ok {
				n = int32(len(nodes))
				nodes = append(nodes, node{next: map[uint8]int32{}})
				outs = append(outs, nil)
				nodes[s].next[c] = n
			}
			s = n
		}
		outs[s] = append(outs[s], int32(id))
	}
	n := len(nodes)
	a.delta = make([]int32, n*a.nclass)
	fail := make([]int32, n)
	queue := make([]int32, 0, n)
	for c := 0; c < a.nclass; c++ {
		if t, ok := nodes[0].next[uint8(c)]; ok {
			a.delta[c] = t
			queue = append(queue, t)
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		outs[s] = append(outs[s], outs[fail[s]]...)
		for c := 0; c < a.nclass; c++ {
			if t, ok := nodes[s].next[uint8(c)]; ok {
				fail[t] = a.delta[int(fail[s])*a.nclass+c]
				a.delta[int(s)*a.nclass+c] = t
				queue = append(queue, t)
			} else {
				a.delta[int(s)*a.nclass+c] = a.delta[int(fail[s])*a.nclass+c]
			}
		}
	}
	a.out = outs
	for i, t := range a.delta {
		v := t * int32(a.nclass) << 1
		if len(outs[t]) > 0 {
			v |= 1
		}
		a.delta[i] = v
	}
	return a
}

// scan calls emit(patternID, start, end) for every occurrence of every
// pattern in text, in order of end position.
func (a *automaton) scan(text []byte, emit func(id int32, start, end int)) {
	row := int32(0)
	nc := int32(a.nclass)
	delta, class := a.delta, &a.class
	for i := 0; i < len(text); i++ {
		v := delta[row+int32(class[text[i]])]
		row = v >> 1
		if v&1 != 0 {
			for _, id := range a.out[row/nc] {
				emit(id, i+1-int(a.patLen[id]), i+1)
			}
		}
	}
}
