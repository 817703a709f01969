package vet

import (
	"fmt"
	"strings"
)

func issuesSignal(f *Facts) Signal {
	s := row("Open issues", "Actively triaged", "Hundreds ignored")
	if f.Repo == nil || f.Repo.Issues == nil {
		return s.set(Unknown, "", "issues not read: "+f.gap("issues"))
	}
	is := f.Repo.Issues
	if is.Open == 0 {
		return s.set(Green, "0 open", "no open issues")
	}
	if is.Sampled == 0 {
		return s.set(Unknown, fmt.Sprintf("%d open", is.Open), "no issue could be sampled")
	}
	share := float64(is.Answered) / float64(is.Sampled)
	v := fmt.Sprintf("%d open, median age %s, %.0f%% answered by maintainers (%d sampled)", is.Open, days(is.MedianAge), share*100, is.Sampled)
	switch {
	case share < AnsweredRed && (is.Open >= IssuesIgnoredMin || is.MedianAge > StaleAge):
		return s.set(Red, v, "many old issues without a maintainer answer")
	case share >= AnsweredGreen || is.MedianAge <= FreshAge:
		return s.set(Green, v, "issues are answered or recent")
	}
	return s.set(Unknown, v, "neither actively triaged nor ignored")
}

func ciSignal(f *Facts) Signal {
	s := row("CI", "CI pipeline visible and passing", "No CI, or failing")
	if f.Repo == nil || f.Repo.CI == nil {
		return s.set(Unknown, "", "workflow runs not read: "+f.gap("ci"))
	}
	ci := f.Repo.CI
	switch {
	case ci.Workflows == 0:
		return s.set(Red, "none", "no CI runs on the default branch")
	case len(ci.Failing) > 0:
		return s.set(Red, fmt.Sprintf("%d workflows, failing: %s", ci.Workflows, strings.Join(ci.Failing, ", ")), "the latest run of a workflow on the default branch failed")
	}
	return s.set(Green, fmt.Sprintf("%d workflows passing", ci.Workflows), "latest runs on the default branch succeeded")
}

func testsSignal(f *Facts) Signal {
	s := row("Tests", "Test files present", "No tests")
	if f.Repo == nil || !f.Repo.TestsKnown {
		return s.set(Unknown, "", "source tree not read: "+f.gap("tree"))
	}
	if f.Repo.TestFiles == 0 {
		return s.set(Red, "0 test files", "no test files in the source")
	}
	return s.set(Green, fmt.Sprintf("%d test files", f.Repo.TestFiles), "tests are present")
}

func readmeSignal(f *Facts) Signal {
	s := row("Documentation", "README substantial", "Sparse or missing")
	n, known := 0, false
	if f.Package != nil && f.Package.ReadmeKnown {
		n, known = f.Package.Readme, true
	}
	if f.Repo != nil && f.Repo.ReadmeKnown {
		n, known = max(n, f.Repo.Readme), true
	}
	if !known {
		return s.set(Unknown, "", "README not read: "+f.gap("readme"))
	}
	v := fmt.Sprintf("README %d bytes", n)
	switch {
	case n >= ReadmeSubstantial:
		return s.set(Green, v, "substantial README")
	case n < ReadmeSparse:
		return s.set(Red, v, "README sparse or missing")
	}
	return s.set(Unknown, v, "short README")
}

func toolDocsSignal(f *Facts) Signal {
	s := row("Tool descriptions", "Clear tool descriptions", "Sparse or missing")
	if !f.ToolsKnown {
		return s.set(Unknown, "", "no tool listing: "+f.gap("tools"))
	}
	var thin []string
	for _, t := range f.Tools {
		if len(strings.TrimSpace(t.Description)) < ToolDescriptionMin {
			thin = append(thin, t.Name)
		}
	}
	if len(thin) > 0 {
		return s.set(Red, fmt.Sprintf("%d of %d tools without a real description", len(thin), len(f.Tools)), "undescribed: "+clip(strings.Join(thin, ", "), 120))
	}
	return s.set(Green, fmt.Sprintf("%d tools described", len(f.Tools)), "every tool has a description")
}

