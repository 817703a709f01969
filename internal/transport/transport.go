// Package transport moves raw JSON-RPC frames between moat's proxy core and
// the two peers it sits between: a client speaking newline-delimited JSON on
// stdio, a child process started by moat, or a remote server reached over
// Streamable HTTP (or legacy SSE) through the official go-sdk transports.
//
// A frame is the exact bytes of one JSON value (an object or a batch array),
// without the trailing newline. Nothing here parses or rewrites the JSON of a
// stdio frame: byte-faithfulness is the point. The HTTP adapter has to go
// through the go-sdk jsonrpc codec and therefore remaps request ids (see
// http.go).
package transport

import (
	"context"
	"errors"
	"fmt"
)

// Conn is one bidirectional stream of JSON-RPC frames. Read returns one
// frame at a time; Write may be called concurrently with Read and with
// itself. Close releases the stream and unblocks Read.
type Conn interface {
	Read(ctx context.Context) ([]byte, error)
	Write(ctx context.Context, frame []byte) error
	Close() error
}

// ErrClosed is returned by Read and Write after Close.
var ErrClosed = errors.New("transport: connection closed")

// TooLargeError reports a frame longer than the configured cap. The frame was
// discarded without being buffered; Head and Tail keep its first and last
// bytes so the proxy can still find the request id and answer it.
type TooLargeError struct {
	Limit int   // the cap in bytes
	Size  int64 // bytes seen before the end of the line
	Head  []byte
	Tail  []byte
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("message of %d bytes exceeds the %d-byte limit (raise --max-message-size if this is expected)", e.Size, e.Limit)
}
