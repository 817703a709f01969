package normalize

import (
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// tableEnd bounds the rune property cache: Latin-1, Latin Extended, IPA,
// combining marks, Greek, Cyrillic — the non-ASCII letters of most European
// text, looked up per rune by the fold stage.
const tableEnd = 0x530

const (
	infoLetter uint8 = 1 << iota
	infoUpper
	infoLower
	infoMark
	infoDigit
)

type runeInfo struct {
	flags uint8
	fold  byte  // ASCII letter it folds to (see foldMode), 0 when none
	latin bool  // Latin script letter
	lower int32 // unicode.ToLower
}

var (
	infoOnce  sync.Once
	infoTable atomic.Pointer[[]runeInfo]
)

// table returns the rune property cache, building it on first use.
func table() []runeInfo {
	if t := infoTable.Load(); t != nil {
		return *t
	}
	return buildTable()
}

func buildTable() []runeInfo {
	infoOnce.Do(func() {
		t := make([]runeInfo, tableEnd)
		var buf [4]byte
		for r := rune(0x80); r < tableEnd; r++ {
			i := &t[r]
			i.lower = unicode.ToLower(r)
			for _, p := range []struct {
				ok bool
				f  uint8
			}{{unicode.IsLetter(r), infoLetter}, {unicode.IsUpper(r), infoUpper},
				{unicode.IsLower(r), infoLower}, {unicode.IsMark(r), infoMark}, {unicode.IsDigit(r), infoDigit}} {
				if p.ok {
					i.flags |= p.f
				}
			}
			if i.flags&infoLetter == 0 {
				continue
			}
			n := utf8.EncodeRune(buf[:], r)
			switch {
			case isLatin(r):
				i.latin = true
				i.fold = latinBase(string(buf[:n]), r)
			case lookalike(r):
				i.fold = confusableASCII(r)
			}
		}
		infoTable.Store(&t)
	})
	return *infoTable.Load()
}
