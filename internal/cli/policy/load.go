// Package policycmd implements `moat policy test`, `moat policy lint` and
// `moat policy rules`, and loads the policy files (user, project, --policy)
// for every command that decides calls (run, hook).
package policycmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/policy"
)

// ProjectFile is the project policy's path relative to the project root.
const ProjectFile = ".moat/policy.yaml"

// UserFile returns the user policy path (~/.config/moat/policy.yaml).
func UserFile(f *cmdutil.Factory) string { return filepath.Join(f.Config(), "policy.yaml") }

// ProjectPath finds the project policy: the nearest .moat/policy.yaml from
// the working directory up to the repository root (a directory holding
// .git) or the file-system root. It returns "" when there is none.
func ProjectPath(f *cmdutil.Factory) string {
	dir := f.WorkDir
	if dir == "" {
		return ""
	}
	for i := 0; i < 64; i++ {
		p := filepath.Join(dir, ProjectFile)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}

// Sources reads the user policy, the project policy and every --policy
// file (user scope: the user named it). Missing user and project files are
// skipped; a missing --policy file is an error.
func Sources(f *cmdutil.Factory, extra []string) ([]policy.Source, error) {
	var out []policy.Source
	if s, err := readSource(UserFile(f), policy.ScopeUser, true); err != nil {
		return nil, err
	} else if s != nil {
		out = append(out, *s)
	}
	if p := ProjectPath(f); p != "" {
		s, err := readSource(p, policy.ScopeProject, true)
		if err != nil {
			return nil, err
		}
		if s != nil {
			out = append(out, *s)
		}
	}
	for _, p := range extra {
		s, err := readSource(p, policy.ScopeCLI, false)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, nil
}

func readSource(path string, scope policy.Scope, optional bool) (*policy.Source, error) {
	fh, err := os.Open(path)
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read policy %s: %w", path, err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, policy.MaxPolicyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w", path, err)
	}
	return &policy.Source{Name: path, Scope: scope, Data: data}, nil
}

// LoadEngine loads the policy files into an engine. On any error it returns
// an engine that denies every call (fail closed) together with the error,
// so callers that cannot stop (hooks) still decide safely.
func LoadEngine(f *cmdutil.Factory, extra []string) (*policy.Engine, []policy.Problem, error) {
	srcs, err := Sources(f, extra)
	if err != nil {
		return policy.Failed(err), nil, err
	}
	e, probs, err := policy.Load(srcs, policy.Options{Home: f.Home()})
	if err != nil {
		return policy.Failed(err), probs, err
	}
	return e, probs, nil
}
