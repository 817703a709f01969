package vet

import "time"

// Facts is everything fetched about a target. A nil pointer, zero time or
// false *Known flag means the data is not known; Gaps says why, per data
// source ("npm", "github", "osv", "provenance", "tools", …).
type Facts struct {
	Target Target
	// Version is the resolved version (the latest when none was asked).
	Version string
	// Package holds registry metadata (nil for github: targets or when the
	// registry could not be read).
	Package *Package
	// Repo holds the source repository facts (nil when unknown).
	Repo *Repo
	// Deps is the dependency tree (nil when unknown).
	Deps *Deps
	// Vulns lists vulnerabilities of the version itself (nil when unknown).
	Vulns *Vulns
	// Tools is the tool listing (from pins or a live listing); nil when
	// unknown.
	Tools []Tool
	// ToolsKnown is set when Tools came from a listing (even an empty one).
	ToolsKnown bool
	// Gaps gives, per data source, why it is missing.
	Gaps map[string]string
}

// Package is registry metadata of one version and its history.
type Package struct {
	// RepositoryURL is the source repository the metadata claims.
	RepositoryURL string
	// RepositoryDir is the package's directory inside a monorepo.
	RepositoryDir string
	// Publisher is who published this version (npm _npmUser); empty when
	// the registry does not say.
	Publisher string
	// Maintainers of the package; MaintainersKnown is false when the
	// registry does not list them.
	Maintainers      []string
	MaintainersKnown bool
	// Published is when this version was published; LastPublished when the
	// newest version was.
	Published, LastPublished time.Time
	// Deprecated is the deprecation message; DeprecatedKnown is set when
	// the metadata was complete enough to say "not deprecated".
	Deprecated      string
	DeprecatedKnown bool
	License         string
	// Readme is the README length in bytes; ReadmeKnown when measured.
	Readme      int
	ReadmeKnown bool
	// InstallScripts maps preinstall/install/postinstall to their command;
	// InstallKnown when the metadata included scripts.
	InstallScripts map[string]string
	InstallKnown   bool
	// Provenance lists provenance attestations; ProvenanceKnown is set when
	// the registry was asked (an empty list then means none).
	Provenance      []Provenance
	ProvenanceKnown bool
	// History is every earlier version, oldest first, for maintainer and
	// publisher changes.
	History []Release
	// Dependencies are the direct dependencies (name → range).
	Dependencies map[string]string
	// Bin maps command names to files.
	Bin map[string]string
	// FileCount and UnpackedSize come from dist metadata (0 unknown).
	FileCount    int
	UnpackedSize int64
	// Files is the tarball file list (nil when not read).
	Files []string
	// SourceOnly is set for a PyPI release with no wheel: installing it
	// runs setup.py.
	SourceOnly bool
}

// Provenance is one provenance attestation.
type Provenance struct {
	PredicateType string
	Repository    string
	Workflow      string
}

// Release is one published version.
type Release struct {
	Version     string
	Published   time.Time
	Publisher   string
	Maintainers []string
}

// Repo is what the source repository shows.
type Repo struct {
	FullName string
	Fork     bool
	Parent   string
	Archived bool
	// LastCommit is the newest commit on the default branch (in the
	// package's directory when known).
	LastCommit time.Time
	// Issues is nil when issues could not be read.
	Issues *Issues
	// CI is nil when workflow runs could not be read.
	CI *CI
	// TestFiles is the number of test files; TestsKnown when the tree was
	// read.
	TestFiles  int
	TestsKnown bool
	// Readme is the README size in the repository (0 none) when
	// ReadmeKnown.
	Readme      int
	ReadmeKnown bool
	License     string
}

// Issues summarises open issues (pull requests excluded).
type Issues struct {
	Open int
	// Sampled is how many were read (the oldest first); MedianAge is over
	// them.
	Sampled   int
	MedianAge time.Duration
	// Answered is how many sampled issues have a maintainer (owner, member
	// or collaborator) comment among the recent comments read.
	Answered int
}

// CI summarises workflow runs on the default branch.
type CI struct {
	Workflows int
	// Failing names workflows whose latest completed run did not succeed.
	Failing []string
}

// Deps is the resolved dependency tree of a version.
type Deps struct {
	Direct     int
	Transitive int
	// Complete is false when the walk stopped at its cap or a dependency
	// could not be read.
	Complete bool
	// InstallScripts lists dependencies ("name@version") with install
	// scripts.
	InstallScripts []string
	// Deprecated lists deprecated dependencies.
	Deprecated []string
	// VulnsKnown is set when OSV answered for the resolved dependencies.
	VulnsKnown bool
	// Vulnerable lists vulnerable dependencies as "name@version: ID".
	Vulnerable []string
	// Severe is how many dependency vulnerabilities are high or critical.
	Severe int
}

// Vulns are vulnerabilities of the version itself.
type Vulns struct {
	IDs []string
	// Severe lists IDs rated high or critical, or unrated (an unrated
	// record is treated as severe: fail closed), and every malicious-package
	// record (MAL-…).
	Severe []string
}

// Tool is one tool definition.
type Tool struct {
	Name        string
	Description string
	// Annotations are the MCP tool annotations that are set true
	// (readOnlyHint, destructiveHint, openWorldHint, idempotentHint).
	Annotations map[string]bool
}

// gap records why a data source is missing.
func (f *Facts) gap(source string) string {
	if r, ok := f.Gaps[source]; ok && r != "" {
		return r
	}
	return "no data"
}
