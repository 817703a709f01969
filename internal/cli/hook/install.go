package hookcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/hook"
	"github.com/moat-dev/moat/internal/hookinstall"
)

// maxSettings caps the settings file moat edits.
const maxSettings = 4 << 20

type installOpts struct {
	user, project, dryRun bool
	path, moat            string
}

func newInstallCmd(f *cmdutil.Factory, install bool) *cobra.Command {
	var o installOpts
	use, short := "install RUNTIME", "Add moat's hook entries to a runtime's settings (with a backup)"
	if !install {
		use, short = "uninstall RUNTIME", "Remove moat's hook entries from a runtime's settings (with a backup)"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := hook.ParseRuntime(args[0])
			if err != nil {
				return cmdutil.Usage(err)
			}
			return runInstall(f, rt, o, install)
		},
	}
	cmd.Flags().BoolVar(&o.user, "user", false, "the user's settings (default)")
	cmd.Flags().BoolVar(&o.project, "project", false, "the current project's settings")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the change without writing it")
	cmd.Flags().StringVar(&o.path, "settings", "", "settings file to edit instead of the runtime's default")
	if install {
		cmd.Flags().StringVar(&o.moat, "moat", "", "path of the moat binary the hook runs (default: this binary)")
	}
	return cmd
}

func runInstall(f *cmdutil.Factory, rt hook.Runtime, o installOpts, install bool) error {
	if o.user && o.project {
		return cmdutil.Usagef("use --user or --project, not both")
	}
	path := o.path
	if path == "" {
		scope := hookinstall.User
		if o.project {
			scope = hookinstall.Project
		}
		var err error
		path, err = hookinstall.SettingsPath(rt, scope, f.Home(), f.WorkDir, f.IO.Getenv("CODEX_HOME"))
		if err != nil {
			return cmdutil.Usage(err)
		}
	}
	t, err := hookinstall.For(rt, path)
	if err != nil {
		return cmdutil.Usage(err)
	}
	old, mode, err := readSettings(path)
	if err != nil {
		return err
	}
	var out []byte
	var changed bool
	if install {
		out, changed, err = hookinstall.Install(t, old, moatPath(o.moat))
	} else {
		out, changed, err = hookinstall.Uninstall(t, old)
	}
	if err != nil {
		return cmdutil.Usage(fmt.Errorf("%s: %w", path, err))
	}
	verb := map[bool]string{true: "installed in", false: "removed from"}[install]
	if !changed {
		fmt.Fprintf(f.IO.ErrOut, "moat hook %s: nothing to change in %s\n", rt, path)
		return nil
	}
	if o.dryRun {
		fmt.Fprint(f.IO.Out, unifiedDiff(path, string(old), string(out)))
		return nil
	}
	backup, err := writeSettings(path, old, out, mode, f.Now().Unix())
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "moat hook %s: %s %s", rt, verb, path)
	if backup != "" {
		fmt.Fprintf(f.IO.ErrOut, " (backup: %s)", backup)
	}
	fmt.Fprintln(f.IO.ErrOut)
	return nil
}

func moatPath(flag string) string {
	if flag != "" {
		return flag
	}
	if p, err := os.Executable(); err == nil && !strings.Contains(p, "go-build") {
		return p
	}
	return "moat"
}

func readSettings(path string) ([]byte, fs.FileMode, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0o600, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read settings: %w", err)
	}
	if fi.Size() > maxSettings {
		return nil, 0, cmdutil.Usagef("%s is %d bytes, over the %d-byte limit for settings files", path, fi.Size(), maxSettings)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read settings: %w", err)
	}
	return b, fi.Mode().Perm(), nil
}

// writeSettings backs up the old file (when there was one) and replaces it
// atomically.
func writeSettings(path string, old, data []byte, mode fs.FileMode, stamp int64) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("create settings directory: %w", err)
	}
	backup := ""
	if old != nil {
		backup = fmt.Sprintf("%s.moat-backup-%d", path, stamp)
		if err := os.WriteFile(backup, old, 0o600); err != nil {
			return "", fmt.Errorf("write backup: %w", err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".moat-settings-*")
	if err != nil {
		return "", fmt.Errorf("write settings: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write settings: %w", err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write settings: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write settings: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write settings: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("write settings: %w", err)
	}
	return backup, nil
}
