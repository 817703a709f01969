package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTranscripts replays the protocol transcripts in testdata/transcripts.
// Each line is "c>" (the client sends), "s>" (the server sends), "c<" (the
// client must receive exactly) or "s<" (the server must receive exactly);
// "#" lines are the prose header. A bug fix adds a transcript.
func TestTranscripts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "transcripts", "*.txt"))
	if len(files) == 0 {
		t.Fatal("no transcripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			h := start(t, &Proxy{})
			for n, line := range strings.Split(string(b), "\n") {
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				dir, msg, ok := strings.Cut(line, " ")
				if !ok {
					t.Fatalf("%s:%d: want a direction and a message", file, n+1)
				}
				switch dir {
				case "c>":
					h.client.send(msg)
				case "s>":
					h.server.send(msg)
				case "c<", "s<":
					pe := h.client
					if dir == "s<" {
						pe = h.server
					}
					if got := pe.recv(); got != msg {
						t.Fatalf("%s:%d: %s received\n%s\nwant\n%s", file, n+1, dir, got, msg)
					}
				default:
					t.Fatalf("%s:%d: unknown direction %q", file, n+1, dir)
				}
			}
		})
	}
}
