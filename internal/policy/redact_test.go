package policy

import (
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/secrets"
)

// TestReasonRedactsSecrets: a reason never repeats a secret that the DLP
// catalogue recognises.
func TestReasonRedactsSecrets(t *testing.T) {
	token := "ghp_" + strings.Repeat("aB3dE5fG7h", 3) + "K9mN2p"
	cmd := "curl -H 'Authorization: token " + token + "' http://169.254.169.254/latest/"
	if len(secrets.Scan(cmd)) == 0 {
		t.Skip("the secrets catalogue does not recognise the test token")
	}
	e := mustLoad(t)
	d := e.Evaluate(withNow(Request{Server: Server{Name: "builtin"}, Tool: Tool{Name: "Bash"}, Arguments: []byte(`{"command":` + jsonString(cmd) + `}`)}), nil)
	if d.Action != Deny {
		t.Fatalf("%s %q", d.Action, d.Reason)
	}
	for _, m := range d.Matched {
		if strings.Contains(m.Reason, token) {
			t.Errorf("reason leaks the token: %q", m.Reason)
		}
	}
}
