package sandbox

import (
	"fmt"
	"os"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// applyLandlock restricts every thread (and every later child) to the
// spec's filesystem allow-list, TCP connections to proxyPort only, and (ABI
// 6+) signals and abstract Unix sockets within the sandbox. Paths that do
// not exist are skipped. BestEffort drops what an older kernel cannot
// enforce; check.go reports the ABI.
func applyLandlock(sp *spec) error {
	cfg := landlock.V11
	cfg.HandledAccessNet = landlock.AccessNetSet(llsys.AccessNetConnectTCP)
	cfg = cfg.BestEffort()
	var rules []landlock.Rule
	add := func(paths []string, dir, file func(...string) landlock.FSRule) {
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil {
				continue
			}
			if fi.IsDir() {
				rules = append(rules, dir(p).IgnoreIfMissing())
			} else {
				rules = append(rules, file(p).IgnoreIfMissing())
			}
		}
	}
	add(sp.Read, landlock.RODirs, landlock.ROFiles) // system directories included, credentials carved out
	add(sp.Write, func(p ...string) landlock.FSRule { return landlock.RWDirs(p...).WithRefer() }, landlock.RWFiles)
	for _, f := range systemRWFiles {
		if _, err := os.Stat(f); err == nil {
			rules = append(rules, landlock.RWFiles(f))
		}
	}
	if sp.ProxyPort > 0 {
		rules = append(rules, landlock.ConnectTCP(uint16(sp.ProxyPort)))
	}
	if err := cfg.Restrict(rules...); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	return nil
}
