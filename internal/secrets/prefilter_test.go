package secrets

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// naiveHits is the reference: every (offset, keyword) where a keyword
// starts, case-insensitively, followed by an ASCII byte.
func naiveHits(p *prefilter, s string) []string {
	var out []string
	for pos := 0; pos < len(s); pos++ {
		for i := range p.kws {
			kw := p.kws[i].lit
			if end := pos + len(kw); end < len(s) && s[end] < 0x80 && hasFoldPrefix(s[pos:], kw) {
				out = append(out, hitKey(pos, kw))
			}
		}
	}
	slices.Sort(out)
	return out
}

func hitKey(pos int, kw string) string {
	return strings.Repeat("0", 8-len(itoa(pos))) + itoa(pos) + " " + kw
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// prefilterHits records what the prefilter reports, checking the order.
func prefilterHits(t testing.TB, p *prefilter, s string) []string {
	st := scanState{set: &ruleSet{rules: make([]rule, maxRules)}, text: s}
	var out []string
	last := -1
	st.onKeyword = func(pos int, kw *pfKeyword) {
		if pos < last {
			t.Fatalf("keyword at %d reported after %d", pos, last)
		}
		last = pos
		out = append(out, hitKey(pos, kw.lit))
	}
	p.scan(s, &st)
	slices.Sort(out)
	return slices.Compact(out)
}

func TestPrefilterMatchesNaiveSearch(t *testing.T) {
	p := &defaultSet().pf
	var kws []string
	for i := range p.kws {
		kws = append(kws, p.kws[i].lit)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "aAkKiIsSpP_-:/.=gGhHtTeEoOnNwWxX0123456789 \n\t\x00\x7f\xc3\xa9\xff"
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		for b.Len() < rng.IntN(120) {
			if rng.IntN(4) == 0 {
				kw := kws[rng.IntN(len(kws))]
				if rng.IntN(2) == 0 {
					kw = strings.ToUpper(kw)
				}
				b.WriteString(kw)
			} else {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
		}
		s := b.String()
		if got, want := prefilterHits(t, p, s), naiveHits(p, s); !slices.Equal(got, want) {
			t.Fatalf("text %q:\nprefilter %v\nnaive     %v", s, got, want)
		}
	}
}

func FuzzPrefilter(f *testing.F) {
	f.Add("xsk-a ghp_x AKIA1 -----BEGIN ://x")
	f.Add("password=token secret")
	f.Fuzz(func(t *testing.T, s string) {
		p := &defaultSet().pf
		if got, want := prefilterHits(t, p, s), naiveHits(p, s); !slices.Equal(got, want) {
			t.Fatalf("prefilter %v\nnaive     %v", got, want)
		}
	})
}
