package mcpdoc

import (
	"github.com/moat-dev/moat/internal/detect"
	"github.com/moat-dev/moat/internal/finding"
)

// Inspect strictly decodes raw (one document starting on base.Line, or line
// 1), walks it and returns the scanner's findings for every target.
func Inspect(scanner detect.Scanner, raw []byte, base finding.Location) ([]finding.Finding, error) {
	return InspectLimits(scanner, raw, base, Limits{})
}

// InspectLimits is Inspect with explicit limits.
func InspectLimits(scanner detect.Scanner, raw []byte, base finding.Location, lim Limits) ([]finding.Finding, error) {
	doc, err := Decode(raw, base.Line, lim)
	if err != nil {
		return nil, err
	}
	var out []finding.Finding
	WalkLimits(&doc, base, lim, func(t detect.Target) {
		out = append(out, scanner.Scan(t)...)
	})
	return out, nil
}
