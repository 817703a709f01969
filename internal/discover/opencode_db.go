package discover

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// opencode keeps the projects it has opened in a SQLite database
// (table project, column worktree) under its data directory.
const (
	opencodeDBGlob     = "opencode*.db"
	opencodeDBTimeout  = 2 * time.Second
	opencodeDBMaxFiles = 8
)

// opencodeDBs lists opencode's project databases for env.
func opencodeDBs(env Env) []string {
	dir := env.envPath("XDG_DATA_HOME")
	if dir == "" {
		dir = env.home(".local", "share")
	}
	if dir == "" {
		return nil
	}
	matches, _ := filepath.Glob(filepath.FromSlash(path.Join(dir, "opencode", opencodeDBGlob)))
	if len(matches) > opencodeDBMaxFiles {
		matches = matches[:opencodeDBMaxFiles]
	}
	return matches
}

// opencodeProjects reads project worktrees from one database. The file is
// opened read-only and immutable: no lock, no journal or WAL file is
// created, nothing is written.
func opencodeProjects(file string) ([]string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, fmt.Errorf("resolve path: %w", err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro&immutable=1"}
	if len(u.Path) > 0 && u.Path[0] != '/' {
		u.Path = "/" + u.Path // file:///C:/…
	}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), opencodeDBTimeout)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT worktree FROM project WHERE worktree IS NOT NULL LIMIT ?", maxProjects)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, fmt.Errorf("read project row: %w", err)
		}
		if w != "" && w != "/" {
			out = append(out, w)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return out, nil
}
