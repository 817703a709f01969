package detect

import (
	"encoding/binary"
	"errors"
	"hash/fnv"
)

// The compiled form: rules.gen.json carries, next to the rule source, the
// phrase patterns and the Aho–Corasick trie with its failure links and
// merged outputs, built when the file is generated. Loading it replaces
// folding every phrase and building the trie (~15 ms) with one linear decode,
// which matters to short-lived hook processes.
//
// Layout (unsigned varints unless noted): format version; fingerprint of the
// terms (8 bytes, little-endian); the 256-byte class table; the class count;
// the state count, then per state in breadth-first order its label (1 byte),
// child count, failure state and output pattern ids (count, ids); the
// pattern count, then per pattern its length, boundary flags (1 byte) and
// term ids (count, ids). Breadth-first numbering makes a state's children
// consecutive, so first-child and sibling links need not be stored.
//
// The fingerprint covers every term's name and phrases. When it does not
// match (rules.gen.json edited by hand, or out of date), or the data is
// malformed, the catalogue is built from the phrases instead: slower, never
// wrong. TestGeneratedCatalogue keeps the file in sync.

const compiledFormat = 1

// fingerprint identifies the phrase inputs of the automaton.
func (c *catalogue) fingerprint() uint64 {
	h := fnv.New64a()
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(c.terms)))])
	for _, t := range c.terms {
		h.Write([]byte(t.name))
		h.Write([]byte{0})
		for _, p := range t.phrases {
			h.Write([]byte(p))
			h.Write([]byte{1})
		}
		h.Write([]byte{2})
	}
	return h.Sum64()
}

// encodeCompiled serialises c's patterns and automaton.
func (c *catalogue) encodeCompiled() []byte {
	a := c.ac
	b := binary.AppendUvarint(nil, compiledFormat)
	b = binary.LittleEndian.AppendUint64(b, c.fingerprint())
	b = append(b, a.class[:]...)
	b = binary.AppendUvarint(b, uint64(a.nclass))
	order, newID := a.bfsOrder()
	b = binary.AppendUvarint(b, uint64(len(order)))
	for _, s := range order {
		b = append(b, a.label[s])
		k := 0
		for n := a.first[s]; n != 0; n = a.sib[n] {
			k++
		}
		b = binary.AppendUvarint(b, uint64(k))
		b = binary.AppendUvarint(b, uint64(newID[a.fail[s]]))
		b = appendIDs(b, a.out[s])
	}
	b = binary.AppendUvarint(b, uint64(len(c.patterns)))
	for i, p := range c.patterns {
		b = binary.AppendUvarint(b, uint64(a.patLen[i]))
		var flags byte
		if p.boundStart {
			flags |= 1
		}
		if p.boundEnd {
			flags |= 2
		}
		b = append(b, flags)
		b = appendIDs(b, p.terms)
	}
	return b
}

// bfsOrder lists the states breadth-first, children in sibling order, and
// maps old state ids to their position.
func (a *automaton) bfsOrder() (order, newID []int32) {
	order = make([]int32, 1, len(a.first))
	for i := 0; i < len(order); i++ {
		for n := a.first[order[i]]; n != 0; n = a.sib[n] {
			order = append(order, n)
		}
	}
	newID = make([]int32, len(a.first))
	for i, s := range order {
		newID[s] = int32(i)
	}
	return order, newID
}

func appendIDs(b []byte, ids []int32) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(id))
	}
	return b
}

// reader decodes the compiled form; the first error sticks.
type reader struct {
	b   []byte
	err error
}

var errCompiled = errors.New("malformed compiled catalogue")

