package vet

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/moat-dev/moat/internal/typosquat"
)

// Status is a signal's colour. Unknown is never green.
type Status string

// Statuses.
const (
	Green   Status = "green"
	Red     Status = "red"
	Unknown Status = "unknown"
)

// Signal is one answered checklist row.
type Signal struct {
	Signal string `json:"signal"`
	Status Status `json:"status"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
	// Critical marks a red that makes the verdict avoid.
	Critical bool `json:"critical"`
	// GreenFlag and RedFlag are the checklist's columns.
	GreenFlag string `json:"-"`
	RedFlag   string `json:"-"`
}

// Thresholds. Each is a judgement; the comment says why.
const (
	// FreshAge: the checklist's green flag for the last commit ("within 3
	// months").
	FreshAge = 90 * 24 * time.Hour
	// StaleAge: the checklist's red flag ("over 1 year"); "unmaintained
	// servers rot".
	StaleAge = 365 * 24 * time.Hour
	// IssuesIgnoredMin: "hundreds ignored" — a hundred open issues with few
	// maintainer answers is a project nobody triages.
	IssuesIgnoredMin = 100
	// AnsweredGreen: at least half of the sampled open issues carry a
	// maintainer comment = actively triaged.
	AnsweredGreen = 0.5
	// AnsweredRed: under a quarter answered = ignored.
	AnsweredRed = 0.25
	// ReadmeSubstantial: a README of 1,000 bytes has room for install,
	// configuration and a tool list; below ReadmeSparse it is a title and
	// a line.
	ReadmeSubstantial = 1000
	ReadmeSparse      = 200
	// ToolDescriptionMin: a description shorter than this cannot say what
	// the tool touches.
	ToolDescriptionMin = 20
	// DepsGreenMax and DepsRedMin bound the transitive dependency count.
	// The MCP TypeScript SDK alone resolves to roughly 90 packages, so a
	// small server on it cannot be under ~100; the red flag ("dozens of
	// transitive deps") is set at 150 so that it marks trees well beyond
	// the SDK baseline, and green at 30 (a server without the SDK or with
	// a trimmed one).
	DepsGreenMax = 30
	DepsRedMin   = 150
	// ScopeNarrowTools and ScopeWideTools bound "narrowly focused" vs
	// "does everything": reference servers expose 1–15 tools; 25+ tools
	// or three or more kinds of resource touched is a kitchen sink.
	ScopeNarrowTools = 12
	ScopeWideTools   = 25
	ScopeWideKinds   = 3
	// MaxUnknownForOK: more unknown signals than this and the verdict is
	// review — too little is known to call the package ok.
	MaxUnknownForOK = 4
)

// Context is what signal evaluation needs besides the facts.
type Context struct {
	Now  time.Time
	List *typosquat.List
}

// Evaluate answers every signal that applies to the target.
func Evaluate(f *Facts, c Context) []Signal {
	src := source(f, c.List)
	var out []Signal
	add := func(s Signal) { out = append(out, s) }
	isRepo := f.Target.Ecosystem == GitHub
	add(src.signal)
	if !isRepo {
		add(typosquatSignal(f, c.List))
	}
	add(repositorySignal(f, src))
	if !isRepo {
		add(provenanceSignal(f))
	}
	add(statusSignal(f, c.List))
	if !isRepo {
		add(ageSignal("Last publish", lastPublish(f), "npm/PyPI/OCI", f.gap("registry"), c.Now))
	}
	lc, lcGap := time.Time{}, f.gap("github")
	if f.Repo != nil {
		lc = f.Repo.LastCommit
	}
	add(ageSignal("Last commit", lc, "", lcGap, c.Now))
	add(issuesSignal(f))
	add(ciSignal(f))
	add(testsSignal(f))
	add(readmeSignal(f))
	add(toolDocsSignal(f))
	if !isRepo {
		add(depsSignal(f))
		if f.Target.Ecosystem != OCI { // an image has no install step
			add(installSignal(f, src))
		}
		add(vulnSignal(f))
	}
	add(scopeSignal(f))
	if !isRepo {
		add(maintainersSignal(f))
	}
	add(licenseSignal(f))
	return out
}

func row(name, green, red string) Signal {
	return Signal{Signal: name, GreenFlag: green, RedFlag: red, Status: Unknown}
}

func (s Signal) set(st Status, value, reason string) Signal {
	s.Status, s.Value, s.Reason = st, value, reason
	return s
}

// origin is who the package comes from.
type origin struct {
	signal   Signal
	official bool   // official MCP or vendor package (or vendor scope)
	repo     string // expected "owner/repo" of an official package
	match    typosquat.Match
	matched  bool
	list     *typosquat.List
}

func source(f *Facts, l *typosquat.List) origin {
	s := row("Source", "Official @modelcontextprotocol/* or vendor package", "Random npm user")
	o := origin{list: l}
	who := "publisher unknown"
	if p := f.Package; p != nil {
		switch {
		case p.Publisher != "":
			who = "published by " + p.Publisher
		case len(p.Maintainers) > 0:
			who = "maintained by " + strings.Join(p.Maintainers, ", ")
		}
	}
	eco, ok := typosquat.Ecosystem(f.Target.Ecosystem), false
	if l == nil {
		o.signal = s.set(Unknown, who, "the official package list is not loaded")
		return o
	}
	if f.Target.Ecosystem == GitHub {
		owner, _, _ := strings.Cut(strings.ToLower(f.Target.Name), "/")
		for _, p := range l.Packages() {
			if k := officialRepo(p); k != "" && strings.HasPrefix(k, owner+"/") {
				o.official = true
				o.signal = s.set(Green, f.Target.Name, "owner "+owner+" publishes "+p.Vendor+"'s official servers")
				return o
			}
		}
		o.signal = s.set(Red, f.Target.Name, "unknown author: not an owner of an official MCP server")
		return o
	}
	o.match, o.matched = l.Check(eco, f.Target.Name)
	if o.matched && o.match.Kind == typosquat.Official {
		o.official, o.repo = true, officialRepo(o.match.Package)
		what := "official package of " + o.match.Package.Vendor
		if o.match.Package.Vendor == "Model Context Protocol" {
			what = "official Model Context Protocol package"
		}
		o.signal = s.set(Green, who, what)
		return o
	}
	if scope, _, has := strings.Cut(strings.ToLower(f.Target.Name), "/"); has && eco == typosquat.NPM && strings.HasPrefix(scope, "@") {
		for _, p := range l.Packages() {
			if p.Ecosystem == typosquat.NPM && strings.HasPrefix(strings.ToLower(p.Name), scope+"/") {
				o.official, ok = true, true
				o.signal = s.set(Green, who, "published in "+p.Vendor+"'s npm scope "+scope)
				break
			}
		}
	}
	if !ok {
		o.signal = s.set(Red, who, "unknown author: a community package nobody vetted")
	}
	return o
}

// officialRepo is "owner/repo" from a listed package's source
// ("github.com/modelcontextprotocol/servers src/fetch").
func officialRepo(p typosquat.Package) string {
	first, _, _ := strings.Cut(p.Source, " ")
	first = strings.TrimSuffix(first, ";")
	if !strings.HasPrefix(first, "github.com/") {
		return ""
	}
	return repoKey("https://" + first)
}

// claimsOfficialRepo reports whether repo ("owner/repo") is the source of
// a listed npm or PyPI package, and which.
func claimsOfficialRepo(l *typosquat.List, repo string) (string, bool) {
	for _, p := range l.Packages() {
		if p.Ecosystem != typosquat.OCI && officialRepo(p) == repo {
			return p.Name, true
		}
	}
	return "", false
}

func typosquatSignal(f *Facts, l *typosquat.List) Signal {
	s := row("Typosquat", "Not similar to an official package", "Imitates an official package")
	if l == nil {
		return s.set(Unknown, "", "the official package list is not loaded")
	}
	m, ok := l.Check(typosquat.Ecosystem(f.Target.Ecosystem), f.Target.Name)
	switch {
	case !ok:
		return s.set(Green, "no similar official name", "compared with the official package list")
	case m.Kind == typosquat.Official:
		return s.set(Green, "is the official package", "exact name of "+m.Package.Name)
	}
	s = s.set(Red, fmt.Sprintf("%s of %s", m.Kind, m.Package.Name), "the name imitates the official package "+m.Package.Name)
	s.Critical = true
	return s
}

func repositorySignal(f *Facts, o origin) Signal {
	s := row("Repository", "Official repository, not a fork", "Fork, mismatch or no repository")
	claimed := ""
	if f.Target.Ecosystem == GitHub {
		claimed = strings.ToLower(f.Target.Name)
	} else if f.Package != nil {
		if f.Package.RepositoryURL == "" {
			return s.set(Red, "none", "the package metadata names no source repository")
		}
		claimed = repoKey(f.Package.RepositoryURL)
		if claimed == "" {
			return s.set(Unknown, f.Package.RepositoryURL, "not a GitHub repository: moat cannot check it")
		}
	} else {
		return s.set(Unknown, "", "registry metadata: "+f.gap("registry"))
	}
	if o.repo != "" && claimed != o.repo {
		return s.set(Red, claimed, "the official package's source is "+o.repo+", but its metadata points at "+claimed)
	}
	if o.repo == "" && !o.official && o.list != nil && f.Target.Ecosystem != GitHub {
		if p, ok := claimsOfficialRepo(o.list, claimed); ok {
			return s.set(Red, claimed, "claims "+claimed+", the source of official packages such as "+p+", but is not an official package")
		}
	}
	if f.Repo == nil {
		if o.repo != "" {
			return s.set(Green, claimed, "the official repository (fork status not checked: "+f.gap("github")+")")
		}
		return s.set(Unknown, claimed, "repository not checked: "+f.gap("github"))
	}
	if f.Repo.Fork {
		parent := f.Repo.Parent
		if parent == "" {
			parent = "another repository"
		}
		return s.set(Red, claimed, "a fork of "+parent)
	}
	if o.repo != "" {
		return s.set(Green, claimed, "the official repository")
	}
	return s.set(Green, claimed, "exists and is not a fork")
}

func provenanceSignal(f *Facts) Signal {
	s := row("Provenance", "Attestation from the claimed repository", "None, or built elsewhere")
	if f.Target.Ecosystem != NPM {
		return s.set(Unknown, "", "provenance is checked for npm packages only")
	}
	if f.Package == nil || !f.Package.ProvenanceKnown {
		return s.set(Unknown, "", "attestations: "+f.gap("provenance"))
	}
	if len(f.Package.Provenance) == 0 {
		return s.set(Red, "none", "no provenance attestation: nothing ties the tarball to a source repository")
	}
	claimed := repoKey(f.Package.RepositoryURL)
	for _, p := range f.Package.Provenance {
		built := repoKey(p.Repository)
		switch {
		case built == "":
			continue
		case built == claimed:
			return s.set(Green, "built from "+built, "provenance names the repository the metadata claims (signature not verified by moat)")
		default:
			return s.set(Red, "built from "+built, "provenance names "+built+" but the metadata claims "+orNone(claimed))
		}
	}
	return s.set(Unknown, fmt.Sprintf("%d attestation(s)", len(f.Package.Provenance)), "no attestation names a source repository")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func statusSignal(f *Facts, l *typosquat.List) Signal {
	s := row("Status", "Maintained", "Archived or deprecated")
	crit := func(v, r string) Signal {
		s = s.set(Red, v, r)
		s.Critical = true
		return s
	}
	if l != nil && f.Target.Ecosystem != GitHub {
		if p, ok := l.Lookup(typosquat.Ecosystem(f.Target.Ecosystem), f.Target.Name); ok && p.Archived() {
			r := "archived upstream and no longer maintained"
			if p.Replacement != "" {
				r += "; use " + p.Replacement
			}
			return crit("archived", r)
		}
	}
	if f.Package != nil && f.Package.Deprecated != "" {
		return crit("deprecated", "deprecated: "+clip(f.Package.Deprecated, 160))
	}
	if f.Repo != nil && f.Repo.Archived {
		return crit("archived", "the repository "+f.Repo.FullName+" is archived")
	}
	pkgOK := f.Target.Ecosystem == GitHub || (f.Package != nil && f.Package.DeprecatedKnown)
	switch {
	case pkgOK && f.Repo != nil:
		return s.set(Green, "active", "not deprecated, repository not archived")
	case !pkgOK:
		return s.set(Unknown, "", "deprecation not known: "+f.gap("registry"))
	}
	return s.set(Unknown, "not deprecated", "repository archive state not known: "+f.gap("github"))
}

func lastPublish(f *Facts) time.Time {
	if f.Package == nil {
		return time.Time{}
	}
	if !f.Package.LastPublished.IsZero() {
		return f.Package.LastPublished
	}
	return f.Package.Published
}

func ageSignal(name string, t time.Time, _ string, gap string, now time.Time) Signal {
	s := row(name, "Within 3 months", "Over 1 year")
	if t.IsZero() {
		return s.set(Unknown, "", "date not known: "+gap)
	}
	age := now.Sub(t)
	v := t.UTC().Format("2006-01-02") + " (" + days(age) + " ago)"
	switch {
	case age <= FreshAge:
		return s.set(Green, v, "within 3 months")
	case age > StaleAge:
		return s.set(Red, v, "over a year: unmaintained servers rot")
	}
	return s.set(Unknown, v, "between 3 months and a year: neither flag")
}

func days(d time.Duration) string {
	if d < 0 {
		return "in the future"
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
