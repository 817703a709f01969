package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Policy is what one sandboxed server may do.
type Policy struct {
	// Profile is the built-in profile this policy started from, if any.
	Profile string
	// Read and Write are extra paths (files or directories) the server may
	// read, or read and write. System directories and the server's own
	// package directories are always readable.
	Read, Write []string
	// Env names variables passed through from moat's environment (NAME) or
	// set (NAME=VALUE). Everything else is scrubbed.
	Env []string
	// Hosts and CIDRs are the egress allow-list (see internal/egress).
	Hosts, CIDRs []string
}

// credentialPaths are relative to the home directory; they are never
// readable or writable inside the sandbox, even below an allowed directory.
var credentialPaths = []string{
	".ssh", ".aws", ".gnupg", ".kube", ".config/gcloud", ".docker", ".azure",
	".config/gh", ".netrc", ".git-credentials", ".password-store", ".npmrc", ".pypirc",
	".mozilla", ".config/google-chrome", ".config/chromium", ".config/BraveSoftware",
	".config/microsoft-edge", ".var/app", "snap/firefox",
	"Library/Application Support/Google/Chrome", "Library/Application Support/Firefox",
	"Library/Keychains", "Library/Cookies",
}

// CredentialDirs returns the absolute credential locations under home.
func CredentialDirs(home string) []string {
	if home == "" {
		return nil
	}
	out := make([]string, len(credentialPaths))
	for i, p := range credentialPaths {
		out[i] = filepath.Join(home, filepath.FromSlash(p))
	}
	return out
}

// deniedPaths are the user's credential locations and the system's.
func deniedPaths(home string) []string {
	return append(CredentialDirs(home), systemSecrets...)
}

// maxExpanded bounds how many entries an allowed directory may be split
// into when it contains a credential location.
const maxExpanded = 4096

// within reports whether p is base or below it.
func within(p, base string) bool {
	if p == base {
		return true
	}
	rel, err := filepath.Rel(base, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// AllowPaths cleans the allowed paths and keeps credential locations out
// of them. A path inside a credential location is an error. A directory
// that contains one is replaced by its entries, recursively, minus the
// credential location (Landlock and Seatbelt rules are allow-lists, so
// "allow ~ but not ~/.ssh" must be spelled out that way). Entries created
// later directly in such a directory are not covered.
func AllowPaths(paths, denied []string) ([]string, error) {
	var out []string
	budget := maxExpanded
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", p, err)
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		for _, d := range denied {
			if within(abs, d) {
				return nil, fmt.Errorf("%s is a credential location; moat never lets a sandboxed server reach it", abs)
			}
		}
		got, err := expandAround(abs, denied, &budget)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	sort.Strings(out)
	return dedupe(out), nil
}

func expandAround(dir string, denied []string, budget *int) ([]string, error) {
	var inside []string
	for _, d := range denied {
		if within(d, dir) && d != dir {
			inside = append(inside, d)
		}
	}
	if len(inside) == 0 {
		return []string{dir}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing %s to leave its credential locations out: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if *budget--; *budget < 0 {
			return nil, fmt.Errorf("%s holds too many entries around credential locations; allow narrower directories", dir)
		}
		skip := false
		for _, d := range inside {
			if p == d {
				skip = true
			}
		}
		if skip {
			continue
		}
		sub, err := expandAround(p, inside, budget)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i > 0 && v == s[i-1] {
			continue
		}
		out = append(out, v)
	}
	return out
}

// systemReadDirs are readable (and executable) for every sandboxed server.
// /dev is not: block devices are readable by their owner, and a server run
// by root is their owner inside the sandbox too.
var systemReadDirs = []string{"/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/opt", "/nix/store",
	"/sys/fs/cgroup", "/sys/devices/system/cpu", "/proc", "/dev/random", "/dev/urandom"}

// systemSecrets are never readable, even below a system directory: a
// server started by root runs as root's uid and would otherwise pass their
// permission checks.
var systemSecrets = []string{"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/ssh",
	"/etc/sudoers", "/etc/sudoers.d", "/etc/ssl/private", "/etc/security/opasswd", "/etc/libvirt", "/etc/wireguard",
	"/etc/NetworkManager/system-connections", "/root"}

// systemRWFiles are device files every program expects to write. No
// terminal: a server must not reach the user's tty.
var systemRWFiles = []string{"/dev/null", "/dev/zero", "/dev/full"}

// PackageDirs guesses the server's own package directories from its
// command line: the directory of the resolved executable (its parent when
// that is a bin directory) and, for each argument naming an existing file,
// the nearest enclosing node_modules directory or else the file's
// directory. They are readable and executable, never writable.
func PackageDirs(path string, args []string) []string {
	var out []string
	if real, err := filepath.EvalSymlinks(path); err == nil {
		dir := filepath.Dir(real)
		if filepath.Base(dir) == "bin" {
			dir = filepath.Dir(dir)
		}
		out = append(out, dir)
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		fi, err := os.Stat(a)
		if err != nil || fi.IsDir() {
			continue
		}
		abs, err := filepath.Abs(a)
		if err != nil {
			continue
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		out = append(out, nodeModulesRoot(abs))
	}
	return out
}

func nodeModulesRoot(file string) string {
	for d := filepath.Dir(file); d != filepath.Dir(d); d = filepath.Dir(d) {
		if filepath.Base(d) == "node_modules" {
			return d
		}
	}
	return filepath.Dir(file)
}
