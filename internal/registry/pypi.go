package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// PyPIProject is the PyPI JSON API document (/pypi/{name}/json or
// /pypi/{name}/{version}/json).
type PyPIProject struct {
	Info struct {
		Name         string         `json:"name"`
		Version      string         `json:"version"`
		Summary      jsontext.Value `json:"summary"`
		Description  jsontext.Value `json:"description"`
		Author       jsontext.Value `json:"author"`
		AuthorEmail  jsontext.Value `json:"author_email"`
		Maintainer   jsontext.Value `json:"maintainer"`
		License      jsontext.Value `json:"license"`
		LicenseExpr  jsontext.Value `json:"license_expression"`
		HomePage     jsontext.Value `json:"home_page"`
		ProjectURLs  jsontext.Value `json:"project_urls"`
		RequiresDist []string       `json:"requires_dist"`
		Classifiers  []string       `json:"classifiers"`
		Yanked       bool           `json:"yanked"`
		YankedReason jsontext.Value `json:"yanked_reason"`
	} `json:"info"`
	Releases map[string][]PyPIFile `json:"releases"`
	URLs     []PyPIFile            `json:"urls"`
	Vulns    []struct {
		ID      string   `json:"id"`
		Aliases []string `json:"aliases"`
	} `json:"vulnerabilities"`
}

// PyPIFile is one distribution file.
type PyPIFile struct {
	Filename    string `json:"filename"`
	PackageType string `json:"packagetype"`
	UploadTime  string `json:"upload_time_iso_8601"`
	Yanked      bool   `json:"yanked"`
	Size        int64  `json:"size"`
}

// DecodePyPI parses a PyPI JSON API document.
func DecodePyPI(b []byte) (*PyPIProject, error) {
	var p PyPIProject
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode pypi project: %w", err)
	}
	return &p, nil
}

// PyPI fetches a project, or one version of it when version is set.
func (c *Client) PyPI(ctx context.Context, name, version string) (*PyPIProject, error) {
	u := c.o.PyPI + "/pypi/" + url.PathEscape(name)
	if version != "" {
		u += "/" + url.PathEscape(version)
	}
	b, err := c.fetch(ctx, request{service: "pypi", method: http.MethodGet, url: u + "/json"})
	if err != nil {
		return nil, err
	}
	return DecodePyPI(b)
}
