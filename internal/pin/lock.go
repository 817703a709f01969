package pin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// LockVersion is the lockfile format version this package reads and writes.
const LockVersion = 1

// MaxLockfile caps a lockfile read by ParseLock.
const MaxLockfile = 64 << 20

// Lockfile is moat.lock: the pinned state of every server a scan reached.
type Lockfile struct {
	Version int      `json:"version"`
	Servers []Server `json:"servers"`
}

// Server is the pinned state of one server. Servers are matched by Name (the
// name the client configuration gives it); Client and Target are kept for
// people reading the file and are not compared, since paths differ between
// machines.
type Server struct {
	Name   string `json:"name"`
	Client string `json:"client,omitempty"`
	Target string `json:"target,omitempty"`
	// ServerInfo is the name and version the server reported.
	ServerInfo Info `json:"server_info"`
	// Packages are the package references of the launch command as written
	// ("@scope/pkg@1.2.3").
	Packages []string `json:"packages,omitempty"`
	// Instructions is the hash of the initialize result's instructions.
	Instructions string  `json:"instructions_sha256,omitempty"`
	Tools        []Entry `json:"tools"`
}

// Info is a server's self-reported implementation.
type Info struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// Entry is one pinned tool. Definition is the tool's canonical JSON, kept so
// that a later change can be shown field by field.
type Entry struct {
	Name       string          `json:"name"`
	SHA256     string          `json:"sha256"`
	BodySHA256 string          `json:"body_sha256"`
	Definition json.RawMessage `json:"definition"`
}

// NewServer builds the pinned state of one server from its tools' raw
// definitions. Tools that cannot be fingerprinted are returned as errors
// (the caller reports them); the rest are pinned, sorted by name.
func NewServer(name string, info Info, instructions string, rawTools [][]byte) (Server, []error) {
	s := Server{Name: name, ServerInfo: info, Instructions: HashText(instructions), Tools: []Entry{}}
	var errs []error
	seen := map[string]bool{}
	for i, raw := range rawTools {
		t, err := FingerprintTool(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("tools[%d]: %w", i, err))
			continue
		}
		if seen[t.Name] {
			errs = append(errs, fmt.Errorf("tools[%d]: duplicate tool name %q", i, t.Name))
			continue
		}
		seen[t.Name] = true
		s.Tools = append(s.Tools, Entry{Name: t.Name, SHA256: t.Hash, BodySHA256: t.BodyHash, Definition: t.Canonical})
	}
	sort.Slice(s.Tools, func(i, j int) bool { return s.Tools[i].Name < s.Tools[j].Name })
	return s, errs
}

// Encode renders the lockfile: servers sorted by name, indented JSON, a
// trailing newline. Equal lockfiles encode to equal bytes.
func (l Lockfile) Encode() ([]byte, error) {
	l.Version = LockVersion
	srv := append([]Server(nil), l.Servers...)
	sort.SliceStable(srv, func(i, j int) bool { return srv[i].Name < srv[j].Name })
	l.Servers = srv
	if l.Servers == nil {
		l.Servers = []Server{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(l); err != nil {
		return nil, fmt.Errorf("encode lockfile: %w", err)
	}
	return escapeInvisible(buf.Bytes()), nil
}

// escapeInvisible writes every non-ASCII rune that is not graphic, or is a
// format character (zero-width, bidi controls, tag characters), as a \u
// escape, so hidden text shows up when a lockfile is reviewed. Such runes can
// only occur inside JSON strings, where the escape means the same.
func escapeInvisible(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r < utf8.RuneSelf || (unicode.IsGraphic(r) && !unicode.Is(unicode.Cf, r)) {
			if out != nil {
				out = append(out, b[i:i+n]...)
			}
			i += n
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(b)+64), b[:i]...)
		}
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += n
	}
	if out == nil {
		return b
	}
	return out
}

var hashRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ParseLock reads a lockfile strictly: unknown members, duplicate names and
// case variants are errors, every hash must match its stored definition, and
// server and tool names must be unique.
func ParseLock(data []byte) (Lockfile, error) {
	if len(data) > MaxLockfile {
		return Lockfile{}, fmt.Errorf("lockfile of %d bytes exceeds the %d-byte limit", len(data), MaxLockfile)
	}
	var l Lockfile
	if err := jsonv2.Unmarshal(data, &l, jsonv2.RejectUnknownMembers(true)); err != nil {
		return Lockfile{}, fmt.Errorf("parse lockfile: %w", err)
	}
	if l.Version != LockVersion {
		return Lockfile{}, fmt.Errorf("lockfile version %d is not supported (this moat reads version %d): regenerate it with --lock", l.Version, LockVersion)
	}
	names := map[string]bool{}
	for i := range l.Servers {
		s := &l.Servers[i]
		if s.Name == "" || names[s.Name] {
			return Lockfile{}, fmt.Errorf("servers[%d]: missing or duplicate server name %q", i, s.Name)
		}
		names[s.Name] = true
		if s.Instructions != "" && !hashRE.MatchString(s.Instructions) {
			return Lockfile{}, fmt.Errorf("server %q: malformed instructions hash", s.Name)
		}
		if err := checkEntries(s); err != nil {
			return Lockfile{}, err
		}
	}
	return l, nil
}

func checkEntries(s *Server) error {
	tools := map[string]bool{}
	for j := range s.Tools {
		e := &s.Tools[j]
		if e.Name == "" || tools[e.Name] {
			return fmt.Errorf("server %q: tools[%d]: missing or duplicate tool name %q", s.Name, j, e.Name)
		}
		tools[e.Name] = true
		t, err := FingerprintTool(e.Definition)
		if err != nil {
			return fmt.Errorf("server %q: tool %q: %w", s.Name, e.Name, err)
		}
		if t.Name != e.Name || t.Hash != e.SHA256 || t.BodyHash != e.BodySHA256 {
			return fmt.Errorf("server %q: tool %q: %w", s.Name, e.Name, ErrTampered)
		}
		e.Definition = t.Canonical
	}
	return nil
}

// ErrTampered is returned when a lockfile's hash does not match the
// definition stored next to it.
var ErrTampered = errors.New("stored hash does not match the stored definition (the lockfile was edited by hand or is corrupt): regenerate it with --lock")
