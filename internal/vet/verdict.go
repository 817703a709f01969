package vet

import (
	"fmt"
	"strings"
)

// Verdict is the overall answer.
type Verdict string

// Verdicts, worst last.
const (
	OK     Verdict = "ok"
	Review Verdict = "review"
	Avoid  Verdict = "avoid"
)

// Rank orders verdicts (ok 0, review 1, avoid 2).
func (v Verdict) Rank() int {
	switch v {
	case Avoid:
		return 2
	case Review:
		return 1
	}
	return 0
}

// ParseVerdict reads ok, review or avoid.
func ParseVerdict(s string) (Verdict, error) {
	switch v := Verdict(strings.ToLower(s)); v {
	case OK, Review, Avoid:
		return v, nil
	}
	return "", fmt.Errorf("verdict %q: use ok, review or avoid", s)
}

// Result is the evaluation of one target.
type Result struct {
	Target  string   `json:"target"`
	Version string   `json:"version,omitempty"`
	Verdict Verdict  `json:"verdict"`
	Reasons []string `json:"reasons"`
	Signals []Signal `json:"signals"`
}

// Decide turns signals into a verdict: avoid when any critical signal is
// red; review when any signal is red or more than MaxUnknownForOK are
// unknown; ok only with no reds. Reasons list the critical reds first.
func Decide(sigs []Signal) (Verdict, []string) {
	var crit, reds []string
	unknown := 0
	for _, s := range sigs {
		switch {
		case s.Status == Red && s.Critical:
			crit = append(crit, s.Signal+": "+s.Reason)
		case s.Status == Red:
			reds = append(reds, s.Signal+": "+s.Reason)
		case s.Status == Unknown:
			unknown++
		}
	}
	reasons := append(crit, reds...)
	if unknown > MaxUnknownForOK {
		reasons = append(reasons, fmt.Sprintf("%d signals unknown (more than %d): too little is known", unknown, MaxUnknownForOK))
	}
	switch {
	case len(crit) > 0:
		return Avoid, reasons
	case len(reasons) > 0:
		return Review, reasons
	}
	if reasons == nil {
		reasons = []string{}
	}
	return OK, reasons
}

// Vet evaluates facts into a result.
func Vet(f *Facts, c Context) Result {
	sigs := Evaluate(f, c)
	v, reasons := Decide(sigs)
	return Result{Target: f.Target.String(), Version: f.Version, Verdict: v, Reasons: reasons, Signals: sigs}
}

// Change is how maintainers and publisher changed between the previous
// version and this one.
type Change struct {
	// Known is set when both versions name a publisher or maintainers.
	Known bool
	// NewPublisher is this version's publisher when no earlier version was
	// published or maintained by that account.
	NewPublisher   string
	Added, Removed []string
	// Takeover is set when no maintainer of the previous version remains.
	Takeover bool
}

func (c Change) String() string {
	var parts []string
	if c.NewPublisher != "" {
		parts = append(parts, "published by a new account "+c.NewPublisher)
	}
	if len(c.Added) > 0 {
		parts = append(parts, "maintainers added: "+strings.Join(c.Added, ", "))
	}
	if len(c.Removed) > 0 {
		parts = append(parts, "maintainers removed: "+strings.Join(c.Removed, ", "))
	}
	return strings.Join(parts, "; ")
}

// MaintainerChange compares version with the release before it in
// history (oldest first). A version not in history, or the first one,
// has no change; Known is false when the registry gave no people.
func MaintainerChange(history []Release, version string) Change {
	i := -1
	for j, r := range history {
		if r.Version == version {
			i = j
		}
	}
	if i <= 0 {
		return Change{Known: i == 0 && (history[0].Publisher != "" || len(history[0].Maintainers) > 0)}
	}
	cur, prev := history[i], history[i-1]
	var c Change
	seen := map[string]bool{}
	for _, r := range history[:i] {
		if r.Publisher != "" {
			seen[r.Publisher] = true
		}
		for _, m := range r.Maintainers {
			seen[m] = true
		}
	}
	if cur.Publisher != "" && prev.Publisher != "" {
		c.Known = true
		if !seen[cur.Publisher] {
			c.NewPublisher = cur.Publisher
		}
	}
	if len(cur.Maintainers) > 0 && len(prev.Maintainers) > 0 {
		c.Known = true
		c.Added, c.Removed = diffSets(prev.Maintainers, cur.Maintainers)
		c.Takeover = len(c.Removed) == len(prev.Maintainers) && len(c.Added) > 0
	}
	return c
}

// diffSets returns what b adds to a and what it drops, sorted.
func diffSets(a, b []string) (added, removed []string) {
	in := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	for _, k := range sortedKeys(mb) {
		if !ma[k] {
			added = append(added, k)
		}
	}
	for _, k := range sortedKeys(ma) {
		if !mb[k] {
			removed = append(removed, k)
		}
	}
	return added, removed
}
