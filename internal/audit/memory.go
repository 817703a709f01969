package audit

import (
	"sync"
	"time"
)

// Memory is a Sink that keeps events in memory, chained and redacted like
// the file sink; for tests.
type Memory struct {
	mu       sync.Mutex
	events   []Event
	lines    [][]byte
	redactor Redactor
	now      func() time.Time
}

// NewMemory returns an empty memory sink using now for event times.
func NewMemory(now func() time.Time, r Redactor) *Memory {
	return &Memory{now: now, redactor: r}
}

// Write appends e.
func (m *Memory) Write(e Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	prev := GenesisHash("memory")
	if n := len(m.lines); n > 0 {
		prev = hashLine(m.lines[n-1])
	}
	e = prepare(e, int64(len(m.events))+1, prev, m.now, m.redactor)
	line, err := marshal(e)
	if err != nil {
		return err
	}
	m.events = append(m.events, e)
	m.lines = append(m.lines, line)
	return nil
}

// Close does nothing.
func (m *Memory) Close() error { return nil }

// Events returns a copy of the events written so far.
func (m *Memory) Events() []Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Event(nil), m.events...)
}
