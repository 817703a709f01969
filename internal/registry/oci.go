package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-json-experiment/json"
)

// ImageRef is a parsed OCI image reference.
type ImageRef struct {
	Registry   string // host[:port]; "registry-1.docker.io" for Docker Hub
	Repository string // "library/alpine", "github/github-mcp-server"
	Tag        string
	Digest     string
}

// Ref returns the manifest reference: the digest when set, else the tag.
func (r ImageRef) Ref() string {
	if r.Digest != "" {
		return r.Digest
	}
	if r.Tag != "" {
		return r.Tag
	}
	return "latest"
}

// ParseImageRef parses "[registry/]repo[:tag][@digest]" the way docker
// does: the first element is a registry when it has a "." or ":" or is
// "localhost"; Docker Hub names get "library/" when they have no
// namespace.
func ParseImageRef(s string) (ImageRef, error) {
	var r ImageRef
	if s == "" || len(s) > 512 || strings.ContainsAny(s, " \t\r\n\\") {
		return r, fmt.Errorf("image reference %q is not valid", s)
	}
	name := s
	if n, d, ok := strings.Cut(name, "@"); ok {
		if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
			return r, fmt.Errorf("image digest %q: want sha256:<64 hex digits>", d)
		}
		name, r.Digest = n, d
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, r.Tag = name[:i], name[i+1:]
		if r.Tag == "" {
			return r, fmt.Errorf("image reference %q has an empty tag", s)
		}
	}
	first, rest, hasSlash := strings.Cut(name, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.Registry, name = first, rest
	} else {
		r.Registry = "registry-1.docker.io"
		if !hasSlash {
			name = "library/" + name
		}
	}
	if r.Registry == "docker.io" || r.Registry == "index.docker.io" {
		r.Registry = "registry-1.docker.io"
		if !strings.Contains(name, "/") {
			name = "library/" + name
		}
	}
	if name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.Contains(name, "//") {
		return r, fmt.Errorf("image reference %q has an empty name", s)
	}
	r.Repository = strings.ToLower(name)
	return r, nil
}

// Image is what moat reads from an image: its manifest and config.
type Image struct {
	Digest      string
	Layers      int
	Size        int64
	Annotations map[string]string
	Created     string
	Labels      map[string]string
	User        string
}

const manifestAccept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " +
	"application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"

// Manifest is an image manifest or an index.
type Manifest struct {
	MediaType string `json:"mediaType"`
	Config    *struct {
		Digest string `json:"digest"`
	} `json:"config"`
	Layers []struct {
		Size int64 `json:"size"`
	} `json:"layers"`
	Manifests []struct {
		Digest   string `json:"digest"`
		Platform *struct {
			OS           string `json:"os"`
			Architecture string `json:"architecture"`
		} `json:"platform"`
	} `json:"manifests"`
	Annotations map[string]string `json:"annotations"`
}

// DecodeManifest parses a manifest or index.
func DecodeManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode oci manifest: %w", err)
	}
	return &m, nil
}

// ImageConfig is the part of an image config blob moat reads.
type ImageConfig struct {
	Created string `json:"created"`
	Config  struct {
		User   string            `json:"User"`
		Labels map[string]string `json:"Labels"`
	} `json:"config"`
}

// DecodeImageConfig parses an image config blob.
func DecodeImageConfig(b []byte) (*ImageConfig, error) {
	var c ImageConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode oci image config: %w", err)
	}
	return &c, nil
}

