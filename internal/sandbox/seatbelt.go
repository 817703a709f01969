package sandbox

import (
	"fmt"
	"sort"
	"strings"
)

// SeatbeltInput is what the macOS profile is generated from.
type SeatbeltInput struct {
	Read, Write []string // allowed paths (credential locations already carved out)
	Denied      []string // credential locations, denied explicitly as well
	ProxyPort   int      // the only network destination: localhost:ProxyPort
}

// seatbeltSystemRead are readable system locations on macOS.
var seatbeltSystemRead = []string{"/usr", "/bin", "/sbin", "/System", "/Library", "/opt/homebrew", "/usr/local",
	"/private/etc", "/private/var/db/timezone", "/dev", "/etc"}

// Seatbelt generates an SBPL profile for sandbox-exec: deny by default;
// read-only system paths and Read, read-write Write, credential locations
// denied last (SBPL: the last matching rule wins), and outbound network only
// to the egress proxy on localhost. Paths are quoted for SBPL.
func Seatbelt(in SeatbeltInput) string {
	var b strings.Builder
	b.WriteString("(version 1)\n(deny default)\n")
	b.WriteString("(allow process-exec process-fork)\n(allow signal (target same-sandbox))\n")
	b.WriteString("(allow sysctl-read mach-lookup ipc-posix-shm-read-data)\n")
	b.WriteString("(allow file-read-metadata)\n")
	rule := func(op string, paths []string) {
		ps := append([]string(nil), paths...)
		sort.Strings(ps)
		for _, p := range ps {
			fmt.Fprintf(&b, "(%s (subpath %s))\n", op, sbplString(p))
		}
	}
	rule("allow file-read*", seatbeltSystemRead)
	rule("allow file-read*", in.Read)
	rule("allow file-read* file-write*", in.Write)
	for _, dev := range []string{"/dev/null", "/dev/zero", "/dev/tty", "/dev/dtracehelper"} {
		fmt.Fprintf(&b, "(allow file-write* (literal %s))\n", sbplString(dev))
	}
	rule("deny file-read* file-write*", in.Denied)
	if in.ProxyPort > 0 {
		fmt.Fprintf(&b, "(allow network-outbound (remote ip \"localhost:%d\"))\n", in.ProxyPort)
	}
	return b.String()
}

// sbplString quotes s as an SBPL string literal.
func sbplString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
