package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAllowPathsCarvesOutCredentials(t *testing.T) {
	home := t.TempDir()
	if real, err := filepath.EvalSymlinks(home); err == nil {
		home = real
	}
	for _, d := range []string{".ssh", ".config/gcloud", ".config/app", "src/a", "docs"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(home, ".bashrc"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	denied := CredentialDirs(home)
	got, err := AllowPaths([]string{home}, denied)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".bashrc", ".config/app", "docs", "src"}
	for i := range want {
		want[i] = filepath.Join(home, want[i])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AllowPaths(home) (-want +got):\n%s", diff)
	}
	got, err = AllowPaths([]string{filepath.Join(home, "src")}, denied)
	if err != nil || len(got) != 1 || got[0] != filepath.Join(home, "src") {
		t.Errorf("AllowPaths(src) = %v, %v", got, err)
	}
	for _, bad := range []string{filepath.Join(home, ".ssh"), filepath.Join(home, ".ssh", "id_rsa"), filepath.Join(home, ".config", "gcloud")} {
		if _, err := AllowPaths([]string{bad}, denied); err == nil || !strings.Contains(err.Error(), "credential location") {
			t.Errorf("AllowPaths(%s) error = %v, want a credential-location error", bad, err)
		}
	}
}

func TestAllowPathsSymlinkIntoCredentials(t *testing.T) {
	home := t.TempDir()
	if real, err := filepath.EvalSymlinks(home); err == nil {
		home = real
	}
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(home, "innocent")
	if err := os.Symlink(filepath.Join(home, ".ssh"), link); err != nil {
		t.Fatal(err)
	}
	if _, err := AllowPaths([]string{link}, CredentialDirs(home)); err == nil {
		t.Fatal("a symlink to ~/.ssh was allowed")
	}
}

func TestBuildEnv(t *testing.T) {
	host := map[string]string{"PATH": "/usr/bin", "LANG": "C.UTF-8", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "API_TOKEN": "tok", "HOME": "/home/me"}
	got, err := BuildEnv(func(k string) string { return host[k] }, []string{"API_TOKEN", "MODE=fast", "UNSET_VAR"}, "/sbx/home", "/sbx/tmp", "http://127.0.0.1:3128")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ALL_PROXY=http://127.0.0.1:3128", "API_TOKEN=tok", "HOME=/sbx/home", "HTTPS_PROXY=http://127.0.0.1:3128",
		"HTTP_PROXY=http://127.0.0.1:3128", "LANG=C.UTF-8", "MODE=fast", "NODE_USE_ENV_PROXY=1", "NO_PROXY=", "PATH=/usr/bin",
		"TMPDIR=/sbx/tmp", "all_proxy=http://127.0.0.1:3128", "http_proxy=http://127.0.0.1:3128",
		"https_proxy=http://127.0.0.1:3128", "no_proxy=",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("BuildEnv (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"HOME", "HTTP_PROXY=x", "1BAD", "A-B", ""} {
		if _, err := BuildEnv(func(string) string { return "" }, []string{bad}, "h", "t", ""); err == nil {
			t.Errorf("--allow-env %q accepted", bad)
		}
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": Strict, "strict": Strict, "true": Strict, "best-effort": BestEffort, "off": Off} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseMode("maybe"); err == nil {
		t.Error("ParseMode(maybe) accepted")
	}
}

func TestProfiles(t *testing.T) {
	root := t.TempDir()
	fs, err := LookupProfile("filesystem")
	if err != nil {
		t.Fatal(err)
	}
	p := fs.Build([]string{"/path/to/index.js", root, "--flag", "/does/not/exist"})
	if len(p.Write) != 1 || p.Write[0] != root || len(p.Hosts) != 0 {
		t.Errorf("filesystem profile = %+v, want write on the root only and no hosts", p)
	}
	fetch, _ := LookupProfile("fetch")
	if p := fetch.Build(nil); len(p.Hosts) != 1 || p.Hosts[0] != PublicHosts || len(p.CIDRs) != 0 || len(p.Write) != 0 {
		t.Errorf("fetch profile = %+v", p)
	}
	if _, err := LookupProfile("everything"); err == nil {
		t.Error("unknown profile accepted")
	}
}

func TestPackageDirs(t *testing.T) {
	dir := t.TempDir()
	entry := filepath.Join(dir, "node_modules", "@scope", "server", "dist", "index.js")
	if err := os.MkdirAll(filepath.Dir(entry), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entry, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "bin", "node")
	os.MkdirAll(filepath.Dir(exe), 0o755)
	os.WriteFile(exe, nil, 0o755)
	got := PackageDirs(exe, []string{entry, "--port", dir})
	real, _ := filepath.EvalSymlinks(dir)
	want := []string{real, filepath.Join(real, "node_modules")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PackageDirs (-want +got):\n%s", diff)
	}
}
