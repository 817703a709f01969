package mcpdoc

import (
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
)

// maxPending bounds the tools/call requests a Session remembers.
const maxPending = 10_000

// Session walks the messages of one captured session in order. It learns
// the server's self-declared name from an initialize result and pairs each
// tools/call response with its request, so a tool result is attributed to
// the tool that produced it (Location.Tool). The zero value is ready to use;
// a Session is not safe for concurrent use.
type Session struct {
	// Server is the serverInfo.name seen so far ("" until an initialize
	// result arrives). Walk uses it when the base location has no server.
	Server string
	// pending maps a tools/call request id (kind-tagged raw text, so 1 and
	// "1" differ) to the tool it called.
	pending map[string]string
}

// Walk walks doc as the session's next message; see the package function
// Walk for base and emit.
func (s *Session) Walk(doc *Node, base finding.Location, lim Limits, emit func(detect.Target)) {
	if name := ServerName(doc); name != "" {
		s.Server = name
	}
	if base.Server == "" {
		base.Server = s.Server
	}
	walk(doc, base, lim, s, emit)
}

func idKey(id *Node) (string, bool) {
	switch id.Kind {
	case String:
		return "s" + id.Str, true
	case Number:
		return "n" + id.Str, true
	}
	return "", false
}

// called records a tools/call request. A nil Session records nothing.
func (s *Session) called(id *Node, tool string) {
	k, ok := idKey(id)
	if s == nil || !ok || tool == "" {
		return
	}
	if s.pending == nil {
		s.pending = make(map[string]string)
	}
	if len(s.pending) >= maxPending {
		clear(s.pending) // a session that never answers; forget rather than grow
	}
	s.pending[k] = tool
}

// answered returns the tool a response id answers and forgets the request.
func (s *Session) answered(id *Node) string {
	k, ok := idKey(id)
	if s == nil || !ok {
		return ""
	}
	tool := s.pending[k]
	delete(s.pending, k)
	return tool
}
