package taint

import (
	"sync"
	"testing"

	"github.com/moat-dev/moat/internal/policy"
)

func TestAddGet(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	if got, err := s.Get("claude", "s1"); err != nil || got != 0 {
		t.Fatalf("fresh session: %v %v", got, err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			f := policy.TaintInjected
			if i%2 == 0 {
				f = policy.TaintReadSecrets
			}
			if err := s.Add("claude", "s1", f); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	got, err := s.Get("claude", "s1")
	if err != nil || got != policy.TaintInjected|policy.TaintReadSecrets {
		t.Fatalf("got %v %v", got, err)
	}
	if got, _ := s.Get("cursor", "s1"); got != 0 {
		t.Fatal("taint leaked across runtimes")
	}
	if got, _ := s.Get("claude", ""); got != 0 {
		t.Fatal("empty session must have no taint")
	}
}
