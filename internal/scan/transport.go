package scan

import (
	"fmt"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/inventory"
	"github.com/moat-dev/moat/internal/netaddr"
)

// transport flags remote servers reached without TLS.
func (c *checker) transport(s *inventory.ServerSpec, _ []string) {
	if s.URL == "" {
		return
	}
	u, ok := netaddr.ParseURL(s.URL)
	if !ok || (u.Scheme != "http" && u.Scheme != "ws") {
		return
	}
	switch u.Host.Class {
	case netaddr.Loopback:
		return
	}
	secure := map[string]string{"http": "https", "ws": "wss"}[u.Scheme]
	c.add(s, finding.Finding{
		Rule: "plaintext-transport", Category: finding.CatTransport, Severity: finding.High,
		Message: fmt.Sprintf("the server at %s is reached over plain %s: tokens, tool calls and results cross the network unencrypted and can be altered",
			u.Host.Name, u.Scheme),
		Evidence: SafeURL(s.URL),
		Fix:      fmt.Sprintf("use %s:// (plain %s is only acceptable to 127.0.0.1 or localhost)", secure, u.Scheme),
	}, "url")
}
