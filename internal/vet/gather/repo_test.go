package gather

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moat-dev/moat/internal/registry"
	"github.com/moat-dev/moat/internal/vet"
)

var testNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func gatherer(srv *httptest.Server) *Gatherer {
	c := registry.New(registry.Options{GitHub: srv.URL, NPM: registry.NPMConfig{Default: srv.URL}, OSV: srv.URL, Now: func() time.Time { return testNow }})
	return New(Options{Client: c, Now: func() time.Time { return testNow }})
}

// The repository answer says no requests remain: moat stops asking GitHub
// and every later repository signal is unknown with the rate-limit reason.
func TestRepoRateLimitCascade(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "1793530800")
		w.Write([]byte(`{"full_name":"o/r","default_branch":"main","has_issues":true,"archived":false}`))
	}))
	defer srv.Close()
	f := &vet.Facts{Target: vet.Target{Ecosystem: vet.GitHub, Name: "o/r"}, Gaps: map[string]string{}}
	gatherer(srv).repo(context.Background(), f, "o", "r", "")
	if hits.Load() != 1 {
		t.Errorf("%d requests after the limit, want 1", hits.Load())
	}
	if f.Repo == nil || f.Repo.Issues != nil || f.Repo.CI != nil || f.Repo.TestsKnown {
		t.Fatalf("repo = %+v", f.Repo)
	}
	for _, s := range []string{"github", "issues", "ci", "tree"} {
		if !strings.Contains(f.Gaps[s], "rate limit") {
			t.Errorf("gap %s = %q", s, f.Gaps[s])
		}
	}
	r := vet.Vet(f, vet.Context{Now: testNow})
	for _, s := range r.Signals {
		if (s.Signal == "Open issues" || s.Signal == "CI" || s.Signal == "Tests" || s.Signal == "Last commit") && s.Status != vet.Unknown {
			t.Errorf("%s = %s, want unknown", s.Signal, s.Status)
		}
	}
}

// Issue comments refused: the answered share is unknown, not zero.
func TestIssueCommentsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/repos/o/r":
			w.Write([]byte(`{"full_name":"o/r","default_branch":"main","has_issues":true}`))
		case "/repos/o/r/issues":
			w.Write([]byte(`[{"number":1,"created_at":"2024-01-01T00:00:00Z"}]`))
		case "/repos/o/r/issues/comments":
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.Write([]byte(`[]`))
		}
	}))
	defer srv.Close()
	f := &vet.Facts{Target: vet.Target{Ecosystem: vet.GitHub, Name: "o/r"}, Gaps: map[string]string{}}
	gatherer(srv).repo(context.Background(), f, "o", "r", "")
	if f.Repo.Issues != nil {
		t.Errorf("issues = %+v, want unknown", f.Repo.Issues)
	}
}

func TestSeverityFromAlias(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/vulns/PYSEC-2026-1":
			w.Write([]byte(`{"id":"PYSEC-2026-1","aliases":["CVE-2026-1","GHSA-aaaa-bbbb-cccc"]}`))
		case "/v1/vulns/GHSA-aaaa-bbbb-cccc":
			w.Write([]byte(`{"id":"GHSA-aaaa-bbbb-cccc","database_specific":{"severity":"MODERATE"}}`))
		case "/v1/vulns/PYSEC-2026-2":
			w.Write([]byte(`{"id":"PYSEC-2026-2"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	g := gatherer(srv)
	budget := 10
	for id, want := range map[string]bool{"PYSEC-2026-1": false, "PYSEC-2026-2": true, "MAL-2026-9": true, "GHSA-missing": true} {
		if got := g.severe(context.Background(), id, &budget); got != want {
			t.Errorf("severe(%s) = %v, want %v", id, got, want)
		}
	}
}
