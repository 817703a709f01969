package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"
)

// checkInput is what a validator sees: the whole text, the span of the
// regex match (keyword included) and the span of the secret value.
type checkInput struct {
	text                 string
	matchStart, matchEnd int
	start, end           int
}

func (in checkInput) value() string { return in.text[in.start:in.end] }

// validator is a named Go check a rule opts into with `validate:`. It
// returns false to drop the match.
type validator func(in checkInput) bool

var validators = map[string]validator{
	"not-placeholder":     func(in checkInput) bool { return !isPlaceholder(in.value()) },
	"not-hash":            func(in checkInput) bool { return !looksLikeHash(in.value()) },
	"github-crc32":        func(in checkInput) bool { return base62CRCValid(in.value()) },
	"npm-crc32":           func(in checkInput) bool { return base62CRCValid(in.value()) },
	"jwt-header":          func(in checkInput) bool { return jwtHeaderValid(in.value()) },
	"gcp-service-account": gcpServiceAccountContext,
	"azure-sas-context":   azureSASContext,
	"generic-key-name":    genericKeyName,
	"pem-body":            func(in checkInput) bool { return pemBodyValid(in.value()) },
	"db-password":         dbPassword,
	"not-base64-text":     func(in checkInput) bool { return !isBase64Text(in.value()) },
	"not-code-ref":        notCodeRef,
	"has-digit":           func(in checkInput) bool { return strings.ContainsAny(in.value(), "0123456789") },
	"not-sample-jwt":      func(in checkInput) bool { return !isSampleJWT(in.value()) },
}

// parseValidator resolves a `validate:` entry. Besides the names above it
// accepts parameterised checks "entropy>=F" (Shannon bits per byte of the
// value) and "charclasses>=N" (how many of lower, upper, digit it mixes).
func parseValidator(spec string) (validator, error) {
	if v, ok := validators[spec]; ok {
		return v, nil
	}
	if arg, ok := strings.CutPrefix(spec, "entropy>="); ok {
		min, err := strconv.ParseFloat(arg, 64)
		if err != nil || min <= 0 || min > 8 {
			return nil, fmt.Errorf("validator %q: threshold must be a number in (0, 8]", spec)
		}
		return func(in checkInput) bool { return entropy(in.value()) >= min }, nil
	}
	if arg, ok := strings.CutPrefix(spec, "charclasses>="); ok {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > 3 {
			return nil, fmt.Errorf("validator %q: count must be 1, 2 or 3", spec)
		}
		return func(in checkInput) bool { return charClasses(in.value()) >= n }, nil
	}
	return nil, fmt.Errorf("unknown validator %q: use one of %s, entropy>=F, charclasses>=N", spec, validatorNames())
}

func validatorNames() string {
	names := make([]string, 0, len(validators))
	for n := range validators {
		names = append(names, n)
	}
	sortStrings(names)
	return strings.Join(names, ", ")
}

// entropy is the Shannon entropy of s in bits per byte:
// log2(n) - Σ c·log2(c) / n over the byte counts c.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	var sum float64
	for _, c := range counts {
		if c > 1 {
			sum += cLog2c(c)
		}
	}
	n := len(s)
	return cLog2c(n)/float64(n) - sum/float64(n)
}

// clog2cTable caches c·log2(c) for small counts.
var clog2cTable = func() (t [512]float64) {
	for c := 2; c < len(t); c++ {
		t[c] = float64(c) * math.Log2(float64(c))
	}
	return t
}()

func cLog2c(c int) float64 {
	if c < len(clog2cTable) {
		return clog2cTable[c]
	}
	return float64(c) * math.Log2(float64(c))
}

func charClasses(s string) int {
	var lower, upper, digit int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z':
			lower = 1
		case 'A' <= c && c <= 'Z':
			upper = 1
		case '0' <= c && c <= '9':
			digit = 1
		}
	}
	return lower + upper + digit
}

// base62CRCValid checks the checksum of GitHub classic and npm tokens:
// prefix "xxx_", 30 random base62 characters, then the CRC-32 (IEEE) of
// those 30 characters written as 6 base62 digits (0-9A-Za-z).
func base62CRCValid(tok string) bool {
	i := strings.IndexByte(tok, '_')
	if i < 0 || len(tok)-i-1 != 36 {
		return false
	}
	body, sum := tok[i+1:len(tok)-6], tok[len(tok)-6:]
	var v uint64
	for j := 0; j < len(sum); j++ {
		d := base62Digit(sum[j])
		if d < 0 {
			return false
		}
		v = v*62 + uint64(d)
	}
	var buf [30]byte
	return v == uint64(crc32.ChecksumIEEE(buf[:copy(buf[:], body)]))
}

