package policy

import (
	"net/url"
	"path"
	"strings"
)

// CleanPath cleans a path-like value lexically (it never touches the file
// system, so it cannot follow symlinks): file:// URLs become paths,
// backslashes become slashes, ~, $HOME, ${HOME}, %USERPROFILE% and the
// given home directory become "~", "." and ".." are resolved, repeated and
// trailing slashes removed, and anything after a NUL byte is dropped (as
// the C library would). Relative paths stay relative.
func CleanPath(p, home string) string {
	for i := 0; i < 4; i++ { // spaces trimmed after cleaning can expose more to clean
		c := cleanPath(p, home)
		if c == p {
			return c
		}
		p = c
	}
	return p
}

func cleanPath(p, home string) string {
	if !strings.ContainsAny(p, "/\\%~$:.\x00 ") {
		return p // a plain name: nothing to clean
	}
	if i := strings.IndexByte(p, 0); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, "file:") {
		if u, err := url.Parse(p); err == nil && u.Path != "" {
			p = u.Path
		} else {
			p = strings.TrimPrefix(strings.TrimPrefix(p, "file:"), "//")
		}
	}
	if strings.Contains(p, "%") && !strings.HasPrefix(p, "%USERPROFILE%") {
		if dec, err := url.PathUnescape(p); err == nil {
			p = dec
		}
	}
	p = strings.ReplaceAll(p, `\`, "/")
	if p != "" && (p[0] == '$' || p[0] == '%') {
		for _, h := range []string{"$HOME", "${HOME}", "%USERPROFILE%", "%HOMEPATH%", "$env:USERPROFILE", "$env:HOME"} {
			if underDir(p, h) {
				p = "~" + p[len(h):]
			}
		}
	}
	if home != "" && home != "/" {
		home = strings.TrimSuffix(strings.ReplaceAll(home, `\`, "/"), "/")
		if underDir(p, home) {
			p = "~" + p[len(home):]
		}
	}
	if p == "" {
		return ""
	}
	if len(p) > 2 && p[1] == ':' && p[2] == '/' { // C:/Users/u/…
		p = "/" + strings.ToLower(p[:1]) + p[2:]
	}
	c := path.Clean(p)
	if strings.HasPrefix(c, "~/") || c == "~" {
		rest := path.Clean("/" + strings.TrimPrefix(c, "~"))
		if rest == "/" {
			return "~"
		}
		return "~" + rest
	}
	return c
}

// underDir reports p == dir or p under dir/ (without building dir+"/").
func underDir(p, dir string) bool {
	return strings.HasPrefix(p, dir) && (len(p) == len(dir) || p[len(dir)] == '/')
}

// credDirs are directories whose whole content is credentials.
var credDirs = map[string]string{
	".ssh": "SSH keys", ".aws": "AWS credentials", ".azure": "Azure credentials", ".kube": "Kubernetes credentials",
	".gnupg": "GnuPG keys", ".password-store": "pass password store", ".docker/config.json": "Docker registry credentials",
	".config/gcloud": "Google Cloud credentials", ".config/gh": "GitHub CLI token", ".config/hub": "GitHub token",
	".local/share/keyrings": "desktop keyring", "library/keychains": "macOS keychain", ".oci": "Oracle Cloud credentials",
	".terraform.d/credentials.tfrc.json": "Terraform Cloud token", ".cargo/credentials": "Cargo registry token",
	".cargo/credentials.toml": "Cargo registry token", ".config/op": "1Password CLI", ".mozilla/firefox": "browser profile store",
	".config/google-chrome": "browser profile store", ".config/chromium": "browser profile store",
	".config/bravesoftware": "browser profile store", ".config/microsoft-edge": "browser profile store",
	"library/application support/google/chrome": "browser profile store", "library/application support/firefox": "browser profile store",
	"library/cookies": "browser cookies", "appdata/local/google/chrome/user data": "browser profile store",
	"appdata/roaming/mozilla/firefox": "browser profile store",
}

// credDirNeedles is credDirs as "/dir/" needles, built once.
var credDirNeedles = func() []struct{ needle, what string } {
	var out []struct{ needle, what string }
	for d, w := range credDirs {
		out = append(out, struct{ needle, what string }{"/" + d + "/", w})
	}
	return out
}()

// credFiles are credential file names anywhere.
var credFiles = map[string]string{
	".netrc": "netrc credentials", "_netrc": "netrc credentials", ".pgpass": "PostgreSQL passwords",
	".git-credentials": "git credentials", ".vault-token": "Vault token", ".pypirc": "PyPI token",
	"id_rsa": "SSH private key", "id_dsa": "SSH private key", "id_ecdsa": "SSH private key", "id_ed25519": "SSH private key",
	".my.cnf": "MySQL credentials", "credentials.json": "", ".npmrc": "npm token", ".boto": "cloud credentials",
	".s3cfg": "S3 credentials", "shadow": "", "gshadow": "", "master.passwd": "", ".htpasswd": "password hashes",
	".env": "environment secrets",
}

var envBenign = map[string]bool{"example": true, "sample": true, "template": true, "dist": true, "defaults": true, "schema": true, "tpl": true}

// credGlobNames are matched by glob components ("~/.ss*/id_*").
var credGlobNames = []string{".ssh", ".aws", ".kube", ".gnupg", ".docker", ".netrc", ".env", "id_rsa", "id_ed25519", "shadow", ".git-credentials", ".pgpass", "gcloud"}

// CredentialPath reports what kind of credential store p (already cleaned)
// points at, or "".
func CredentialPath(p string) string {
	if p == "" {
		return ""
	}
	lp := strings.ToLower(p)
	if !strings.ContainsAny(lp, "/*?[") {
		return credBase(lp, p)
	}
	trimmed := strings.TrimPrefix(strings.TrimPrefix(lp, "~"), "/")
	if !hasGlob(lp) { // the common case, without splitting and joining
		return credPlain(lp, trimmed, p)
	}
	comps := strings.Split(trimmed, "/")
	{
		for i, c := range comps {
			if hasGlob(c) && literalLen(c) >= 3 { // "*" and ".*" match everything: not evidence
				for _, n := range credGlobNames {
					if ok, _ := path.Match(c, n); ok {
						comps[i] = n
						break
					}
				}
			}
		}
		lp = strings.Join(comps, "/")
	}
	switch strings.TrimPrefix(lp, "/") {
	case "etc/ssh/ssh_host_rsa_key", "etc/ssh/ssh_host_ecdsa_key", "etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_dsa_key":
		return "SSH host keys"
	case "etc/shadow", "etc/gshadow", "etc/master.passwd", "etc/security/opasswd", "etc/sudoers":
		return "system password hashes"
	}
	joined := "/" + strings.Join(comps, "/") + "/"
	for _, d := range credDirNeedles {
		if strings.Contains(joined, d.needle) {
			return d.what
		}
	}
	if strings.Contains(joined, "gcloud") && strings.HasSuffix(joined, "/credentials.json/") {
		return "Google Cloud credentials"
	}
	return credBase(comps[len(comps)-1], p)
}

// credPlain is CredentialPath for a path without glob characters: lp is p
// in lower case, trimmed is lp without a leading "~" and "/".
func credPlain(lp, trimmed, p string) string {
	switch strings.TrimPrefix(lp, "/") {
	case "etc/ssh/ssh_host_rsa_key", "etc/ssh/ssh_host_ecdsa_key", "etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_dsa_key":
		return "SSH host keys"
	case "etc/shadow", "etc/gshadow", "etc/master.passwd", "etc/security/opasswd", "etc/sudoers":
		return "system password hashes"
	}
	// "/" + trimmed + "/" holds a needle "/d/" exactly when trimmed does
	// at its start, its end or in between.
	for _, d := range credDirNeedles {
		if containsDir(trimmed, d.needle) {
			return d.what
		}
	}
	if strings.Contains(trimmed, "gcloud") && (trimmed == "credentials.json" || strings.HasSuffix(trimmed, "/credentials.json")) {
		return "Google Cloud credentials"
	}
	return credBase(trimmed[strings.LastIndexByte(trimmed, '/')+1:], p)
}

// containsDir reports whether "/"+s+"/" contains needle ("/d/").
func containsDir(s, needle string) bool {
	d := needle[1 : len(needle)-1]
	for i := 0; ; {
		j := strings.Index(s[i:], d)
		if j < 0 {
			return false
		}
		j += i
		if (j == 0 || s[j-1] == '/') && (j+len(d) == len(s) || s[j+len(d)] == '/') {
			return true
		}
		i = j + 1
	}
}

// credBase checks a file name (lower case).
func credBase(base, p string) string {
	if what, ok := credFiles[base]; ok && what != "" {
		if base == ".npmrc" && !strings.HasPrefix(p, "~") {
			return "" // a project .npmrc usually holds only the registry
		}
		return what
	}
	if strings.HasPrefix(base, ".env.") && !envBenign[strings.TrimPrefix(base, ".env.")] {
		return "environment secrets"
	}
	for _, suf := range []string{".kdbx", ".p12", ".pfx", ".keystore", ".jks"} {
		if strings.HasSuffix(base, suf) {
			return "key store"
		}
	}
	if strings.HasPrefix(base, "application_default_credentials") {
		return "Google Cloud credentials"
	}
	return ""
}

func hasGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// matchPathGlob matches a cleaned path against a cleaned glob pattern in
// which "**" matches any number of segments and other segments follow
// path.Match.
func matchPathGlob(pattern, p string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(p, "/"), 0)
}

func matchSegs(pat, segs []string, depth int) bool {
	if depth > 64 {
		return false
	}
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegs(pat[1:], segs[i:], depth+1) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], segs[0]); err != nil || !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// literalLen counts the characters of a glob component that are not
// wildcards or bracket expressions.
func literalLen(c string) int {
	n, inClass := 0, false
	for i := 0; i < len(c); i++ {
		switch {
		case c[i] == '[':
			inClass = true
		case c[i] == ']':
			inClass = false
		case !inClass && c[i] != '*' && c[i] != '?':
			n++
		}
	}
	return n
}
