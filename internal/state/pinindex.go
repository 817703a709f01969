package state

import (
	"context"
	"fmt"
)

// PinServers lists every server identity that has pins, sorted.
func (d *DB) PinServers(ctx context.Context) ([]string, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT DISTINCT server FROM pins ORDER BY server`)
	if err != nil {
		return nil, fmt.Errorf("query pinned servers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("read pinned server: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pinned servers: %w", err)
	}
	return out, nil
}

// DeletePin removes the pin of one tool of a server, or every pin of the
// server when tool is empty. It returns how many pins it removed.
func (d *DB) DeletePin(ctx context.Context, server, tool string) (int, error) {
	q, args := `DELETE FROM pins WHERE server = ? AND tool = ?`, []any{server, tool}
	if tool == "" {
		q, args = `DELETE FROM pins WHERE server = ?`, []any{server}
	}
	res, err := d.sql.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("delete pins: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ToolOwners returns the servers (other than except) that client saw
// offering a tool of this name, sorted.
func (d *DB) ToolOwners(ctx context.Context, client, tool, except string) ([]string, error) {
	rows, err := d.sql.QueryContext(ctx, `SELECT DISTINCT server FROM server_tools
		WHERE client = ? AND tool = ? AND server <> ? ORDER BY server`, client, tool, except)
	if err != nil {
		return nil, fmt.Errorf("query tool owners: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("read tool owner: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read tool owners: %w", err)
	}
	return out, nil
}
