package sandbox

import (
	"fmt"
	"sort"
	"strings"
)

// ProxyPort is the port moat's egress proxy answers on inside the
// sandbox's own network namespace.
const ProxyPort = 3128

// safeEnv are passed through from moat's environment when set.
var safeEnv = []string{"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ"}

// envName is a conservative environment variable name check.
func envName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// proxyEnvNames are set by moat and cannot be declared.
var proxyEnvNames = map[string]bool{
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "ALL_PROXY": true, "NO_PROXY": true,
	"http_proxy": true, "https_proxy": true, "all_proxy": true, "no_proxy": true,
	"NODE_USE_ENV_PROXY": true, "HOME": true, "TMPDIR": true,
}

// BuildEnv returns the server's scrubbed environment: the safe set, the
// declared variables, HOME and TMPDIR in the private directories, and the
// proxy variables pointing at proxyURL. NO_PROXY is empty on purpose:
// inside the sandbox even loopback has nothing but the proxy.
func BuildEnv(getenv func(string) string, declared []string, home, tmp, proxyURL string) ([]string, error) {
	vars := map[string]string{}
	for _, k := range safeEnv {
		if v := getenv(k); v != "" {
			vars[k] = v
		}
	}
	if vars["PATH"] == "" {
		vars["PATH"] = "/usr/local/bin:/usr/bin:/bin"
	}
	for _, d := range declared {
		name, value, set := strings.Cut(d, "=")
		if !envName(name) {
			return nil, fmt.Errorf("--allow-env %q: not a variable name", d)
		}
		if proxyEnvNames[name] {
			return nil, fmt.Errorf("--allow-env %s: moat sets this variable itself", name)
		}
		if !set {
			value = getenv(name)
			if value == "" {
				continue
			}
		}
		vars[name] = value
	}
	vars["HOME"], vars["TMPDIR"] = home, tmp
	if proxyURL != "" {
		for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
			vars[k] = proxyURL
		}
		vars["NO_PROXY"], vars["no_proxy"] = "", ""
		vars["NODE_USE_ENV_PROXY"] = "1"
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out, nil
}
