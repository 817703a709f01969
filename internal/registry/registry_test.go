package registry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newTestClient(t *testing.T, srv *httptest.Server, mut func(*Options)) *Client {
	t.Helper()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	o := Options{NPM: NPMConfig{Default: srv.URL}, PyPI: srv.URL, GitHub: srv.URL, OSV: srv.URL, OCI: srv.URL,
		Cache: NewCache(t.TempDir(), 0), Timeout: 5 * time.Second, Now: func() time.Time { return now }}
	if mut != nil {
		mut(&o)
	}
	return New(o)
}

func TestCacheTTLAndOffline(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"name":"x","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"name":"x","version":"1.0.0","dist":{}}}}`))
	}))
	defer srv.Close()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cache := NewCache(t.TempDir(), 0)
	mk := func(offline bool) *Client {
		return New(Options{NPM: NPMConfig{Default: srv.URL}, Cache: cache, TTL: time.Hour, Offline: offline, Now: func() time.Time { return now }})
	}
	ctx := context.Background()
	if _, err := mk(true).Packument(ctx, "x"); !errors.Is(err, ErrOffline) {
		t.Fatalf("offline miss: err = %v, want ErrOffline", err)
	}
	if _, err := mk(false).Packument(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := mk(false).Packument(ctx, "x"); err != nil || hits.Load() != 1 {
		t.Fatalf("fresh entry refetched: hits %d, err %v", hits.Load(), err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := mk(true).Packument(ctx, "x"); err != nil || hits.Load() != 1 {
		t.Fatalf("offline must use a stale entry: hits %d, err %v", hits.Load(), err)
	}
	if _, err := mk(false).Packument(ctx, "x"); err != nil || hits.Load() != 2 {
		t.Fatalf("stale entry not refetched: hits %d, err %v", hits.Load(), err)
	}
}

func TestStatusHandling(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/repos/o/limited":
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "1793500000")
			w.WriteHeader(http.StatusForbidden)
		case "/repos/o/toomany":
			w.WriteHeader(http.StatusTooManyRequests)
		case "/repos/o/forbidden":
			w.WriteHeader(http.StatusForbidden)
		case "/repos/o/big":
			w.Write([]byte(`{"full_name":"` + strings.Repeat("a", 4096) + `"}`))
		case "/repos/o/broken":
			w.Write([]byte(`{"full_name":"a","full_name":"b"}`))
		case "/repos/o/ok":
			if r.Header.Get("Authorization") != "Bearer tok" {
				t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
			}
			w.Write([]byte(`{"full_name":"o/ok","fork":false,"archived":true,"default_branch":"main","pushed_at":"2026-10-01T00:00:00Z"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	// A fresh client per request: a rate-limited answer makes a client stop
	// asking (TestRemainingZeroStopsAsking).
	mk := func() *Client {
		return newTestClient(t, srv, func(o *Options) { o.MaxBytes = 1024; o.GitHubToken = "tok" })
	}
	ctx := context.Background()
	var rl *RateLimitError
	if _, err := mk().Repo(ctx, "o", "limited"); !errors.As(err, &rl) || rl.Reset.IsZero() {
		t.Errorf("403 with remaining 0: err = %v", err)
	} else if !strings.Contains(Reason(err), "GITHUB_TOKEN") {
		t.Errorf("reason %q does not suggest GITHUB_TOKEN", Reason(err))
	}
	if _, err := mk().Repo(ctx, "o", "toomany"); !errors.As(err, &rl) {
		t.Errorf("429: err = %v", err)
	}
	var se *StatusError
	if _, err := mk().Repo(ctx, "o", "forbidden"); !errors.As(err, &se) || se.Code != 403 {
		t.Errorf("plain 403: err = %v", err)
	}
	if _, err := mk().Repo(ctx, "o", "big"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized: err = %v", err)
	}
	if _, err := mk().Repo(ctx, "o", "broken"); err == nil {
		t.Errorf("duplicate key accepted")
	}
	if _, err := mk().Repo(ctx, "o", "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("404: err = %v", err)
	}
	r, err := mk().Repo(ctx, "o", "ok")
	if err != nil || !r.Archived || r.DefaultBranch != "main" {
		t.Errorf("ok: %+v, %v", r, err)
	}
}

func TestParseNPMRC(t *testing.T) {
	cfg := NPMConfig{Default: DefaultNPM}
	ParseNPMRC(&cfg, []byte(`; comment
# another
registry = https://mirror.example/npm/
@acme:registry=https://npm.acme.example
@Other:registry="https://other.example"
//npm.acme.example/:_authToken=SECRET
@env:registry=${REGISTRY}
@bad:registry=file:///etc
`))
	want := NPMConfig{Default: "https://mirror.example/npm/", Scopes: map[string]string{"@acme": "https://npm.acme.example", "@other": "https://other.example"}}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := cfg.For("@acme/x"); got != "https://npm.acme.example" {
		t.Errorf("For(@acme/x) = %q", got)
	}
	if got := cfg.For("left-pad"); got != "https://mirror.example/npm" {
		t.Errorf("For(left-pad) = %q", got)
	}
}

func TestParseImageRef(t *testing.T) {
	d := "sha256:" + strings.Repeat("0", 64)
	tests := []struct {
		in   string
		want ImageRef
	}{
		{"alpine", ImageRef{Registry: "registry-1.docker.io", Repository: "library/alpine"}},
		{"mcp/fetch:1", ImageRef{Registry: "registry-1.docker.io", Repository: "mcp/fetch", Tag: "1"}},
		{"docker.io/alpine", ImageRef{Registry: "registry-1.docker.io", Repository: "library/alpine"}},
		{"ghcr.io/github/github-mcp-server@" + d, ImageRef{Registry: "ghcr.io", Repository: "github/github-mcp-server", Digest: d}},
		{"localhost:5000/x:v", ImageRef{Registry: "localhost:5000", Repository: "x", Tag: "v"}},
	}
	for _, tc := range tests {
		got, err := ParseImageRef(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.in, diff)
		}
	}
	for _, bad := range []string{"", "a b", "x@sha256:12", "x:", "ghcr.io//x"} {
		if _, err := ParseImageRef(bad); err == nil {
			t.Errorf("ParseImageRef(%q) accepted", bad)
		}
	}
}

func TestOCITokenFlow(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			if r.URL.Query().Get("scope") != "repository:acme/srv:pull" || r.URL.Query().Get("service") != "reg.test" {
				t.Errorf("token query = %s", r.URL.RawQuery)
			}
			w.Write([]byte(`{"token":"anon"}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer anon" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+srv.URL+`/token",service="reg.test",scope="repository:acme/srv:pull"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/v2/acme/srv/manifests/1.0":
			w.Write([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
			 {"digest":"sha256:arm","platform":{"os":"linux","architecture":"arm64"}},
			 {"digest":"sha256:amd","platform":{"os":"linux","architecture":"amd64"}}]}`))
		case "/v2/acme/srv/manifests/sha256:amd":
			w.Write([]byte(`{"schemaVersion":2,"config":{"digest":"sha256:cfg"},"layers":[{"size":10},{"size":5}]}`))
		case "/v2/acme/srv/blobs/sha256:cfg":
			w.Write([]byte(`{"created":"2026-09-01T00:00:00Z","config":{"User":"1000","Labels":{"org.opencontainers.image.source":"https://github.com/acme/srv","org.opencontainers.image.licenses":"Apache-2.0"}}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	img, err := c.Image(context.Background(), ImageRef{Registry: "reg.test", Repository: "acme/srv", Tag: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if img.Layers != 2 || img.Size != 15 || img.Labels["org.opencontainers.image.source"] != "https://github.com/acme/srv" || img.User != "1000" {
		t.Errorf("image = %+v", img)
	}
}

func TestParseChallenge(t *testing.T) {
	got, ok := parseChallenge(`Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`)
	want := map[string]string{"realm": "https://auth.example/token", "service": "registry.example", "scope": "repository:a/b:pull"}
	if !ok || !cmp.Equal(want, got) {
		t.Errorf("parseChallenge = %v, %v", got, ok)
	}
	if _, ok := parseChallenge(`Basic realm="x"`); ok {
		t.Error("Basic accepted")
	}
	if _, ok := parseChallenge(`Bearer realm="unterminated`); ok {
		t.Error("unterminated quote accepted")
	}
}

func TestOSVBatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/querybatch" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"results":[{"vulns":[{"id":"GHSA-1111-2222-3333","modified":"2026-01-01T00:00:00Z"}]},{}]}`))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	got, err := c.OSVBatch(context.Background(), []OSVQuery{{"npm", "a", "1.0.0"}, {"npm", "b", "2.0.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"GHSA-1111-2222-3333"}, nil}, got); diff != "" {
		t.Error(diff)
	}
}

func TestDecodeAttestations(t *testing.T) {
	// payload: {"predicate":{"buildDefinition":{"externalParameters":{"workflow":{"repository":"https://github.com/acme/srv","path":".github/workflows/release.yml","ref":"refs/tags/v1"}}}}}
	payload := "eyJwcmVkaWNhdGUiOnsiYnVpbGREZWZpbml0aW9uIjp7ImV4dGVybmFsUGFyYW1ldGVycyI6eyJ3b3JrZmxvdyI6eyJyZXBvc2l0b3J5IjoiaHR0cHM6Ly9naXRodWIuY29tL2FjbWUvc3J2IiwicGF0aCI6Ii5naXRodWIvd29ya2Zsb3dzL3JlbGVhc2UueW1sIiwicmVmIjoicmVmcy90YWdzL3YxIn19fX19"
	got, err := DecodeAttestations([]byte(`{"attestations":[{"predicateType":"https://slsa.dev/provenance/v1","bundle":{"dsseEnvelope":{"payload":"` + payload + `"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Attestation{{PredicateType: "https://slsa.dev/provenance/v1", Repository: "https://github.com/acme/srv", Workflow: ".github/workflows/release.yml", Ref: "refs/tags/v1"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestPeopleAndFields(t *testing.T) {
	p, ok := People([]byte(`[{"name":"alice","email":"a@x"},"bob <b@x>",{"email":"no-name"}]`))
	if !ok || !cmp.Equal([]string{"alice", "bob"}, p) {
		t.Errorf("People = %v, %v", p, ok)
	}
	if _, ok := People(nil); ok {
		t.Error("absent people known")
	}
	if s, ok := Field([]byte(`{"type":"git","url":"git+https://github.com/o/r.git"}`), "url"); !ok || s != "git+https://github.com/o/r.git" {
		t.Errorf("Field = %q", s)
	}
	if s, ok := Field([]byte(`"MIT"`), "type"); !ok || s != "MIT" {
		t.Errorf("Field = %q", s)
	}
}

func TestRemainingZeroStopsAsking(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "1793530800") // after the test clock
		w.Write([]byte(`{"full_name":"o/r"}`))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, func(o *Options) { o.Cache = nil })
	if _, err := c.Repo(context.Background(), "o", "r"); err != nil {
		t.Fatal(err)
	}
	var rl *RateLimitError
	if _, err := c.Repo(context.Background(), "o", "other"); !errors.As(err, &rl) {
		t.Fatalf("err = %v, want a rate limit error without asking", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1", hits.Load())
	}
}

func TestTarballFilesRefusesOtherHosts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL)
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	for _, u := range []string{"http://127.0.0.2:1/x.tgz", "file:///etc/passwd", "::bad"} {
		if _, err := c.TarballFiles(context.Background(), "x", u); err == nil {
			t.Errorf("TarballFiles(%q) fetched", u)
		}
	}
}
