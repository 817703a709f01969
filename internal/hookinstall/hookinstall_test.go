package hookinstall

import (
	"strings"
	"testing"

	"github.com/moat-dev/moat/internal/hook"
)

const claudeSettings = `// my settings
{
  "model": "opus", // keep me
  "permissions": {"allow": ["Bash(ls:*)"]},
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "./mine.sh"}]},
    ],
  },
}
`

func TestInstallClaudePreservesAndIsIdempotent(t *testing.T) {
	tg, _ := For(hook.Claude, "/h/.claude/settings.json")
	out, changed, err := Install(tg, []byte(claudeSettings), "/usr/local/bin/moat")
	if err != nil || !changed {
		t.Fatalf("Install: changed=%v err=%v", changed, err)
	}
	s := string(out)
	for _, want := range []string{"// my settings", "// keep me", `"./mine.sh"`, `"Bash(ls:*)"`,
		`/usr/local/bin/moat hook claude`, `"matcher":"*"`, `"UserPromptSubmit"`, `"PostToolUse"`} {
		if !strings.Contains(s, want) {
			t.Errorf("installed settings lack %s:\n%s", want, s)
		}
	}
	again, changed, err := Install(tg, out, "/usr/local/bin/moat")
	if err != nil || changed || string(again) != s {
		t.Fatalf("second Install changed=%v err=%v", changed, err)
	}
	back, changed, err := Uninstall(tg, out)
	if err != nil || !changed {
		t.Fatalf("Uninstall: changed=%v err=%v", changed, err)
	}
	if strings.Contains(string(back), "moat") {
		t.Fatalf("uninstall left moat entries:\n%s", back)
	}
	for _, want := range []string{"// my settings", "// keep me", `"./mine.sh"`} {
		if !strings.Contains(string(back), want) {
			t.Errorf("uninstall lost %s:\n%s", want, back)
		}
	}
	if _, changed, _ := Uninstall(tg, back); changed {
		t.Fatal("second Uninstall changed the file")
	}
}

func TestInstallEveryRuntimeFromEmpty(t *testing.T) {
	for _, rt := range hook.Runtimes() {
		t.Run(string(rt), func(t *testing.T) {
			tg, err := For(rt, "x.json")
			if err != nil {
				t.Fatal(err)
			}
			out, changed, err := Install(tg, nil, "moat")
			if err != nil || !changed {
				t.Fatalf("changed=%v err=%v", changed, err)
			}
			for _, ev := range tg.Events {
				if !strings.Contains(string(out), `"`+ev+`"`) {
					t.Errorf("no %s entry: %s", ev, out)
				}
			}
			if !strings.Contains(string(out), "moat hook "+string(rt)) {
				t.Errorf("no moat command: %s", out)
			}
			back, _, err := Uninstall(tg, out)
			if err != nil || strings.Contains(string(back), "hook "+string(rt)) {
				t.Fatalf("uninstall: %v %s", err, back)
			}
		})
	}
}

func TestInstallRejectsBadShapes(t *testing.T) {
	tg, _ := For(hook.Claude, "s.json")
	for _, in := range []string{`[]`, `{"hooks": []}`, `{"hooks": {"PreToolUse": {}}}`, `{`} {
		if _, _, err := Install(tg, []byte(in), "moat"); err == nil {
			t.Errorf("Install accepted %s", in)
		}
	}
}

func TestUninstallKeepsOthersInSharedGroup(t *testing.T) {
	tg, _ := For(hook.Claude, "s.json")
	in := `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"moat hook claude"},{"type":"command","command":"./other"}]}]}}`
	out, changed, err := Uninstall(tg, []byte(in))
	if err != nil || !changed {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "moat hook") || !strings.Contains(string(out), "./other") {
		t.Fatalf("got %s", out)
	}
}

func TestSettingsPath(t *testing.T) {
	p, err := SettingsPath(hook.Codex, User, "/home/u", "/p", "/custom/codex")
	if err != nil || p != "/custom/codex/hooks.json" {
		t.Fatalf("codex: %s %v", p, err)
	}
	p, _ = SettingsPath(hook.Copilot, Project, "/home/u", "/p", "")
	if p != "/p/.github/hooks/moat.json" {
		t.Fatalf("copilot project: %s", p)
	}
	if _, err := SettingsPath(hook.Claude, Project, "/home/u", "", ""); err == nil {
		t.Fatal("want an error without a project directory")
	}
}

func FuzzInstall(f *testing.F) {
	f.Add([]byte(claudeSettings))
	f.Add([]byte(`{"hooks":{"PreToolUse":[{"hooks":[{"command":"moat hook claude"}]}]}}`))
	f.Add([]byte(`{"version":1,"hooks":{"beforeMCPExecution":[{"command":"x"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, rt := range []hook.Runtime{hook.Claude, hook.Cursor} {
			tg, _ := For(rt, "f.json")
			out, _, err := Install(tg, data, "moat")
			if err != nil {
				continue
			}
			if _, changed, err := Install(tg, out, "moat"); err != nil || changed {
				t.Fatalf("install not idempotent on %q: %v", data, err)
			}
		}
	})
}
