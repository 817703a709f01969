package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
)

// specEnv carries the init stage's instructions from moat to its
// re-executed self; it is the only variable the init stage gets.
const specEnv = "MOAT_SANDBOX_SPEC"

// relayFD is the inherited Unix socket the init stage passes accepted proxy
// connections over (ExtraFiles[0]).
const relayFD = 3

// spec is what the init stage needs to confine and start the server.
type spec struct {
	Path       string   `json:"path"`
	Argv       []string `json:"argv"`
	Dir        string   `json:"dir,omitempty"`
	Env        []string `json:"env"`
	Read       []string `json:"read"`
	Write      []string `json:"write"`
	Namespaces bool     `json:"namespaces"` // false: best-effort without namespaces, exec directly
	ProxyPort  int      `json:"proxy_port"`
	Strict     bool     `json:"strict"`
	Landlock   bool     `json:"landlock"`
	Seccomp    bool     `json:"seccomp"`
}

func readSpec() (*spec, error) {
	raw := os.Getenv(specEnv)
	if raw == "" {
		return nil, fmt.Errorf("no %s", specEnv)
	}
	var sp spec
	if err := json.Unmarshal([]byte(raw), &sp); err != nil {
		return nil, fmt.Errorf("decoding the sandbox spec: %w", err)
	}
	if sp.Path == "" || len(sp.Argv) == 0 {
		return nil, fmt.Errorf("sandbox spec names no program")
	}
	return &sp, nil
}

// IsChild reports whether this process is moat's sandbox init stage (or
// the namespace probe). main calls it before anything else.
func IsChild() bool {
	return os.Getenv(specEnv) != "" || os.Getenv(probeEnv) == "1"
}
