package gather

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/moat-dev/moat/internal/registry"
	"github.com/moat-dev/moat/internal/vet"
)

type dep struct{ name, rng string }

// walk resolves the npm dependency tree breadth first: each range to the
// highest matching version in the registry, at most MaxDeps packages.
func (g *Gatherer) walk(ctx context.Context, f *vet.Facts, direct map[string]string) *vet.Deps {
	d := &vet.Deps{Direct: len(direct), Complete: true}
	resolved := map[string]bool{}
	cache := map[string]*registry.Packument{}
	var queries []registry.OSVQuery
	queue := deps(direct)
	for len(queue) > 0 && d.Complete {
		g.prefetch(ctx, f, d, cache, queue)
		var next []dep
		for _, n := range queue {
			if spec, ok := strings.CutPrefix(n.rng, "npm:"); ok { // an alias: "npm:other@range"
				if i := strings.LastIndex(spec, "@"); i > 0 {
					next = append(next, dep{spec[:i], spec[i+1:]})
				} else {
					next = append(next, dep{spec, "*"})
				}
				continue
			}
			pk := cache[n.name]
			if pk == nil {
				d.Complete = false
				continue
			}
			ver, ok := maxSatisfying(versionsOf(pk), n.rng)
			if !ok {
				d.Complete = false
				if _, gap := f.Gaps["deps"]; !gap {
					f.Gaps["deps"] = "cannot resolve " + n.name + "@" + n.rng
				}
				continue
			}
			key := n.name + "@" + ver
			if resolved[key] {
				continue
			}
			if len(resolved) >= g.o.MaxDeps {
				d.Complete = false
				f.Gaps["deps"] = "stopped at the dependency cap"
				break
			}
			resolved[key] = true
			v := pk.Versions[ver]
			if msg, ok := registry.Str(v.Deprecated); ok && msg != "" {
				d.Deprecated = append(d.Deprecated, key)
			}
			if s, _ := installScripts(v); len(s) > 0 {
				d.InstallScripts = append(d.InstallScripts, key)
			}
			queries = append(queries, registry.OSVQuery{Ecosystem: "npm", Name: n.name, Version: ver})
			next = append(next, deps(registry.StrMap(v.Dependencies))...)
		}
		queue = next
	}
	d.Transitive = len(resolved)
	sort.Strings(d.Deprecated)
	sort.Strings(d.InstallScripts)
	g.depVulns(ctx, f, d, queries)
	return d
}

func deps(m map[string]string) []dep {
	out := make([]dep, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, dep{k, m[k]})
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func versionsOf(pk *registry.Packument) []string {
	vs := make([]string, 0, len(pk.Versions))
	for k := range pk.Versions {
		vs = append(vs, k)
	}
	return vs
}

// prefetch fetches the packuments the queue needs, Concurrency at a time.
func (g *Gatherer) prefetch(ctx context.Context, f *vet.Facts, d *vet.Deps, cache map[string]*registry.Packument, queue []dep) {
	var names []string
	seen := map[string]bool{}
	for _, n := range queue {
		if _, ok := cache[n.name]; !ok && !seen[n.name] && !strings.HasPrefix(n.rng, "npm:") {
			seen[n.name] = true
			names = append(names, n.name)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, g.o.Concurrency)
	for _, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			pk, err := g.c.AbbreviatedPackument(ctx, name)
			mu.Lock()
			defer mu.Unlock()
			cache[name] = pk
			if err != nil {
				d.Complete = false
				if _, ok := f.Gaps["deps"]; !ok {
					f.Gaps["deps"] = name + ": " + registry.Reason(err)
				}
			}
		}()
	}
	wg.Wait()
}

// depVulns asks OSV about every resolved dependency.
func (g *Gatherer) depVulns(ctx context.Context, f *vet.Facts, d *vet.Deps, qs []registry.OSVQuery) {
	if len(qs) == 0 {
		d.VulnsKnown = true
		return
	}
	res, err := g.c.OSVBatch(ctx, qs)
	if err != nil {
		gapAll(f, err, "osv-deps")
		return
	}
	d.VulnsKnown = true
	budget := maxVulnDetails
	for i, ids := range res {
		for _, id := range ids {
			d.Vulnerable = append(d.Vulnerable, qs[i].Name+"@"+qs[i].Version+": "+id)
			if g.severe(ctx, id, &budget) {
				d.Severe++
			}
		}
	}
}

// vulns asks OSV about the version itself.
func (g *Gatherer) vulns(ctx context.Context, f *vet.Facts, eco, name, ver string) {
	res, err := g.c.OSVBatch(ctx, []registry.OSVQuery{{Ecosystem: eco, Name: name, Version: ver}})
	if err != nil {
		gapAll(f, err, "osv")
		return
	}
	v := &vet.Vulns{}
	budget := maxVulnDetails
	for _, id := range res[0] {
		v.IDs = append(v.IDs, id)
		if g.severe(ctx, id, &budget) {
			v.Severe = append(v.Severe, id)
		}
	}
	f.Vulns = v
}

// severe reports whether a vulnerability is high or critical. Malicious
// package reports (MAL-) are; a record that cannot be read or carries no
// rating counts as severe (fail closed).
func (g *Gatherer) severe(ctx context.Context, id string, budget *int) bool {
	if strings.HasPrefix(id, "MAL-") {
		return true
	}
	if *budget <= 0 {
		return true
	}
	*budget--
	v, err := g.c.Vuln(ctx, id)
	if err != nil {
		return true
	}
	rating := v.DatabaseSpecific.Severity
	for _, a := range v.Aliases { // PYSEC and OSV records often carry no rating; their GHSA alias does
		if rating != "" || *budget <= 0 {
			break
		}
		if strings.HasPrefix(a, "GHSA-") {
			*budget--
			if av, err := g.c.Vuln(ctx, a); err == nil {
				rating = av.DatabaseSpecific.Severity
			}
		}
	}
	switch strings.ToUpper(rating) {
	case "LOW", "MODERATE", "MEDIUM":
		return false
	}
	return true
}
