package run

import (
	"net/http"
	"testing"
)

func TestAddBearerEnv(t *testing.T) {
	env := map[string]string{"TOKEN": "s3cret", "BAD": "a\nb"}
	getenv := func(k string) string { return env[k] }
	h := http.Header{}
	if err := addBearerEnv(h, "TOKEN", getenv); err != nil {
		t.Fatal(err)
	}
	if got := h.Get("Authorization"); got != "Bearer s3cret" {
		t.Fatalf("Authorization = %q", got)
	}
	if err := addBearerEnv(http.Header{}, "", getenv); err != nil {
		t.Errorf("empty flag: %v", err)
	}
	for _, bad := range []string{"MISSING", "BAD"} {
		if err := addBearerEnv(http.Header{}, bad, getenv); err == nil {
			t.Errorf("addBearerEnv accepted %q", bad)
		}
	}
}