// Image fetches an image's manifest (following an index to its
// linux/amd64 entry, else the first) and config.
func (c *Client) Image(ctx context.Context, ref ImageRef) (*Image, error) {
	base := c.o.OCI
	if base == "" {
		base = "https://" + ref.Registry
	}
	base = strings.TrimRight(base, "/") + "/v2/" + ref.Repository
	tok := ""
	get := func(path, accept string) ([]byte, error) {
		h := http.Header{}
		if accept != "" {
			h.Set("Accept", accept)
		}
		if tok != "" {
			h.Set("Authorization", "Bearer "+tok)
		}
		b, err := c.fetch(ctx, request{service: "oci", method: http.MethodGet, url: base + path, header: h})
		var ae *authError
		if errors.As(err, &ae) && tok == "" {
			if tok, err = c.ociToken(ctx, base, ae.challenge); err != nil {
				return nil, err
			}
			h.Set("Authorization", "Bearer "+tok)
			return c.fetch(ctx, request{service: "oci", method: http.MethodGet, url: base + path, header: h})
		}
		return b, err
	}
	b, err := get("/manifests/"+url.PathEscape(ref.Ref()), manifestAccept)
	if err != nil {
		return nil, err
	}
	m, err := DecodeManifest(b)
	if err != nil {
		return nil, err
	}
	img := &Image{Digest: ref.Digest, Annotations: m.Annotations}
	if len(m.Manifests) > 0 {
		d := pickPlatform(m)
		if b, err = get("/manifests/"+url.PathEscape(d), manifestAccept); err != nil {
			return nil, err
		}
		if m, err = DecodeManifest(b); err != nil {
			return nil, err
		}
		if img.Annotations == nil {
			img.Annotations = m.Annotations
		}
	}
	img.Layers = len(m.Layers)
	for _, l := range m.Layers {
		img.Size += l.Size
	}
	if m.Config == nil || m.Config.Digest == "" {
		return img, nil
	}
	if b, err = get("/blobs/"+url.PathEscape(m.Config.Digest), ""); err != nil {
		return img, err
	}
	cfg, err := DecodeImageConfig(b)
	if err != nil {
		return img, err
	}
	img.Created, img.Labels, img.User = cfg.Created, cfg.Config.Labels, cfg.Config.User
	return img, nil
}

func pickPlatform(m *Manifest) string {
	for _, e := range m.Manifests {
		if e.Platform != nil && e.Platform.OS == "linux" && e.Platform.Architecture == "amd64" {
			return e.Digest
		}
	}
	return m.Manifests[0].Digest
}

// ociToken runs the anonymous token flow of a Bearer challenge:
// GET realm?service=…&scope=… → {"token": …} or {"access_token": …}.
//
// The realm must be https, or http only when the registry itself is
// reached over http (a local mirror or a test server): a registry cannot
// downgrade moat to plaintext for its token.
func (c *Client) ociToken(ctx context.Context, base, challenge string) (string, error) {
	params, ok := parseChallenge(challenge)
	if !ok || params["realm"] == "" {
		return "", fmt.Errorf("oci: registry requires authentication moat cannot perform (%q)", challenge)
	}
	realm, err := url.Parse(params["realm"])
	if err != nil || !(realm.Scheme == "https" || (realm.Scheme == "http" && strings.HasPrefix(base, "http://"))) || realm.Host == "" {
		return "", fmt.Errorf("oci: token realm %q is not an https URL", params["realm"])
	}
	q := realm.Query()
	for _, k := range []string{"service", "scope"} {
		if v := params[k]; v != "" {
			q.Set(k, v)
		}
	}
	realm.RawQuery = q.Encode()
	b, err := c.fetch(ctx, request{service: "oci", method: http.MethodGet, url: realm.String(), noCache: true})
	if err != nil {
		return "", fmt.Errorf("oci token: %w", err)
	}
	return DecodeToken(b)
}

// DecodeToken parses a token endpoint response.
func DecodeToken(b []byte) (string, error) {
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return "", fmt.Errorf("decode oci token: %w", err)
	}
	if t.Token == "" {
		t.Token = t.AccessToken
	}
	if t.Token == "" {
		return "", errors.New("oci token response holds no token")
	}
	return t.Token, nil
}

// parseChallenge parses `Bearer realm="…",service="…",scope="…"`.
func parseChallenge(h string) (map[string]string, bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return nil, false
	}
	out := map[string]string{}
	for rest != "" {
		rest = strings.TrimLeft(rest, " ,")
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		if strings.HasPrefix(v, `"`) {
			end := strings.Index(v[1:], `"`)
			if end < 0 {
				return nil, false
			}
			out[strings.ToLower(strings.TrimSpace(k))] = v[1 : end+1]
			rest = v[end+2:]
		} else {
			val, r, _ := strings.Cut(v, ",")
			out[strings.ToLower(strings.TrimSpace(k))] = val
			rest = r
		}
	}
	return out, true
}