func base62Digit(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// jwtHeaderValid decodes the first segment and requires a JSON object with
// an "alg" member.
func jwtHeaderValid(tok string) bool {
	seg, _, ok := strings.Cut(tok, ".")
	raw, ok := decodeSegment(seg, ok)
	return ok && len(raw) > 0 && raw[0] == '{' && json.Valid(raw) && bytes.Contains(raw, []byte(`"alg"`))
}

// decodeSegment base64url-decodes a JWT segment of at most 1 KiB into a
// stack buffer.
func decodeSegment(seg string, ok bool) ([]byte, bool) {
	var buf [768]byte
	seg = strings.TrimRight(seg, "=")
	if !ok || len(seg) > 1024 {
		return nil, false
	}
	n, err := base64.RawURLEncoding.Decode(buf[:], []byte(seg))
	if err != nil {
		return nil, false
	}
	return buf[:n], true
}

// gcpServiceAccountContext requires the service-account type marker near
// the private key.
func gcpServiceAccountContext(in checkInput) bool {
	lo, hi := max(0, in.matchStart-4096), min(len(in.text), in.matchEnd+4096)
	return strings.Contains(in.text[lo:hi], "service_account")
}

// azureSASContext requires the other SAS query parameters (signed version
// and expiry or permissions) before the signature.
func azureSASContext(in checkInput) bool {
	lo := max(0, in.matchStart-1024)
	ctx := in.text[lo:in.matchStart]
	if q := strings.LastIndexAny(ctx, " \t\r\n\"'<>"); q >= 0 {
		ctx = ctx[q+1:]
	}
	return strings.Contains(ctx, "sv=") && (strings.Contains(ctx, "se=") || strings.Contains(ctx, "sp="))
}

// genericKeyName drops assignments whose key names something about a
// secret rather than the secret itself (password_hash, token_url,
// max_tokens, secret_name…).
func genericKeyName(in checkInput) bool {
	key := strings.ToLower(in.text[in.matchStart:in.start])
	if i := strings.IndexAny(key, "\"' \t:=>\\"); i >= 0 {
		key = key[:i]
	}
	for _, bad := range benignKeyParts {
		if strings.Contains(key, bad) {
			return false
		}
	}
	return true
}

var benignKeyParts = []string{
	"hash", "digest", "url", "uri", "file", "path", "len", "count", "type", "name", "field", "env",
	"var", "header", "format", "pattern", "policy", "expir", "ttl", "regex", "_id", "min", "max",
	"prompt", "hint", "label", "placeholder", "required", "strength", "confirm", "input", "valid",
	"limit", "usage", "endpoint", "encod", "izer", "ize", "id_", "reset", "rotat", "manager", "store",
	"ref", "arn", "scope", "provider", "method", "mode", "kind", "source", "version",
}

// dbPassword drops a URL password that is the user name repeated.
func dbPassword(in checkInput) bool {
	pre := in.text[in.matchStart:in.start]
	i := strings.Index(pre, "://")
	if i < 0 {
		return true
	}
	user := strings.TrimSuffix(pre[i+3:], ":")
	return !strings.EqualFold(user, in.value())
}

// isBase64Text reports whether v is base64 of ordinary text (printable
// ASCII with spaces), which is an encoded message, not a key.
func isBase64Text(v string) bool {
	if len(v) < 16 {
		return false
	}
	t := strings.TrimRight(v, "=")
	var raw []byte
	var err error
	if strings.ContainsAny(t, "-_") {
		raw, err = base64.RawURLEncoding.DecodeString(t)
	} else {
		raw, err = base64.RawStdEncoding.DecodeString(t)
	}
	if err != nil || len(raw) == 0 {
		return false
	}
	printable, spaces := 0, 0
	for _, c := range raw {
		switch {
		case c == ' ':
			spaces++
			printable++
		case c >= 0x21 && c <= 0x7e, c == '\t', c == '\n', c == '\r':
			printable++
		}
	}
	return spaces > 0 && printable*10 >= len(raw)*9
}

// notCodeRef drops values that are code rather than data: a dotted
// identifier path, a function call, or an identifier that names a
// credential itself (TokenDataIter, secretKeyName).
func notCodeRef(in checkInput) bool {
	v := in.value()
	if isCodeRef(v) || in.end < len(in.text) && in.text[in.end] == '(' {
		return false
	}
	for _, w := range []string{"token", "secret", "passw", "apikey", "api_key", "key"} {
		if containsFold(v, w) {
			return false
		}
	}
	return true
}

// isCodeRef reports a dotted identifier path such as settings.SECRET_KEY or
// config.auth.token: code that names where a secret lives, not the secret.
func isCodeRef(v string) bool {
	segs := strings.Split(v, ".")
	if len(segs) < 2 {
		return false
	}
	for _, seg := range segs {
		if seg == "" || !(seg[0] == '_' || seg[0] == '$' || 'a' <= seg[0]|0x20 && seg[0]|0x20 <= 'z') {
			return false
		}
		for i := 1; i < len(seg); i++ {
			if !isWord(seg[i]) && seg[i] != '$' {
				return false
			}
		}
	}
	return true
}

// isSampleJWT reports the token printed in countless JWT tutorials (subject
// "1234567890", name "John Doe").
func isSampleJWT(tok string) bool {
	_, rest, ok := strings.Cut(tok, ".")
	payload, _, _ := strings.Cut(rest, ".")
	raw, ok := decodeSegment(payload, ok)
	return ok && bytes.Contains(raw, []byte(`"1234567890"`)) && bytes.Contains(raw, []byte(`"John Doe"`))
}
