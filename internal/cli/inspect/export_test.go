package inspect

import "github.com/moat-dev/moat/internal/detect"

// SetScanner replaces the detection engine for a test and returns a func
// that restores it.
func SetScanner(s detect.Scanner) func() {
	old := newScanner
	newScanner = func() (detect.Scanner, error) { return s, nil }
	return func() { newScanner = old }
}
