package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ProtocolVersion is the MCP version moat asks for; servers may answer with
// an older one.
const ProtocolVersion = "2025-11-25"

// maxStrayMessages bounds the notifications and server requests moat reads
// while waiting for one answer.
const maxStrayMessages = 10_000

type jsontextValue = json.RawMessage

type session struct {
	c    *conn
	opts Options
	next int64
}

func newSession(c *conn, opts Options) *session { return &session{c: c, opts: opts} }

// envelope is one JSON-RPC message, decoded strictly (duplicate member names
// and case variants are errors).
type envelope struct {
	JSONRPC string         `json:"jsonrpc"`
	ID      jsontext.Value `json:"id,omitzero"`
	Method  string         `json:"method,omitempty"`
	Params  jsontext.Value `json:"params,omitzero"`
	Result  jsontext.Value `json:"result,omitzero"`
	Error   *rpcError      `json:"error,omitempty"`
}

type rpcError struct {
	Code    int64          `json:"code"`
	Message string         `json:"message"`
	Data    jsontext.Value `json:"data,omitzero"`
}

// RPCError is a JSON-RPC error answer.
type RPCError struct {
	Code    int64
	Message string
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("server answered error %d: %s", e.Code, shorten(e.Message, 200))
}

type initResult struct {
	ProtocolVersion string                    `json:"protocolVersion"`
	Capabilities    map[string]jsontext.Value `json:"capabilities"`
	ServerInfo      struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"serverInfo"`
	Instructions string `json:"instructions"`
}

// run performs the handshake and every list.
func (s *session) run(ctx context.Context, res *Result) error {
	params := map[string]any{
		"protocolVersion": ProtocolVersion,
		"capabilities":    map[string]any{}, // no roots, sampling or elicitation
		"clientInfo":      map[string]string{"name": s.opts.ClientName, "version": s.opts.ClientVersion},
	}
	raw, err := s.call(ctx, "initialize", params)
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	var ir initResult
	if err := jsonv2.Unmarshal(raw, &ir); err != nil {
		return fmt.Errorf("initialize: malformed result: %w", err)
	}
	res.Init = append([]byte(nil), raw...)
	res.ServerName, res.ServerVersion = ir.ServerInfo.Name, ir.ServerInfo.Version
	res.Instructions, res.ProtocolVersion = ir.Instructions, ir.ProtocolVersion
	if err := s.notify(ctx, "notifications/initialized"); err != nil {
		return fmt.Errorf("initialized: %w", err)
	}
	lists := []struct {
		method, key, capability string
		dst                     *[]jsontextValue
	}{
		{"tools/list", "tools", "", &res.Tools},
		{"prompts/list", "prompts", "prompts", &res.Prompts},
		{"resources/list", "resources", "resources", &res.Resources},
		{"resources/templates/list", "resourceTemplates", "resources", &res.Templates},
	}
	for _, l := range lists {
		if _, ok := ir.Capabilities[l.capability]; l.capability != "" && !ok {
			continue
		}
		items, truncated, err := s.list(ctx, l.method, l.key)
		*l.dst = items
		if truncated {
			res.Truncated = append(res.Truncated, l.method)
		}
		if err != nil {
			if ctx.Err() != nil || !isRPC(err) {
				return fmt.Errorf("%s: %w", l.method, err)
			}
			if res.ListErrors == nil {
				res.ListErrors = map[string]string{}
			}
			res.ListErrors[l.method] = err.Error()
		}
	}
	return nil
}

func isRPC(err error) bool {
	var re *RPCError
	return errors.As(err, &re)
}

// list fetches every page of a list method.
func (s *session) list(ctx context.Context, method, key string) (items []jsontextValue, truncated bool, err error) {
	cursor := ""
	seen := map[string]bool{}
	for page := 0; page < maxPages; page++ {
		var params any
		if cursor != "" {
			params = map[string]string{"cursor": cursor}
		}
		raw, err := s.call(ctx, method, params)
		if err != nil {
			return items, truncated, err
		}
		var pg map[string]jsontext.Value
		if err := jsonv2.Unmarshal(raw, &pg); err != nil {
			return items, truncated, fmt.Errorf("malformed result: %w", err)
		}
		var arr []jsontext.Value
		if v, ok := pg[key]; ok {
			if err := jsonv2.Unmarshal(v, &arr); err != nil {
				return items, truncated, fmt.Errorf("malformed %q: %w", key, err)
			}
		}
		for _, it := range arr {
			if len(items) >= s.opts.MaxItems {
				return items, true, nil
			}
			items = append(items, jsontextValue(it.Clone()))
		}
		cursor = ""
		if v, ok := pg["nextCursor"]; ok && v.Kind() == '"' {
			_ = jsonv2.Unmarshal(v, &cursor)
		}
		if cursor == "" {
			return items, truncated, nil
		}
		if seen[cursor] {
			return items, truncated, errors.New("server repeated a pagination cursor")
		}
		seen[cursor] = true
	}
	return items, true, nil
}

func (s *session) notify(ctx context.Context, method string) error {
	b, err := jsonv2.Marshal(map[string]any{"jsonrpc": "2.0", "method": method})
	if err != nil {
		return err
	}
	return s.c.write(ctx, b)
}

// call sends one request and waits for its answer. Server requests that
// arrive meanwhile are refused (ping is answered); notifications are read and
// dropped.
func (s *session) call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	s.next++
	id := strconv.FormatInt(s.next, 10)
	req := map[string]any{"jsonrpc": "2.0", "id": s.next, "method": method}
	if params != nil {
		req["params"] = params
	}
	b, err := jsonv2.Marshal(req)
	if err != nil {
		return nil, err
	}
	if err := s.c.write(ctx, b); err != nil {
		return nil, fmt.Errorf("sending request: %w", err)
	}
	for stray := 0; stray < maxStrayMessages; stray++ {
		var fe frameOrErr
		var ok bool
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case fe, ok = <-s.c.frames:
		}
		if !ok {
			return nil, errors.New("connection closed")
		}
		if fe.err != nil {
			return nil, fmt.Errorf("reading answer: %w", fe.err)
		}
		if noise(fe.frame) {
			continue // a log line on stdout: clients skip these too
		}
		msgs, err := decodeFrame(fe.frame)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Method != "" {
				s.answerServer(ctx, m)
				continue
			}
			if string(m.ID) != id {
				continue
			}
			if m.Error != nil {
				return nil, &RPCError{Code: m.Error.Code, Message: m.Error.Message}
			}
			if len(m.Result) == 0 || m.Result.Kind() != '{' {
				return nil, errors.New("answer has no result object")
			}
			return m.Result, nil
		}
	}
	return nil, errors.New("too many messages without an answer")
}

// decodeFrame decodes one frame: a message or a batch of them.
func decodeFrame(frame []byte) ([]envelope, error) {
	v := jsontext.Value(frame)
	if v.Kind() == '[' {
		var batch []envelope
		if err := jsonv2.Unmarshal(frame, &batch); err != nil {
			return nil, fmt.Errorf("malformed message from server: %w", err)
		}
		return batch, nil
	}
	var m envelope
	if err := jsonv2.Unmarshal(frame, &m); err != nil {
		return nil, fmt.Errorf("malformed message from server: %w", err)
	}
	if m.JSONRPC != "2.0" {
		return nil, errors.New("malformed message from server: not JSON-RPC 2.0")
	}
	return []envelope{m}, nil
}

// answerServer refuses every server request except ping. moat declared no
// capabilities, so a well-behaved server sends none.
func (s *session) answerServer(ctx context.Context, m envelope) {
	if len(m.ID) == 0 {
		return // a notification
	}
	resp := map[string]any{"jsonrpc": "2.0", "id": m.ID}
	if m.Method == "ping" {
		resp["result"] = map[string]any{}
	} else {
		resp["error"] = map[string]any{"code": -32601, "message": "moat scan does not answer server requests"}
	}
	if b, err := jsonv2.Marshal(resp); err == nil {
		_ = s.c.write(ctx, b)
	}
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// noise reports a stdout line that is not JSON at all (a start-up banner or
// log line some servers print). A line that is JSON but malformed — a
// duplicate key, a case variant — is not noise: it fails the server.
func noise(frame []byte) bool {
	for _, c := range frame {
		switch c {
		case ' ', '\t', '\r':
			continue
		case '{', '[':
			return false
		}
		return true
	}
	return true
}
