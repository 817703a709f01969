// Package buildinfo reports the version, commit and Go version moat was built
// with. Version and Commit are set with -ldflags at release time; otherwise
// they are read from the module build information.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Set by -ldflags "-X github.com/moat-dev/moat/internal/buildinfo.Version=…".
var (
	Version = ""
	Commit  = ""
)

// Info is what `moat version` prints.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go"`
	Platform  string `json:"platform"`
}

// Get returns the build information of the running binary.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && info.Commit == "" {
				info.Commit = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}
