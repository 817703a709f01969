//go:build live

package registry

// The live test reads the real npm registry. It is opt-in (go test -tags
// live ./internal/registry/) and never part of make test.

import (
	"context"
	"testing"
	"time"
)

func TestLiveNPMPackument(t *testing.T) {
	c := New(Options{Timeout: 30 * time.Second})
	p, err := c.Packument(context.Background(), "@modelcontextprotocol/server-filesystem")
	if err != nil {
		t.Fatal(err)
	}
	latest, ok := p.DistTags["latest"]
	if !ok {
		t.Fatalf("no latest dist-tag: %v", p.DistTags)
	}
	v, ok := p.Versions[latest]
	if !ok {
		t.Fatalf("latest %s not among the versions", latest)
	}
	if u, ok := Field(v.Repository, "url"); !ok || u == "" {
		t.Errorf("latest version has no repository URL")
	}
	if len(v.Dependencies) == 0 {
		t.Errorf("latest version lists no dependencies")
	}
	t.Logf("latest %s, %d versions", latest, len(p.Versions))
}