func depsSignal(f *Facts) Signal {
	s := row("Dependencies", "Minimal, audited", "Dozens of transitive deps")
	d := f.Deps
	if d == nil {
		return s.set(Unknown, "", "dependency tree not resolved: "+f.gap("deps"))
	}
	v := fmt.Sprintf("%d direct, %d transitive", d.Direct, d.Transitive)
	if !d.Complete {
		v = fmt.Sprintf("%d direct, ≥%d transitive", d.Direct, d.Transitive)
	}
	if len(d.Deprecated) > 0 {
		v += "; deprecated: " + clip(strings.Join(d.Deprecated, ", "), 120)
	}
	switch {
	case d.Transitive >= DepsRedMin:
		return s.set(Red, v, fmt.Sprintf("at least %d packages in the tree", DepsRedMin))
	case len(d.Deprecated) > 0:
		return s.set(Red, v, "depends on deprecated packages")
	case !d.Complete:
		return s.set(Unknown, v, "the tree could not be resolved completely")
	case d.Transitive <= DepsGreenMax:
		return s.set(Green, v, "a small tree")
	}
	return s.set(Unknown, v, "a mid-sized tree: neither flag")
}

func installSignal(f *Facts, o origin) Signal {
	s := row("Install scripts", "None", "Runs code at install")
	p := f.Package
	if p == nil || (!p.InstallKnown && !p.SourceOnly) {
		return s.set(Unknown, "", "scripts not known: "+f.gap("registry"))
	}
	var own []string
	for _, k := range sortedKeys(p.InstallScripts) {
		own = append(own, k+": "+clip(p.InstallScripts[k], 80))
	}
	if p.SourceOnly {
		own = append(own, "source distribution only (setup.py runs at install)")
	}
	if len(own) > 0 {
		s = s.set(Red, strings.Join(own, "; "), "the package runs code when it is installed")
		if !o.official {
			s.Critical = true
			s.Reason = "install scripts from an unknown publisher"
		}
		return s
	}
	if f.Deps == nil {
		return s.set(Unknown, "none in the package", "dependencies not checked: "+f.gap("deps"))
	}
	if len(f.Deps.InstallScripts) > 0 {
		return s.set(Red, "dependencies: "+clip(strings.Join(f.Deps.InstallScripts, ", "), 160), "dependencies run code when installed")
	}
	if !f.Deps.Complete {
		return s.set(Unknown, "none in the package", "dependencies not fully checked: "+f.gap("deps"))
	}
	return s.set(Green, "none", "no install scripts in the package or its dependencies")
}

func vulnSignal(f *Facts) Signal {
	s := row("Vulnerabilities", "No known vulnerabilities", "Known vulnerabilities (OSV)")
	if f.Vulns == nil {
		return s.set(Unknown, "", "OSV not queried: "+f.gap("osv"))
	}
	if len(f.Vulns.Severe) > 0 {
		s = s.set(Red, strings.Join(f.Vulns.Severe, ", "), "known high or critical vulnerability (or malicious-package report) in this version")
		s.Critical = true
		return s
	}
	if len(f.Vulns.IDs) > 0 {
		return s.set(Red, strings.Join(f.Vulns.IDs, ", "), "known vulnerabilities in this version")
	}
	if f.Deps == nil {
		return s.set(Unknown, "none in the version", "dependencies not checked: "+f.gap("deps"))
	}
	if !f.Deps.VulnsKnown {
		return s.set(Unknown, "none in the version", "dependencies not checked: "+f.gap("osv-deps"))
	}
	if len(f.Deps.Vulnerable) > 0 {
		return s.set(Red, clip(strings.Join(f.Deps.Vulnerable, ", "), 200), fmt.Sprintf("vulnerable dependencies (%d high or critical)", f.Deps.Severe))
	}
	if !f.Deps.Complete {
		return s.set(Unknown, "none found", "the dependency tree was not resolved completely")
	}
	return s.set(Green, "none", "no known vulnerability in the version or its dependencies")
}

