package proxy

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzProxyFrame feeds arbitrary client bytes to a live proxy whose fake
// server answers every request. The proxy must not panic, must keep serving
// (a probe request afterwards is answered) and must keep its tables bounded.
func FuzzProxyFrame(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":12345678901234567890,"method":"tools/call","params":{"name":"x","arguments":{"a":[1,2,{"b":null}]}}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`,
		`{"jsonrpc":"2.0","id":"moat-0000000000000000-1","result":{}}`,
		`{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}`,
		`{"jsonrpc":"2.0","id":{},"method":"x"}`,
		`[]`, `[1]`, `null`, "\xff\xfe", `{"jsonrpc":"2.0","id":1,"result":{},"error":{}}`,
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"y\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParseInvariants(t, data)
		h := start(t, &Proxy{Limits: Limits{MaxPending: 8, MaxMessageSize: 4096}})
		go answerEverything(h.server)
		go func() {
			h.client.w.Write(append(bytes.ReplaceAll(data, []byte("\n"), []byte(" ")), '\n'))
			h.client.send(`{"jsonrpc":"2.0","id":"fuzz-probe","method":"ping"}`)
		}()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Contains(h.client.recv(), `"fuzz-probe"`) {
				if n := h.p.pend[SideClient].len(); n > 8 {
					t.Fatalf("%d pending entries over the cap of 8", n)
				}
				return
			}
		}
		t.Fatal("the probe was never answered")
	})
}

// answerEverything is a fake server: it answers every request it reads.
func answerEverything(pe *peer) {
	for {
		line, err := pe.br.ReadString('\n')
		if err != nil {
			return
		}
		m, err := ParseMessage([]byte(strings.TrimSpace(line)))
		if err != nil {
			continue
		}
		msgs := []*Message{m}
		if m.Kind == KindBatch {
			msgs = m.Batch
		}
		for _, el := range msgs {
			if el.Kind == KindRequest {
				pe.w.Write(append(encodeResult(el.IDRaw, []byte(`{}`)), '\n'))
			}
		}
	}
}

func checkParseInvariants(t *testing.T, data []byte) {
	m, err := ParseMessage(data)
	if err != nil {
		return
	}
	if m.Kind == KindBatch {
		for _, el := range m.Batch {
			if !bytes.Contains(data, el.Raw) {
				t.Fatalf("batch element %q is not a slice of the input", el.Raw)
			}
		}
		return
	}
	if !bytes.Equal(m.Raw, bytes.TrimSpace(data)) {
		t.Fatalf("Raw %q differs from the input %q", m.Raw, data)
	}
	if m.Kind == KindRequest || m.Kind == KindResponse {
		if len(m.IDRaw) == 0 {
			t.Fatal("a request or response without an id")
		}
	}
}
