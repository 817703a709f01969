package registry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// NPMConfig is the registry selection from .npmrc files and flags.
type NPMConfig struct {
	// Default is the registry for unscoped packages and scopes not in
	// Scopes.
	Default string
	// Scopes maps "@scope" to its registry.
	Scopes map[string]string
}

// For returns the registry base URL for a package name.
func (n NPMConfig) For(name string) string {
	if strings.HasPrefix(name, "@") {
		if scope, _, ok := strings.Cut(name, "/"); ok {
			if r, ok := n.Scopes[strings.ToLower(scope)]; ok && r != "" {
				return strings.TrimRight(r, "/")
			}
		}
	}
	return strings.TrimRight(n.Default, "/")
}

// ParseNPMRC applies the registry settings of one .npmrc file to cfg:
// "registry=URL" and "@scope:registry=URL". Other keys (notably auth
// tokens) are ignored and never read into memory beyond the line scan.
// Values holding ${VAR} references are skipped: moat does not expand
// the environment into URLs.
func ParseNPMRC(cfg *NPMConfig, data []byte) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"'`)
		if strings.Contains(v, "${") || !(strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://")) {
			continue
		}
		switch {
		case k == "registry":
			cfg.Default = v
		case strings.HasPrefix(k, "@") && strings.HasSuffix(k, ":registry"):
			if cfg.Scopes == nil {
				cfg.Scopes = map[string]string{}
			}
			cfg.Scopes[strings.ToLower(strings.TrimSuffix(k, ":registry"))] = v
		}
	}
}

// Packument is the npm registry's document for one package. Fields that
// registries and mirrors spell in more than one way are kept raw and read
// through helper functions.
type Packument struct {
	Name        string                    `json:"name"`
	DistTags    map[string]string         `json:"dist-tags"`
	Versions    map[string]NPMVersion     `json:"versions"`
	Time        map[string]jsontext.Value `json:"time"`
	Maintainers jsontext.Value            `json:"maintainers"`
	Readme      jsontext.Value            `json:"readme"`
	Repository  jsontext.Value            `json:"repository"`
	License     jsontext.Value            `json:"license"`
}

// NPMVersion is one version in a packument.
type NPMVersion struct {
	Name                 string         `json:"name"`
	Version              string         `json:"version"`
	Deprecated           jsontext.Value `json:"deprecated"`
	Repository           jsontext.Value `json:"repository"`
	License              jsontext.Value `json:"license"`
	Dependencies         jsontext.Value `json:"dependencies"`
	OptionalDependencies jsontext.Value `json:"optionalDependencies"`
	Scripts              jsontext.Value `json:"scripts"`
	HasInstallScript     jsontext.Value `json:"hasInstallScript"`
	NPMUser              jsontext.Value `json:"_npmUser"`
	Maintainers          jsontext.Value `json:"maintainers"`
	Bin                  jsontext.Value `json:"bin"`
	Dist                 NPMDist        `json:"dist"`
}

// NPMDist is a version's "dist" object.
type NPMDist struct {
	Tarball      string         `json:"tarball"`
	Integrity    string         `json:"integrity"`
	FileCount    jsontext.Value `json:"fileCount"`
	UnpackedSize jsontext.Value `json:"unpackedSize"`
	Attestations jsontext.Value `json:"attestations"`
	Signatures   jsontext.Value `json:"signatures"`
}

// DecodePackument parses a packument. Keys are case-sensitive and a
// duplicate key is an error.
func DecodePackument(b []byte) (*Packument, error) {
	var p Packument
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode npm packument: %w", err)
	}
	return &p, nil
}

// Packument fetches the full packument of an npm package.
func (c *Client) Packument(ctx context.Context, name string) (*Packument, error) {
	return c.packument(ctx, name, "application/json")
}

// AbbreviatedPackument fetches the install metadata of a package (npm's
// "corgi" document: versions with dependencies, deprecated, bin and
// hasInstallScript, much smaller than the full packument). A registry
// that does not support it answers with the full document, which decodes
// the same way.
func (c *Client) AbbreviatedPackument(ctx context.Context, name string) (*Packument, error) {
	return c.packument(ctx, name, "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8")
}

func (c *Client) packument(ctx context.Context, name, accept string) (*Packument, error) {
	u := c.o.NPM.For(name) + "/" + escapeNPM(name)
	b, err := c.fetch(ctx, request{service: "npm", method: http.MethodGet, url: u,
		header: http.Header{"Accept": {accept}}})
	if err != nil {
		return nil, err
	}
	return DecodePackument(b)
}

