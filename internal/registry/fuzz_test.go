package registry

import "testing"

// Each decoder must return a value or an error on arbitrary bytes, never
// panic. One fuzz target per decoder, each seeded with a valid document
// and a few broken ones.

var brokenSeeds = []string{``, `null`, `[`, `{"a":1,"a":2}`, `{"versions":{"1":{"dist":[]}}}`, "\xff"}

func fuzzDecoder(f *testing.F, valid string, decode func([]byte)) {
	f.Add([]byte(valid))
	for _, s := range brokenSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { decode(b) })
}

func FuzzDecodePackument(f *testing.F) {
	fuzzDecoder(f, `{"name":"x","dist-tags":{"latest":"1"},"maintainers":["a <a@x>"],"versions":{"1":{"_npmUser":{"name":"a"},"repository":"github:o/r","license":{"type":"MIT"},"dist":{"fileCount":3}}},"time":{"1":"2026-01-01T00:00:00Z"}}`,
		func(b []byte) {
			if p, err := DecodePackument(b); err == nil {
				People(p.Maintainers)
				for _, v := range p.Versions {
					People(v.Maintainers)
					People(v.NPMUser)
					Field(v.Repository, "url")
					Field(v.License, "type")
					StrMap(v.Scripts)
					StrMap(v.Dependencies)
					Str(v.Deprecated)
				}
			}
		})
}

func FuzzDecodeAttestations(f *testing.F) {
	fuzzDecoder(f, `{"attestations":[{"predicateType":"p","bundle":{"dsseEnvelope":{"payload":"e30="}}}]}`, func(b []byte) { DecodeAttestations(b) })
}

func FuzzDecodeRepo(f *testing.F) {
	fuzzDecoder(f, `{"full_name":"o/r","fork":true,"parent":{"full_name":"p/r"},"pushed_at":"2026-01-01T00:00:00Z","license":{"spdx_id":"MIT"}}`, func(b []byte) { DecodeRepo(b) })
}

func FuzzDecodeIssues(f *testing.F) {
	fuzzDecoder(f, `[{"number":1,"created_at":"2026-01-01T00:00:00Z","pull_request":{}}]`, func(b []byte) { DecodeIssues(b) })
}

func FuzzDecodeIssueComments(f *testing.F) {
	fuzzDecoder(f, `[{"issue_url":"https://x/issues/1","author_association":"OWNER"}]`, func(b []byte) { DecodeIssueComments(b) })
}

func FuzzDecodeRuns(f *testing.F) {
	fuzzDecoder(f, `{"total_count":1,"workflow_runs":[{"name":"ci","status":"completed","conclusion":"success"}]}`, func(b []byte) { DecodeRuns(b) })
}

func FuzzDecodeTree(f *testing.F) {
	fuzzDecoder(f, `{"tree":[{"path":"README.md","type":"blob","size":10}],"truncated":false}`, func(b []byte) { DecodeTree(b) })
}

func FuzzDecodeCommits(f *testing.F) {
	fuzzDecoder(f, `[{"sha":"a","commit":{"committer":{"date":"2026-01-01T00:00:00Z"}}}]`, func(b []byte) { DecodeCommits(b) })
}

func FuzzDecodeOSVBatch(f *testing.F) {
	fuzzDecoder(f, `{"results":[{"vulns":[{"id":"GHSA-x"}]},{}]}`, func(b []byte) { DecodeOSVBatch(b) })
}

func FuzzDecodeVuln(f *testing.F) {
	fuzzDecoder(f, `{"id":"GHSA-x","database_specific":{"severity":"HIGH"},"severity":[{"type":"CVSS_V3","score":"x"}]}`, func(b []byte) { DecodeVuln(b) })
}

func FuzzDecodePyPI(f *testing.F) {
	fuzzDecoder(f, `{"info":{"name":"x","version":"1","project_urls":{"Source":"https://github.com/o/r"},"license":null},"urls":[{"packagetype":"sdist"}]}`, func(b []byte) { DecodePyPI(b) })
}

func FuzzDecodeManifest(f *testing.F) {
	fuzzDecoder(f, `{"manifests":[{"digest":"sha256:x","platform":{"os":"linux","architecture":"amd64"}}],"config":{"digest":"d"}}`, func(b []byte) { DecodeManifest(b) })
}

func FuzzDecodeImageConfig(f *testing.F) {
	fuzzDecoder(f, `{"created":"x","config":{"User":"1","Labels":{"a":"b"}}}`, func(b []byte) { DecodeImageConfig(b) })
}

func FuzzDecodeToken(f *testing.F) {
	fuzzDecoder(f, `{"token":"t"}`, func(b []byte) { DecodeToken(b) })
}

func FuzzParseNPMRC(f *testing.F) {
	fuzzDecoder(f, "registry=https://r.example\n@a:registry=https://a.example\n", func(b []byte) {
		var cfg NPMConfig
		ParseNPMRC(&cfg, b)
		cfg.For("@a/b")
	})
}

func FuzzParseImageRef(f *testing.F) {
	fuzzDecoder(f, "ghcr.io/a/b:c", func(b []byte) { ParseImageRef(string(b)) })
}

func FuzzParseChallenge(f *testing.F) {
	fuzzDecoder(f, `Bearer realm="https://a/token",service="s",scope="repository:a:pull"`, func(b []byte) { parseChallenge(string(b)) })
}

func FuzzListTarball(f *testing.F) {
	fuzzDecoder(f, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00", func(b []byte) { ListTarball(b) })
}
