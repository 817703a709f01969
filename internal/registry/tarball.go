package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Tarball limits. A package tarball is downloaded only to list its files
// (moat vet --diff); nothing is extracted.
const (
	// MaxTarball caps the compressed download (npm packages of MCP servers
	// are well under 1 MiB; 20 MiB leaves room for bundled ones).
	MaxTarball = 20 << 20
	// maxTarFiles and maxTarUnpacked bound what the listing walks.
	maxTarFiles    = 20000
	maxTarUnpacked = 200 << 20
)

// TarballFiles downloads an npm tarball and lists its regular files
// (without the leading "package/"). It only fetches from the registry the
// package came from: a tarball URL on another host is refused, so
// metadata cannot point moat at an arbitrary address.
func (c *Client) TarballFiles(ctx context.Context, pkg, tarball string) ([]string, error) {
	reg, err := url.Parse(c.o.NPM.For(pkg))
	if err != nil {
		return nil, fmt.Errorf("npm registry URL: %w", err)
	}
	u, err := url.Parse(tarball)
	if err != nil || u.Host != reg.Host || (u.Scheme != "https" && u.Scheme != reg.Scheme) {
		return nil, fmt.Errorf("tarball %q is not on the registry %s: not downloaded", tarball, reg.Host)
	}
	b, err := c.fetch(ctx, request{service: "npm", method: http.MethodGet, url: tarball, max: MaxTarball})
	if err != nil {
		return nil, err
	}
	return ListTarball(b)
}

// ListTarball lists the regular files of a gzipped tar, bounded in file
// count and unpacked size.
func ListTarball(b []byte) ([]string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("read tarball: %w", err)
	}
	tr := tar.NewReader(io.LimitReader(zr, maxTarUnpacked))
	var out []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("read tarball: %w", err)
		}
		if len(out) >= maxTarFiles {
			return out, fmt.Errorf("read tarball: more than %d files", maxTarFiles)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := h.Name
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[i+1:] // npm packs everything under one top directory ("package/")
		}
		out = append(out, name)
	}
}
