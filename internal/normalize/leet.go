package normalize

// leetValue maps leetspeak characters to the letter they stand for.
func leetValue(c byte) byte {
	switch c {
	case '0':
		return 'o'
	case '1':
		return 'i'
	case '3':
		return 'e'
	case '4':
		return 'a'
	case '5':
		return 's'
	case '7':
		return 't'
	case '$':
		return 's'
	case '@':
		return 'a'
	}
	return 0
}

// dollarWords are JSON-Schema keywords that start with '$' and must stay.
var dollarWords = map[string]bool{
	"$schema": true, "$ref": true, "$id": true, "$defs": true, "$comment": true,
	"$anchor": true, "$dynamicref": true, "$dynamicanchor": true, "$vocabulary": true,
	"$recursiveref": true, "$recursiveanchor": true,
}

// leetFold rewrites, in place, a lower-cased identifier part that mixes
// letters with leetspeak digits/symbols ("1gn0re", "pr3v10us", "$ystem").
// It leaves alone: numbers ("2024"), parts with other digits ("sha256",
// "x86", "k8s"), hex-like parts ("c0ffee"), parts where the digits are only a
// suffix ("ipv4", "web3", "v1"), numbers with units ("10px", "100ms") and
// ordinals ("1st"), and a leading '$' before an upper-case name ($HOME) or a
// JSON-Schema keyword ($schema).
func leetFold(b []byte, dollarVar bool) {
	if len(b) < 3 {
		return
	}
	letters, leet, lead := 0, 0, 0
	hexLike, leading := true, true
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			letters++
			hexLike = hexLike && c <= 'f'
			leading = false
		case c >= 0x80:
			letters++
			hexLike, leading = false, false
		case leetValue(c) != 0:
			leet++
			if c == '$' || c == '@' {
				hexLike = false
			}
			if leading {
				lead++
			}
		case c >= '0' && c <= '9':
			return
		default:
			leading = false
		}
	}
	if leet == 0 || letters < 2 || hexLike && len(b) >= 4 {
		return
	}
	if lead == leet && (lead >= 2 || ordinal(b[lead:])) {
		return
	}
	skipFirst := b[0] == '$' && (dollarVar || dollarWords[string(b)])
	followed := false
	for i := 0; i+1 < len(b); i++ {
		if leetValue(b[i]) != 0 && !(i == 0 && skipFirst) && (b[i+1] >= 'a' && b[i+1] <= 'z' || b[i+1] >= 0x80) {
			followed = true
			break
		}
	}
	if !followed {
		return
	}
	for i, c := range b {
		if v := leetValue(c); v != 0 && !(i == 0 && skipFirst) {
			b[i] = v
		}
	}
}

func ordinal(b []byte) bool {
	s := string(b)
	return s == "st" || s == "nd" || s == "rd" || s == "th"
}
