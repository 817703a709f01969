package run_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// guardEnv gives one test its own state directory (pins, grants, audit).
func guardEnv(t *testing.T) []string {
	t.Helper()
	return []string{"MOAT_STATE_DIR=" + t.TempDir(), "MOAT_CONFIG_DIR=" + t.TempDir(), "MOAT_ALLOW_NONINTERACTIVE_GRANTS=1"}
}

// connectOpts starts `moat run FLAGS -- evil` for a Go SDK client with
// options, on protocol 2025-11-25 (server-to-client requests inside calls).
func connectOpts(t *testing.T, env []string, opts *mcp.ClientOptions, flags ...string) (*mcp.ClientSession, *syncBuf) {
	t.Helper()
	cmd := exec.Command(bin.moat, append(append([]string{"run"}, flags...), "--", bin.evil)...)
	cmd.Env = append(os.Environ(), env...)
	stderr := &syncBuf{}
	cmd.Stderr = stderr
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "moat-e2e", Version: "1"}, opts).Connect(ctx,
		&mcp.CommandTransport{Command: cmd}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatalf("connecting through moat: %v (stderr: %s)", err, stderr)
	}
	t.Cleanup(func() { cs.Close() })
	return cs, stderr
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	return names
}

// moatCmd runs a moat command with env and returns its stdout.
func moatCmd(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin.moat, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("moat %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestGuardPoisonAndRugPull: a poisoned tool is withheld; after a rug pull
// (list_changed) the changed and the new tool are withheld and calls to them
// refused while unchanged tools keep working; `moat pins approve` lets the
// changed one through.
func TestGuardPoisonAndRugPull(t *testing.T) {
	env := guardEnv(t)
	changed := make(chan struct{}, 4)
	cs, stderr := connectOpts(t, env, &mcp.ClientOptions{ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
		changed <- struct{}{}
	}}, "--name", "evil")
	if got, want := toolNames(t, cs), []string{"echo", "leak", "rugpull", "sample", "weather"}; !slices.Equal(got, want) {
		t.Fatalf("tools = %v, want %v (notes withheld); stderr:\n%s", got, want, stderr)
	}
	if _, err := callText(t, cs, "notes", map[string]any{"text": "x"}); err == nil || !strings.Contains(err.Error(), "withheld") {
		t.Fatalf("calling the poisoned tool: %v", err)
	}
	if !strings.Contains(stderr.String(), "withheld tool evil/notes") {
		t.Errorf("stderr does not name the poisoned tool:\n%s", stderr)
	}
	if got, err := callText(t, cs, "rugpull", nil); err != nil || got != "refreshed" {
		t.Fatalf("rugpull = %q, %v", got, err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no notifications/tools/list_changed")
	}
	// Without listing again: the guard re-checks on list_changed.
	if _, err := callText(t, cs, "weather", nil); err == nil || !strings.Contains(err.Error(), "moat pins approve evil/weather") {
		t.Fatalf("weather after the rug pull: %v (stderr:\n%s)", err, stderr)
	}
	if got := toolNames(t, cs); !slices.Equal(got, []string{"echo", "leak", "rugpull", "sample"}) {
		t.Fatalf("tools after the rug pull = %v", got)
	}
	if got, err := callText(t, cs, "echo", map[string]any{"text": "still here"}); err != nil || got != "still here" {
		t.Fatalf("echo after the rug pull = %q, %v", got, err)
	}
	if _, err := callText(t, cs, "exfil", map[string]any{"text": "x"}); err == nil {
		t.Fatal("the tool added by the rug pull was callable")
	}
	diff := moatCmd(t, env, "pins", "diff", "evil")
	if !strings.Contains(diff, "weather") || !strings.Contains(diff, "description") || !strings.Contains(diff, "exfil") {
		t.Errorf("pins diff:\n%s", diff)
	}
	moatCmd(t, env, "pins", "approve", "evil/weather")
	if got := toolNames(t, cs); !slices.Contains(got, "weather") || slices.Contains(got, "exfil") {
		t.Fatalf("tools after approving weather = %v", got)
	}
	if got, err := callText(t, cs, "weather", nil); err != nil || got != "sunny" {
		t.Fatalf("weather after approval = %q, %v", got, err)
	}
	if list := moatCmd(t, env, "pins", "list"); !strings.Contains(list, "new, withheld until approved") {
		t.Errorf("pins list does not show exfil pending:\n%s", list)
	}
}

// TestGuardScreensOutputs: instructions in a result are annotated, the
// secret is redacted, the image passes untouched, structuredContent is
// screened; with --on-injection block the result is refused.
func TestGuardScreensOutputs(t *testing.T) {
	env := guardEnv(t)
	cs, _, _ := connectEnv(t, env, []string{"--name", "evil"}, bin.evil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "leak"})
	if err != nil || res.IsError {
		t.Fatalf("leak: %v %v", err, res)
	}
	first := res.Content[0].(*mcp.TextContent).Text
	second := res.Content[1].(*mcp.TextContent).Text
	img := res.Content[2].(*mcp.ImageContent)
	if !strings.HasPrefix(first, "[moat notice]") || !strings.Contains(first, "<<<moat:untrusted-content>>>") {
		t.Errorf("injection not annotated: %q", first)
	}
	if strings.Contains(second, "AKIAIOSFODNN7EXAMPLQ") || !strings.Contains(second, "[REDACTED:") {
		t.Errorf("secret not redacted: %q", second)
	}
	if string(img.Data) != "not really a png" {
		t.Errorf("image changed: %q", img.Data)
	}
	sc, _ := res.StructuredContent.(map[string]any)
	if note, _ := sc["note"].(string); !strings.HasPrefix(note, "[moat notice]") || sc["title"] != "report" {
		t.Errorf("structuredContent = %v", res.StructuredContent)
	}

	cs2, _, _ := connectEnv(t, env, []string{"--name", "evil", "--on-injection", "block"}, bin.evil)
	if _, err := callText(t, cs2, "leak", nil); err == nil || !strings.Contains(err.Error(), "moat blocked the output of evil/leak") {
		t.Fatalf("blocked leak: %v", err)
	}
}

// TestGuardScreensSampling: a server-to-client sampling request carrying
// instructions reaches the client's model annotated.
func TestGuardScreensSampling(t *testing.T) {
	env := guardEnv(t)
	var seen string
	client := mcp.NewClient(&mcp.Implementation{Name: "moat-e2e", Version: "1"}, &mcp.ClientOptions{
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			seen = req.Params.Messages[0].Content.(*mcp.TextContent).Text
			return &mcp.CreateMessageResult{Model: "m", Role: "assistant", Content: &mcp.TextContent{Text: "ok"}}, nil
		},
	})
	cmd := exec.Command(bin.moat, "run", "--name", "evil", "--", bin.evil)
	cmd.Env = append(os.Environ(), env...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Before 2026-07-28 a server may send requests while serving a call.
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if got, err := callText(t, cs, "sample", nil); err != nil || got != "model said: ok" {
		t.Fatalf("sample = %q, %v", got, err)
	}
	if !strings.HasPrefix(seen, "[moat notice]") || !strings.Contains(seen, "Ignore all previous instructions") {
		t.Errorf("the sampling request reached the model unscreened: %q", seen)
	}
}

// TestGuardPolicyAsk: a call the policy sends to ask is put to the user
// through elicitation when the client can be asked, and becomes a pending
// approval with the exact command otherwise; `moat approve` then lets the
// retried call through. A policy that fails to load denies.
func TestGuardPolicyAsk(t *testing.T) {
	env := guardEnv(t)
	pol := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(pol, []byte("rules:\n  - id: ask-echo\n    action: ask\n    tool: echo\n    reason: echo needs a human\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// No elicitation capability: a pending approval.
	cs, _, _ := connectEnv(t, env, []string{"--name", "evil", "--policy", pol}, bin.evil)
	_, err := callText(t, cs, "echo", map[string]any{"text": "hi"})
	if err == nil || !strings.Contains(err.Error(), "moat approve ") {
		t.Fatalf("ask without elicitation: %v", err)
	}
	id := strings.Fields(strings.SplitAfter(err.Error(), "moat approve ")[1])[0]
	id = strings.Trim(id, "`")
	moatCmd(t, env, "approve", id)
	if got, err := callText(t, cs, "echo", map[string]any{"text": "hi"}); err != nil || got != "hi" {
		t.Fatalf("retry after approval = %q, %v", got, err)
	}

	// Elicitation: the user picks "allow once", then "deny".
	answers := []string{"allow once", "deny"}
	var asked []string
	client := mcp.NewClient(&mcp.Implementation{Name: "moat-e2e", Version: "1"}, &mcp.ClientOptions{
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			asked = append(asked, req.Params.Message)
			a := answers[0]
			answers = answers[1:]
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"decision": a}}, nil
		},
	})
	cmd := exec.Command(bin.moat, "run", "--name", "evil", "--policy", pol, "--", bin.evil)
	cmd.Env = append(os.Environ(), env...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs2, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs2.Close()
	if got, err := callText(t, cs2, "echo", map[string]any{"text": "first"}); err != nil || got != "first" {
		t.Fatalf("allowed once = %q, %v", got, err)
	}
	if _, err := callText(t, cs2, "echo", map[string]any{"text": "second"}); err == nil || !strings.Contains(err.Error(), "did not allow") {
		t.Fatalf("denied = %v", err)
	}
	if len(asked) != 2 || !strings.Contains(asked[0], "evil/echo") || !strings.Contains(asked[0], `"text": "first"`) {
		t.Errorf("elicitation messages = %q", asked)
	}

	// A policy that does not load denies every call.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("rules: [this is not a rule"), 0o600)
	cs3, _, stderr := connectEnv(t, env, []string{"--name", "evil", "--policy", bad}, bin.evil)
	if _, err := callText(t, cs3, "echo", map[string]any{"text": "x"}); err == nil {
		t.Fatal("a broken policy allowed a call")
	}
	if !strings.Contains(stderr.String(), "every tool call will be denied") {
		t.Errorf("stderr does not say the policy failed:\n%s", stderr)
	}
}
