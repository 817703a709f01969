package live

import (
	"os"
	"sort"
	"strings"
)

// Expand replaces ${VAR}, ${VAR:-default} and ${env:VAR} with values from
// env, as Claude Code, Cursor and VS Code do for server entries. A reference
// to a variable that is not set, without a default, is left as written.
func Expand(s string, env map[string]string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		ref := s[i+2 : i+j]
		name, def, hasDef := strings.Cut(ref, ":-")
		name = strings.TrimPrefix(name, "env:")
		if v, ok := env[name]; ok && validName(name) {
			b.WriteString(v)
		} else if hasDef && validName(name) {
			b.WriteString(def)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

func validName(n string) bool {
	if n == "" {
		return false
	}
	for i, r := range n {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// childEnv is environ with the configured variables set (expanded) on top.
func childEnv(environ []string, configured map[string]string, env map[string]string) []string {
	out := make([]string, 0, len(environ)+len(configured))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, over := configured[k]; !over {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(configured))
	for k := range configured {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+Expand(configured[k], env))
	}
	if len(out) == 0 {
		out = []string{} // an empty, not inherited, environment
	}
	return out
}

// Environ returns this process's environment, for Options.Environ.
func Environ() []string { return os.Environ() }