func (r *reader) uvarint(limit int) int {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v >= uint64(limit) {
		r.err = errCompiled
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.err = errCompiled
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// ids reads a count and that many ids below limit into pool, returning
// the new pool and the sub-slice (capacity-capped, so appends never alias).
func (r *reader) ids(pool []int32, limit int) ([]int32, []int32) {
	k := r.uvarint(len(r.b) + 1)
	if k == 0 {
		return pool, nil
	}
	start := len(pool)
	for j := 0; j < k; j++ {
		pool = append(pool, int32(r.uvarint(limit)))
	}
	return pool, pool[start:len(pool):len(pool)]
}

// loadCompiled fills c.patterns and c.ac from data. It reports false (and
// leaves c unchanged) when data does not belong to c's terms or is malformed.
func (c *catalogue) loadCompiled(data []byte) bool {
	r := &reader{b: data}
	if r.uvarint(compiledFormat+1) != compiledFormat {
		return false
	}
	if fp := r.bytes(8); r.err != nil || binary.LittleEndian.Uint64(fp) != c.fingerprint() {
		return false
	}
	a := &automaton{}
	copy(a.class[:], r.bytes(256))
	a.nclass = r.uvarint(257)
	n := r.uvarint(len(r.b) + 1)
	pats, ok := a.decodeStates(r, n)
	if !ok {
		return false
	}
	patterns, ok := decodePatterns(r, a, pats, len(c.terms))
	if !ok || len(r.b) != 0 || !a.consistent() {
		return false
	}
	a.allocTables(false)
	c.patterns, c.ac, c.compiled = patterns, a, true
	return true
}

// consistent checks what scanning relies on: every byte's class is below
// the class count, and no pattern ending at a state is longer than the
// state's depth.
func (a *automaton) consistent() bool {
	for _, k := range a.class {
		if int(k) >= a.nclass {
			return false
		}
	}
	depth := make([]int32, len(a.first))
	for s := range a.first {
		for n := a.first[s]; n != 0; n = a.sib[n] {
			depth[n] = depth[s] + 1
		}
		for _, id := range a.out[s] {
			if a.patLen[id] > depth[s] {
				return false
			}
		}
	}
	return true
}

// decodeStates reads n states; it returns the number of patterns the
// outputs refer to (the maximum id + 1).
func (a *automaton) decodeStates(r *reader, n int) (int, bool) {
	if n == 0 || a.nclass == 0 {
		return 0, false
	}
	a.first, a.sib = make([]int32, n), make([]int32, n)
	a.label, a.fail = make([]uint8, n), make([]int32, n)
	a.out = make([][]int32, n)
	var pool []int32
	next, maxPat := 1, 0
	for s := 0; s < n && r.err == nil; s++ {
		a.label[s] = r.bytes(1)[0]
		k := r.uvarint(n - next + 1)
		if k > 0 {
			a.first[s] = int32(next)
			for j := 0; j < k-1; j++ {
				a.sib[next+j] = int32(next + j + 1)
			}
			next += k
		}
		a.fail[s] = int32(r.uvarint(n))
		pool, a.out[s] = r.ids(pool, 1<<30)
		for _, id := range a.out[s] {
			maxPat = max(maxPat, int(id)+1)
		}
	}
	if r.err != nil || next != n || int(a.label[0]) != 0 {
		return 0, false
	}
	for s := 1; s < n; s++ {
		if int(a.label[s]) >= a.nclass || a.fail[s] >= int32(s) {
			return 0, false // a failure state is always shallower
		}
	}
	return maxPat, true
}

func decodePatterns(r *reader, a *automaton, minPats, nterms int) ([]pattern, bool) {
	np := r.uvarint(len(r.b) + 1)
	if r.err != nil || np < minPats {
		return nil, false
	}
	a.patLen = make([]int32, np)
	patterns := make([]pattern, np)
	var pool []int32
	for i := 0; i < np && r.err == nil; i++ {
		a.patLen[i] = int32(r.uvarint(1 << 20))
		if a.patLen[i] == 0 {
			return nil, false
		}
		flags := r.bytes(1)[0]
		patterns[i].boundStart, patterns[i].boundEnd = flags&1 != 0, flags&2 != 0
		pool, patterns[i].terms = r.ids(pool, nterms)
	}
	return patterns, r.err == nil
}