// touch words per kind of resource, matched against tool names,
// descriptions and annotations.
var touchWords = map[string][]string{
	"filesystem":  {"file", "directory", "folder", "path", "read_file", "write_file", "filesystem"},
	"shell":       {"shell", "command", "exec", "execute", "terminal", "bash", "process", "run_"},
	"network":     {"http", "url", "fetch", "request", "download", "web", "browse", "api"},
	"credentials": {"token", "secret", "password", "credential", "api key", "apikey", "oauth", "cookie"},
}

// Touches names the kinds of resource the tools touch, sorted.
func Touches(tools []Tool) []string {
	var out []string
	for _, kind := range sortedKeys(touchWords) {
		for _, t := range tools {
			text := strings.ToLower(t.Name + " " + t.Description)
			hit := kind == "network" && t.Annotations["openWorldHint"]
			for _, w := range touchWords[kind] {
				hit = hit || strings.Contains(text, w)
			}
			if hit {
				out = append(out, kind)
				break
			}
		}
	}
	return out
}

func scopeSignal(f *Facts) Signal {
	s := row("Scope", "Narrowly focused", "\"Does everything\"")
	if !f.ToolsKnown {
		return s.set(Unknown, "", "no tool listing: "+f.gap("tools"))
	}
	kinds := Touches(f.Tools)
	v := fmt.Sprintf("%d tools", len(f.Tools))
	if len(kinds) > 0 {
		v += "; touches " + strings.Join(kinds, ", ")
	}
	switch {
	case len(f.Tools) >= ScopeWideTools || len(kinds) >= ScopeWideKinds:
		return s.set(Red, v, "many tools or many kinds of resource")
	case len(f.Tools) <= ScopeNarrowTools && len(kinds) <= 1:
		return s.set(Green, v, "narrowly focused")
	}
	return s.set(Unknown, v, "neither narrow nor sprawling")
}

func maintainersSignal(f *Facts) Signal {
	s := row("Maintainers", "Stable maintainers and publisher", "Maintainer or publisher change before this version")
	p := f.Package
	if p == nil {
		return s.set(Unknown, "", "registry metadata: "+f.gap("registry"))
	}
	ch := MaintainerChange(p.History, f.Version)
	v := ""
	if p.MaintainersKnown {
		v = fmt.Sprintf("maintainers: %d", len(p.Maintainers))
	}
	switch {
	case ch.NewPublisher != "" || ch.Takeover:
		s = s.set(Red, strings.TrimPrefix(v+"; "+ch.String(), "; "), "maintainer change right before this version")
		s.Critical = true
		return s
	case len(ch.Added)+len(ch.Removed) > 0:
		return s.set(Red, strings.TrimPrefix(v+"; "+ch.String(), "; "), "maintainers changed since the previous version")
	case !ch.Known:
		return s.set(Unknown, v, "the registry does not say who published each version")
	case !p.MaintainersKnown:
		return s.set(Unknown, "", "the registry does not list maintainers")
	}
	return s.set(Green, v, "no change of maintainers or publisher before this version")
}

func licenseSignal(f *Facts) Signal {
	s := row("License", "An open source licence", "None")
	lic, known := "", false
	if f.Package != nil {
		lic, known = f.Package.License, true
	}
	if lic == "" && f.Repo != nil {
		lic, known = f.Repo.License, true
	}
	switch {
	case !known:
		return s.set(Unknown, "", "licence not known: "+f.gap("registry"))
	case lic == "" || strings.EqualFold(lic, "UNLICENSED") || lic == "NOASSERTION":
		return s.set(Red, orNone(lic), "no licence: you may not be allowed to use it")
	case strings.HasPrefix(strings.ToUpper(lic), "SEE LICENSE"):
		return s.set(Unknown, lic, "a custom licence file: read it")
	}
	return s.set(Green, lic, "licensed")
}
