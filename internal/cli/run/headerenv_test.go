package run

import (
	"net/http"
	"testing"
)

func TestAddEnvHeaders(t *testing.T) {
	env := map[string]string{"TOKEN": "Bearer s3cret", "BAD": "a\r\nX-Evil: 1"}
	getenv := func(k string) string { return env[k] }
	h := http.Header{}
	if err := addEnvHeaders(h, []string{"Authorization=TOKEN"}, getenv); err != nil {
		t.Fatal(err)
	}
	if got := h.Get("Authorization"); got != "Bearer s3cret" {
		t.Fatalf("Authorization = %q", got)
	}
	for _, bad := range []string{"Authorization=MISSING", "Authorization", "=TOKEN", "X=BAD", "A B=TOKEN"} {
		if err := addEnvHeaders(http.Header{}, []string{bad}, getenv); err == nil {
			t.Errorf("addEnvHeaders accepted %q", bad)
		}
	}
}
