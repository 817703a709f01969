package transport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// listen holds the standalone GET stream of a Streamable HTTP session open,
// reconnecting a few times, and delivers its messages as frames (raw bytes:
// ids exactly as the server wrote them). A 405, or any 4xx, means the server
// offers no such stream, which the spec allows.
func (c *httpConn) listen(sessionID string) {
	const attempts = 5
	for i := range attempts {
		err := c.listenOnce(sessionID)
		if c.ctx.Err() != nil {
			return
		}
		var noStream errNoStream
		if errors.As(err, &noStream) {
			c.log.Debug("server offers no standalone stream", "status", int(noStream))
			return
		}
		c.log.Debug("standalone stream ended", "err", err, "attempt", i+1)
		select {
		case <-time.After(time.Duration(i+1) * 500 * time.Millisecond):
		case <-c.ctx.Done():
			return
		}
	}
}

type errNoStream int

func (e errNoStream) Error() string { return fmt.Sprintf("no standalone stream (HTTP %d)", int(e)) }

func (c *httpConn) listenOnce(sessionID string) error {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, c.opts.URL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	if sessionID != "" {
		req.Header.Set("Mcp-Session-Id", sessionID)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		return errNoStream(resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("standalone stream: HTTP %d", resp.StatusCode)
	}
	return c.readEvents(bufio.NewReaderSize(resp.Body, 64<<10))
}

// readEvents parses server-sent events, delivering each "message" event's
// data as one frame. An event over the size cap is skipped.
func (c *httpConn) readEvents(br *bufio.Reader) error {
	var data []byte
	event, skip := "", false
	for {
		line, err := readLine(br, c.opts.MaxFrame)
		var tooLarge *TooLargeError
		if errors.As(err, &tooLarge) {
			skip = true
			continue
		}
		if err != nil {
			return err
		}
		switch {
		case len(line) == 0:
			if len(data) > 0 && !skip && (event == "" || event == "message") {
				if !c.deliver(data, nil) {
					return nil
				}
			}
			data, event, skip = nil, "", false
		case bytes.HasPrefix(line, []byte("data:")):
			if len(data)+len(line) > c.opts.MaxFrame {
				skip = true
				continue
			}
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" "))...)
		case bytes.HasPrefix(line, []byte("event:")):
			event = string(bytes.TrimSpace(line[len("event:"):]))
		}
	}
}
