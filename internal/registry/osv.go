package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/go-json-experiment/json"
)

// OSVQuery is one package version to look up.
type OSVQuery struct {
	Ecosystem string // "npm", "PyPI"
	Name      string
	Version   string
}

// maxOSVBatch is the most queries sent in one querybatch request (the API
// accepts up to 1000).
const maxOSVBatch = 1000

// OSVBatch asks OSV which vulnerabilities affect each query. The result
// has one list of vulnerability IDs per query, in order.
func (c *Client) OSVBatch(ctx context.Context, qs []OSVQuery) ([][]string, error) {
	out := make([][]string, 0, len(qs))
	for start := 0; start < len(qs); start += maxOSVBatch {
		end := min(start+maxOSVBatch, len(qs))
		type pkg struct {
			Name      string `json:"name"`
			Ecosystem string `json:"ecosystem"`
		}
		type query struct {
			Package pkg    `json:"package"`
			Version string `json:"version"`
		}
		var body struct {
			Queries []query `json:"queries"`
		}
		for _, q := range qs[start:end] {
			body.Queries = append(body.Queries, query{pkg{q.Name, q.Ecosystem}, q.Version})
		}
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode osv query: %w", err)
		}
		resp, err := c.fetch(ctx, request{service: "osv", method: http.MethodPost, url: c.o.OSV + "/v1/querybatch",
			body: b, header: http.Header{"Content-Type": {"application/json"}}})
		if err != nil {
			return nil, err
		}
		ids, err := DecodeOSVBatch(resp)
		if err != nil {
			return nil, err
		}
		if len(ids) != end-start {
			return nil, fmt.Errorf("osv querybatch: %d results for %d queries", len(ids), end-start)
		}
		out = append(out, ids...)
	}
	return out, nil
}

// DecodeOSVBatch parses a querybatch response into vulnerability IDs per
// query.
func DecodeOSVBatch(b []byte) ([][]string, error) {
	var doc struct {
		Results []struct {
			Vulns []struct {
				ID string `json:"id"`
			} `json:"vulns"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("decode osv querybatch: %w", err)
	}
	out := make([][]string, len(doc.Results))
	for i, r := range doc.Results {
		for _, v := range r.Vulns {
			if v.ID != "" {
				out[i] = append(out[i], v.ID)
			}
		}
	}
	return out, nil
}

// Vuln is the part of an OSV record moat reads.
type Vuln struct {
	ID      string   `json:"id"`
	Summary string   `json:"summary"`
	Aliases []string `json:"aliases"`
	// DatabaseSpecific.Severity is GitHub's rating (LOW, MODERATE, HIGH,
	// CRITICAL) when the record comes from the GitHub advisory database.
	DatabaseSpecific struct {
		Severity string `json:"severity"`
	} `json:"database_specific"`
	Severity []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
}

// DecodeVuln parses GET /v1/vulns/{id}.
func DecodeVuln(b []byte) (*Vuln, error) {
	var v Vuln
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("decode osv vulnerability: %w", err)
	}
	return &v, nil
}

// Vuln fetches one OSV record.
func (c *Client) Vuln(ctx context.Context, id string) (*Vuln, error) {
	b, err := c.fetch(ctx, request{service: "osv", method: http.MethodGet, url: c.o.OSV + "/v1/vulns/" + url.PathEscape(id)})
	if err != nil {
		return nil, err
	}
	return DecodeVuln(b)
}
