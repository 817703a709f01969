package proxy

import (
	"errors"
	"sync"
	"time"
)

// errDuplicateID means a request reused the id of one still in flight.
var errDuplicateID = errors.New("request id is already in flight")

// errTooManyPending means the in-flight table is full.
var errTooManyPending = errors.New("too many requests in flight")

// pending pairs requests with their responses for one direction. It is
// bounded; entries leave on response, cancellation or timeout.
type pending struct {
	mu      sync.Mutex
	max     int
	entries map[string]*entry
	tokens  map[string]string // progress token → id key
}

type entry struct {
	req   *Message
	timer *time.Timer
	start time.Time
	token string // progress token key, "" if none
	// reply, when set, receives the response instead of forwarding it
	// (requests moat itself sent).
	reply chan *Message
}

func newPending(max int) *pending {
	return &pending{max: max, entries: make(map[string]*entry), tokens: make(map[string]string)}
}

// add records an in-flight request. onTimeout runs once if no response
// arrives within d (d <= 0: no timeout).
func (p *pending) add(key string, e *entry, d time.Duration, onTimeout func()) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.entries[key]; ok {
		return errDuplicateID
	}
	if len(p.entries) >= p.max {
		return errTooManyPending
	}
	p.entries[key] = e
	e.start = time.Now()
	if e.token != "" {
		if _, taken := p.tokens[e.token]; taken {
			e.token = "" // a reused token must not extend someone else's call
		} else {
			p.tokens[e.token] = key
		}
	}
	if d > 0 {
		e.timer = time.AfterFunc(d, func() {
			if p.take(key, e) {
				onTimeout()
			}
		})
	}
	return nil
}

// take removes key if it still maps to e.
func (p *pending) take(key string, e *entry) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.entries[key] != e {
		return false
	}
	p.forget(key, e)
	return true
}

// remove deletes and returns the entry for key, stopping its timer.
func (p *pending) remove(key string) *entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entries[key]
	if e == nil {
		return nil
	}
	p.forget(key, e)
	if e.timer != nil {
		e.timer.Stop()
	}
	return e
}

func (p *pending) forget(key string, e *entry) {
	delete(p.entries, key)
	if e.token != "" {
		delete(p.tokens, e.token)
	}
}

// touch restarts the timeout of the request that owns a progress token, as
// long as the request has not run longer than max in total.
func (p *pending) touch(token string, d, max time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.entries[p.tokens[token]]
	if e == nil || e.timer == nil || time.Since(e.start)+d > max {
		return
	}
	e.timer.Reset(d)
}

// drain removes every entry and returns them.
func (p *pending) drain() []*entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*entry, 0, len(p.entries))
	for k, e := range p.entries {
		if e.timer != nil {
			e.timer.Stop()
		}
		out = append(out, e)
		p.forget(k, e)
	}
	return out
}

func (p *pending) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}
