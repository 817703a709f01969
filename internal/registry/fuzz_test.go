package registry

import "testing"

// Every decoder must return a value or an error on arbitrary bytes, never
// panic.
func FuzzDecoders(f *testing.F) {
	for _, s := range []string{
		`{"name":"x","dist-tags":{"latest":"1"},"versions":{"1":{"dist":{"fileCount":3}}},"time":{"1":"2026-01-01T00:00:00Z"}}`,
		`{"attestations":[{"predicateType":"p","bundle":{"dsseEnvelope":{"payload":"e30="}}}]}`,
		`{"full_name":"o/r","fork":true,"parent":{"full_name":"p/r"}}`,
		`[{"number":1,"created_at":"2026-01-01T00:00:00Z","pull_request":{}}]`,
		`{"total_count":1,"workflow_runs":[{"name":"ci","status":"completed","conclusion":"success"}]}`,
		`{"tree":[{"path":"README.md","type":"blob","size":10}],"truncated":false}`,
		`{"results":[{"vulns":[{"id":"GHSA-x"}]}]}`,
		`{"id":"GHSA-x","database_specific":{"severity":"HIGH"}}`,
		`{"info":{"name":"x","version":"1","project_urls":{"Source":"https://github.com/o/r"}},"urls":[]}`,
		`{"manifests":[{"digest":"sha256:x"}]}`,
		`{"created":"x","config":{"Labels":{"a":"b"}}}`,
		`{"token":"t"}`,
		``, `null`, `[`, `{"a":1,"a":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := DecodePackument(b); err == nil {
			for _, v := range p.Versions {
				People(v.Maintainers)
				Field(v.Repository, "url")
				StrMap(v.Scripts)
			}
		}
		DecodeAttestations(b)
		DecodeRepo(b)
		DecodeIssues(b)
		DecodeIssueComments(b)
		DecodeRuns(b)
		DecodeTree(b)
		DecodeCommits(b)
		DecodeOSVBatch(b)
		DecodeVuln(b)
		DecodePyPI(b)
		DecodeManifest(b)
		DecodeImageConfig(b)
		DecodeToken(b)
		var cfg NPMConfig
		ParseNPMRC(&cfg, b)
		ParseImageRef(string(b))
		parseChallenge(string(b))
	})
}
