package guard

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/policy"
	"github.com/moat-dev/moat/internal/state"
)

// Store is the part of the state database the guard uses (*state.DB).
type Store interface {
	ActiveGrants(ctx context.Context, now time.Time) ([]policy.Grant, error)
	ConsumeOnce(ctx context.Context, id string, now time.Time) error
	AddGrant(ctx context.Context, g policy.Grant, meta state.GrantMeta) (policy.Grant, error)
	CreateApproval(ctx context.Context, a state.Approval) (string, error)
	Pins(ctx context.Context, server string) ([]state.Pin, error)
	PutPin(ctx context.Context, p state.Pin) error
	FirstUsePins(ctx context.Context, server string, ps []state.Pin) (bool, error)
	SetPinStatus(ctx context.Context, server, tool, status string, now time.Time) error
	RecordServerTools(ctx context.Context, server, client string, tools []string, now time.Time) error
	ToolOwners(ctx context.Context, client, tool, except string) ([]string, error)
	ServerTools(ctx context.Context, server string) ([]state.ServerTool, error)
}

var _ Store = (*state.DB)(nil)

// auditQueue bounds the events waiting to be written; a writer waits at
// most auditWait for room before the log counts as broken.
const (
	auditQueue = 1024
	auditWait  = 5 * time.Second
)

// auditor writes events on its own goroutine so that the log's fsync does
// not add to every call's latency. A failed write breaks it: from then on
// calls are denied (failed reports why).
type auditor struct {
	sink   audit.Sink
	ch     chan queued
	done   chan struct{}
	broken atomic.Pointer[error]
	once   sync.Once
}

func newAuditor(sink audit.Sink) *auditor {
	if sink == nil {
		sink = audit.Discard
	}
	a := &auditor{sink: sink, ch: make(chan queued, auditQueue), done: make(chan struct{})}
	go a.loop()
	return a
}

func (a *auditor) loop() {
	defer close(a.done)
	for q := range a.ch {
		if a.broken.Load() != nil {
			continue
		}
		e := q.e
		if q.hashArgs {
			if h, err := policy.CanonicalArgsHash(e.Args); err == nil {
				e.ArgsHash = h
			}
		}
		if err := a.sink.Write(e); err != nil {
			err = fmt.Errorf("audit log unavailable: %w", err)
			a.broken.Store(&err)
		}
	}
}

// queued is an event waiting for the audit goroutine; hashArgs asks it to
// fill ArgsHash from Args there, off the call's path.
type queued struct {
	e        audit.Event
	hashArgs bool
}

// write queues e.
func (a *auditor) write(e audit.Event) { a.enqueue(queued{e: e}) }

// writeHashed queues e and has its ArgsHash computed on the audit goroutine.
func (a *auditor) writeHashed(e audit.Event) { a.enqueue(queued{e: e, hashArgs: true}) }

func (a *auditor) enqueue(q queued) {
	if a.broken.Load() != nil {
		return
	}
	select {
	case a.ch <- q:
		return
	default:
	}
	t := time.NewTimer(auditWait)
	defer t.Stop()
	select {
	case a.ch <- q:
	case <-t.C:
		err := errors.New("audit log unavailable: writes are not keeping up")
		a.broken.CompareAndSwap(nil, &err)
	}
}

// failed is the error that broke the log, if any.
func (a *auditor) failed() error {
	if p := a.broken.Load(); p != nil {
		return *p
	}
	return nil
}

func (a *auditor) close() error {
	var err error
	a.once.Do(func() {
		close(a.ch)
		<-a.done
		err = errors.Join(a.failed(), a.sink.Close())
	})
	return err
}

// event fills the fields every record of this guard shares.
func (g *Guard) event(kind, action string) audit.Event {
	// Stamped now: the record is written later, on the audit goroutine.
	return audit.Event{Time: g.o.Now(), Kind: kind, Action: action, Actor: "proxy", Client: g.clientName(),
		Session: g.session, Server: g.o.Server.Name}
}

// unmarshal decodes strictly: case-sensitive names, duplicates rejected.
func unmarshal(b []byte, v any) error {
	if len(b) == 0 {
		return errors.New("empty JSON")
	}
	return jsonv2.Unmarshal(b, v)
}