// escapeNPM escapes a package name for a registry path: "@scope/name"
// becomes "@scope%2Fname".
func escapeNPM(name string) string {
	if scope, rest, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(name, "@") {
		return "@" + url.PathEscape(scope[1:]) + "%2F" + url.PathEscape(rest)
	}
	return url.PathEscape(name)
}

// Attestation is what moat reads from an npm provenance attestation: the
// source repository and workflow the SLSA provenance statement names.
// moat does not verify the Sigstore signature (npm verifies it at publish
// time; `npm audit signatures` verifies it locally).
type Attestation struct {
	PredicateType string
	Repository    string // https://github.com/owner/repo
	Workflow      string // .github/workflows/release.yml
	Ref           string
}

// Attestations fetches and decodes the provenance attestations of one
// version ("/-/npm/v1/attestations/name@version").
func (c *Client) Attestations(ctx context.Context, name, version string) ([]Attestation, error) {
	u := c.o.NPM.For(name) + "/-/npm/v1/attestations/" + escapeNPM(name) + "@" + url.PathEscape(version)
	b, err := c.fetch(ctx, request{service: "npm", method: http.MethodGet, url: u})
	if err != nil {
		return nil, err
	}
	return DecodeAttestations(b)
}

// DecodeAttestations parses an attestations document and the in-toto
// statements inside its DSSE envelopes.
func DecodeAttestations(b []byte) ([]Attestation, error) {
	var doc struct {
		Attestations []struct {
			PredicateType string `json:"predicateType"`
			Bundle        struct {
				DSSE struct {
					Payload string `json:"payload"`
				} `json:"dsseEnvelope"`
			} `json:"bundle"`
		} `json:"attestations"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("decode npm attestations: %w", err)
	}
	var out []Attestation
	for _, a := range doc.Attestations {
		at := Attestation{PredicateType: a.PredicateType}
		if raw, err := base64.StdEncoding.DecodeString(a.Bundle.DSSE.Payload); err == nil {
			var st struct {
				Predicate struct {
					BuildDefinition struct {
						ExternalParameters struct {
							Workflow struct {
								Repository string `json:"repository"`
								Path       string `json:"path"`
								Ref        string `json:"ref"`
							} `json:"workflow"`
						} `json:"externalParameters"`
					} `json:"buildDefinition"`
				} `json:"predicate"`
			}
			if json.Unmarshal(raw, &st) == nil {
				w := st.Predicate.BuildDefinition.ExternalParameters.Workflow
				at.Repository, at.Workflow, at.Ref = w.Repository, w.Path, w.Ref
			}
		}
		out = append(out, at)
	}
	return out, nil
}

// Str reads a JSON string value; ok is false for anything else.
func Str(v jsontext.Value) (string, bool) {
	var s string
	if len(v) == 0 || json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// StrMap reads a JSON object of strings, skipping non-string members.
func StrMap(v jsontext.Value) map[string]string {
	var m map[string]jsontext.Value
	if len(v) == 0 || json.Unmarshal(v, &m) != nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		if s, ok := Str(x); ok {
			out[k] = s
		}
	}
	return out
}

// Field reads a string, or the named member of an object ("repository":
// "x" or {"url": "x"}; "license": "MIT" or {"type": "MIT"}).
func Field(v jsontext.Value, member string) (string, bool) {
	if s, ok := Str(v); ok {
		return s, true
	}
	m := StrMap(v)
	s, ok := m[member]
	return s, ok
}

// People reads a maintainers list or a single person: objects with a
// "name", or "name <email>" strings. ok is false when the value is absent
// or not a person list.
func People(v jsontext.Value) ([]string, bool) {
	if len(v) == 0 || v.Kind() == 'n' {
		return nil, false
	}
	var list []jsontext.Value
	if v.Kind() == '[' {
		if json.Unmarshal(v, &list) != nil {
			return nil, false
		}
	} else {
		list = []jsontext.Value{v}
	}
	var out []string
	for _, p := range list {
		name, ok := Field(p, "name")
		if !ok {
			continue
		}
		if i := strings.IndexAny(name, "<("); i > 0 {
			name = name[:i]
		}
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, name)
		}
	}
	return out, true
}
