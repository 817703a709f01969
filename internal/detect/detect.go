// Package detect is the inspection engine: pure functions from normalized
// text and its location to findings. Rules are data (an embedded catalogue);
// the engine prefilters with multi-pattern matching and then runs only the
// rules whose keywords occur.
package detect

import (
	"github.com/moat-dev/moat/internal/finding"
)

// Context says what kind of text a Target is, which changes how it is read:
// a tool description is expected to describe, a tool result is expected to be
// data.
type Context int

// Contexts.
const (
	// Definition is model-visible metadata a server declares: tool, prompt and
	// resource names, titles, descriptions, schema strings, annotations,
	// server instructions.
	Definition Context = iota
	// Output is content a server returns or sends: tool results, resource
	// contents, prompt messages, sampling and elicitation requests.
	Output
	// Input is content flowing to a server or pasted by a user: tool call
	// arguments, prompts submitted to an agent.
	Input
)

// Target is one piece of text to inspect.
type Target struct {
	Context Context
	// Location is copied into every finding; Field is the JSON path of the
	// text inside its document (e.g. "inputSchema.properties.notes.description").
	Location finding.Location
	Text     string
	// Identifier marks names (tool names, property names) whose words are
	// split before matching.
	Identifier bool
}

// Scanner inspects targets. *Engine implements it.
type Scanner interface {
	Scan(t Target) []finding.Finding
}

// Engine is the inspection engine. The zero value is not usable; use New.
type Engine struct{}

// Options configure an Engine.
type Options struct {
	// Disabled lists rule ids to skip.
	Disabled []string
}

// New builds an engine from the embedded rule catalogue.
func New(opts Options) (*Engine, error) { return &Engine{}, nil }

// Scan returns the findings for t. Placeholder until the engine lands.
func (e *Engine) Scan(t Target) []finding.Finding { return nil }
