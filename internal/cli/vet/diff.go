package vet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/registry"
	"github.com/moat-dev/moat/internal/vet"
	"github.com/moat-dev/moat/internal/vet/gather"
)

// runDiff compares two versions of an npm package from its packument.
func runDiff(ctx context.Context, f *cmdutil.Factory, o *options, _ *gather.Gatherer, c *registry.Client, failOn int) error {
	if len(o.args) != 2 {
		return cmdutil.Usagef("--diff takes two arguments: PKG@OLD PKG@NEW")
	}
	var ts [2]vet.Target
	for i, a := range o.args {
		if !strings.Contains(a, ":") {
			a = "npm:" + a
		}
		t, err := vet.ParseTarget(a)
		if err != nil {
			return cmdutil.Usage(err)
		}
		if t.Ecosystem != vet.NPM || t.Version == "" {
			return cmdutil.Usagef("--diff %s: give an npm package with a version (PKG@VERSION)", o.args[i])
		}
		ts[i] = t
	}
	if ts[0].Name != ts[1].Name {
		return cmdutil.Usagef("--diff compares two versions of one package, not %s and %s", ts[0].Name, ts[1].Name)
	}
	pk, err := c.Packument(ctx, ts[0].Name)
	if errors.Is(err, registry.ErrNotFound) {
		return cmdutil.Usagef("npm package %s not found", ts[0].Name)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", ts[0].Name, err)
	}
	var pkgs [2]*vet.Package
	for i, t := range ts {
		if _, ok := pk.Versions[t.Version]; !ok {
			return cmdutil.Usagef("npm package %s has no version %s", t.Name, t.Version)
		}
		pkgs[i] = gather.NPMPackage(pk, t.Version)
	}
	for i, t := range ts {
		files, err := c.TarballFiles(ctx, t.Name, pk.Versions[t.Version].Dist.Tarball)
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "moat: file list of %s@%s not read (%s); comparing metadata only\n", t.Name, t.Version, registry.Reason(err))
			pkgs[0].Files, pkgs[1].Files = nil, nil
			break
		}
		pkgs[i].Files = files
	}
	d := vet.Diff(ts[0].Name, pkgs[0], pkgs[1], ts[0].Version, ts[1].Version)
	if err := writeDiff(f.IO.Out, o.format, d); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	// A risky change is worth a review; --fail-on review or stricter fails.
	if failOn >= 0 && failOn <= vet.Review.Rank() && d.Risky > 0 {
		return cmdutil.ErrFindings
	}
	return nil
}

func writeDiff(w io.Writer, format string, d vet.DiffResult) error {
	if format == "json" {
		if err := json.MarshalWrite(w, d, jsontext.WithIndent("  ")); err != nil {
			return err
		}
		_, err := io.WriteString(w, "\n")
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s → %s: %d changes, %d to review\n", d.Package, d.Old, d.New, len(d.Changes), d.Risky)
	if len(d.Changes) == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\n| Change | Name | Old | New |\n|---|---|---|---|\n")
	for _, c := range d.Changes {
		kind := c.Kind
		if c.Risky {
			kind = "! " + kind
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(kind), cell(c.Name), cell(c.Old), cell(c.New))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
