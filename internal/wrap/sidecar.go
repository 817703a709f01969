package wrap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// SidecarSuffix names the file, next to a configuration, that holds the
// records of what moat wrap replaced in it.
const SidecarSuffix = ".moat-wrap.json"

const sidecarVersion = 1

// Sidecar is the content of a <config>.moat-wrap.json file.
type Sidecar struct {
	Version int     `json:"moat_wrap"`
	Entries []Entry `json:"entries"`
}

// Entry is one wrapped server and when it was wrapped.
type Entry struct {
	Record
	WrappedAt string `json:"wrapped_at"`
	// Backup is the copy of the file taken before this wrap.
	Backup string `json:"backup,omitempty"`
}

// ParseSidecar reads a sidecar strictly: unknown members and other
// versions are refused.
func ParseSidecar(data []byte) (Sidecar, error) {
	var s Sidecar
	if len(data) > MaxSize {
		return s, fmt.Errorf("sidecar is larger than %d MiB", MaxSize>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Sidecar{}, fmt.Errorf("sidecar is not a moat wrap record: %w", err)
	}
	if s.Version != sidecarVersion {
		return Sidecar{}, fmt.Errorf("sidecar version %d is not supported by this moat (want %d)", s.Version, sidecarVersion)
	}
	for _, e := range s.Entries {
		if e.Server == "" || len(e.Path) == 0 {
			return Sidecar{}, fmt.Errorf("sidecar has an entry without a server or path")
		}
	}
	return s, nil
}

// Marshal writes the sidecar as indented JSON.
func (s Sidecar) Marshal() []byte {
	s.Version = sidecarVersion
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(s)
	return b.Bytes()
}

// Add records new entries, replacing older ones at the same path.
func (s *Sidecar) Add(es ...Entry) {
	for _, e := range es {
		s.Entries = slices.DeleteFunc(s.Entries, func(o Entry) bool { return slices.Equal(o.Path, e.Path) })
		s.Entries = append(s.Entries, e)
	}
}

// Remove drops the entries of the given records.
func (s *Sidecar) Remove(rs []Record) {
	for _, r := range rs {
		s.Entries = slices.DeleteFunc(s.Entries, func(o Entry) bool { return slices.Equal(o.Path, r.Path) })
	}
}

// Records returns the records of every entry.
func (s Sidecar) Records() []Record {
	out := make([]Record, len(s.Entries))
	for i, e := range s.Entries {
		out[i] = e.Record
	}
	return out
}
