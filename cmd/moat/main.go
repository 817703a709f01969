// Command moat is a security tool for the Model Context Protocol: it inspects
// what MCP servers tell a model, decides every tool call on its real
// arguments, confines servers and records what happened.
package main

import (
	"os"

	"github.com/moat-dev/moat/internal/cli"
	"github.com/moat-dev/moat/internal/iostreams"
	"github.com/moat-dev/moat/internal/sandbox"
)

func main() {
	// A re-executed moat that confines a server (moat run --sandbox) runs
	// only the sandbox init stage, before any CLI setup.
	if sandbox.IsChild() {
		os.Exit(sandbox.ChildMain())
	}
	os.Exit(cli.Main(os.Args[1:], iostreams.System()))
}
