package state

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// idAlphabet has no characters that are easy to confuse when read aloud or
// typed from a screen: no 0/o, 1/l/i, and lower case only.
const idAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// Lengths of generated ids.
const (
	ApprovalIDLen = 6
	grantIDLen    = 8
	grantPrefix   = "g-"
)

// randomID returns n characters from idAlphabet using crypto/rand.
func randomID(n int) (string, error) {
	// 31 symbols: reject bytes >= 248 (8*31) to avoid modulo bias.
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("generate id: %w", err)
		}
		for _, b := range buf {
			if b >= 248 {
				continue
			}
			out = append(out, idAlphabet[int(b)%len(idAlphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}

// NewGrantID returns a fresh grant id such as "g-7kq2xm9p".
func NewGrantID() (string, error) {
	s, err := randomID(grantIDLen)
	if err != nil {
		return "", err
	}
	return grantPrefix + s, nil
}

// ParseApprovalID normalises what a user typed as an approval id: it trims
// spaces, lower-cases and checks length and alphabet. The error says what is
// wrong so the CLI can print it.
func ParseApprovalID(s string) (string, error) {
	id := strings.ToLower(strings.TrimSpace(s))
	if len(id) != ApprovalIDLen {
		return "", fmt.Errorf("%w: approval id %q must be %d characters", ErrInvalidInput, clip(s, 32), ApprovalIDLen)
	}
	for i := 0; i < len(id); i++ {
		if strings.IndexByte(idAlphabet, id[i]) < 0 {
			return "", fmt.Errorf("%w: approval id %q has a character outside %s", ErrInvalidInput, clip(s, 32), idAlphabet)
		}
	}
	return id, nil
}

// ParseGrantID checks a grant id typed by a user or given by a caller:
// 1 to 64 characters from [A-Za-z0-9._-]. Generated ids look like
// "g-7kq2xm9p"; callers may choose their own within that alphabet.
func ParseGrantID(s string) (string, error) {
	id := strings.TrimSpace(s)
	if id == "" || len(id) > 64 {
		return "", fmt.Errorf("%w: grant id %q must be 1 to 64 characters", ErrInvalidInput, clip(s, 32))
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return "", fmt.Errorf("%w: grant id %q may only contain letters, digits, '.', '_' and '-'", ErrInvalidInput, clip(s, 32))
		}
	}
	return id, nil
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
