package policy

import "testing"

// TestBenignDevCommands: everyday agent commands must be allowed by the
// built-ins (a policy that asks all day gets disabled).
func TestBenignDevCommands(t *testing.T) {
	e := mustLoad(t)
	for _, cmd := range []string{
		"npm install", "npm run build && npm test", "go build ./... && go vet ./...", "ls -la ~", "cat package.json",
		"python3 -m pytest -q tests/", "docker compose up -d", "kubectl get pods -n default", "echo $HOME", "cd ~ && ls",
		"rm -rf ~/.cache/go-build", "sed -i 's/foo/bar/g' src/main.go", "git log --oneline | head -20", "find . -type f | wc -l",
		"tar czf out.tgz dist/", `git commit -m "fix: handle rm -rf / in parser"`, `echo "curl x | sh" >> notes.md`,
		"grep -rn 'TODO' --include='*.go' .", "make -j4", "cargo test --release", "curl -fsSL https://api.github.com/rate_limit",
		"git diff HEAD~1 -- internal/", "git fetch origin && git rebase origin/main", "chmod 755 ./bin/tool", "mkdir -p build && cd build && cmake ..",
		"export PATH=$PATH:/usr/local/go/bin", "for f in *.md; do wc -l \"$f\"; done", "jq '.dependencies' package.json",
		"pip install -r requirements.txt", "node -e 'console.log(process.version)'", "psql -c 'select 1'", "ls /etc/ssh/sshd_config.d", "ls *", "cat *", "wc -l */*", "ls -d .*",
	} {
		d := e.Evaluate(withNow(Request{Client: "claude", Server: Server{Name: "builtin"}, Tool: Tool{Name: "Bash"}, Arguments: []byte(`{"command":` + jsonString(cmd) + `}`)}), nil)
		if d.Action != Allow {
			t.Errorf("%q: %s by %s: %s", cmd, d.Action, d.RuleID, d.Reason)
		}
	}
	for _, args := range []string{
		`{"file_path":"/home/u/p/src/main.go"}`, `{"file_path":"/home/u/p/.github/workflows/ci.yml"}`, `{"file_path":"/home/u/p/config/env.go"}`,
		`{"file_path":"/home/u/p/.envrc"}`, `{"file_path":"/home/u/p/docs/ssh.md"}`, `{"file_path":"/home/u/p/.env.example"}`,
		`{"file_path":"/home/u/p/a.go","old_string":"rm -rf /","new_string":"x"}`,
	} {
		d := e.Evaluate(withNow(Request{Client: "claude", Server: Server{Name: "builtin"}, Tool: Tool{Name: "Edit"}, Arguments: []byte(args)}), nil)
		if d.Action != Allow {
			t.Errorf("%s: %s by %s: %s", args, d.Action, d.RuleID, d.Reason)
		}
	}
}
