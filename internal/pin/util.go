package pin

import (
	"bytes"
	"encoding/json"
	"io"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func unquote(raw []byte, s *string) error { return json.Unmarshal(raw, s) }
