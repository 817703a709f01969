// Command slow is an MCP server for moat's concurrency benchmark: it takes
// MOAT_SLOW_START (default 1s) to start, then serves one tool.
package main

import (
	"os"
	"time"

	"github.com/moat-dev/moat/testdata/servers/internal/rawserver"
)

func main() {
	d, err := time.ParseDuration(os.Getenv("MOAT_SLOW_START"))
	if err != nil {
		d = time.Second
	}
	time.Sleep(d)
	spec := rawserver.Spec{Name: "slow", Version: "1.0.0", Tools: []string{`{"name":"noop","description":"Do nothing.","inputSchema":{"type":"object"}}`}}
	if err := rawserver.Serve(os.Stdin, os.Stdout, spec); err != nil {
		os.Exit(1)
	}
}
