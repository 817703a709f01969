package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	auditlog "github.com/moat-dev/moat/internal/audit"
	"github.com/moat-dev/moat/internal/cli/cmdutil"
)

// pollInterval is how often `tail -f` looks for new records.
var pollInterval = 250 * time.Millisecond

// maxFollowRead bounds the bytes one poll reads.
const maxFollowRead = 4 << 20

func newTailCmd(f *cmdutil.Factory) *cobra.Command {
	var n int
	var follow bool
	var format string
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Show the last records, and optionally follow new ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return cmdutil.Usagef("unknown --format %q: use table or json", format)
			}
			if n < 0 || n > 100000 {
				return cmdutil.Usagef("-n must be between 0 and 100000")
			}
			dir := auditlog.Dir(f.State())
			recs, err := lastN(dir, n)
			if err != nil {
				return err
			}
			p := newPrinter(f.IO.Out, format)
			var last int64
			for _, r := range recs {
				if err := p.print(r); err != nil {
					return err
				}
				last = r.Event.Seq
			}
			if !follow {
				return nil
			}
			if last == 0 {
				last = lastSeq(dir)
			}
			return followLog(cmd.Context(), dir, last, p)
		},
	}
	cmd.Flags().IntVarP(&n, "lines", "n", 10, "how many records to show")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new records until interrupted")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json (JSON Lines)")
	return cmd
}

// lastN returns the last n records, reading files from the newest back only
// as far as needed.
func lastN(dir string, n int) ([]auditlog.Record, error) {
	files, err := auditlog.Files(dir)
	if err != nil || n == 0 {
		return nil, err
	}
	var out []auditlog.Record
	for i := len(files) - 1; i >= 0 && len(out) < n; i-- {
		var recs []auditlog.Record
		err := auditlog.ReadFile(files[i], func(r auditlog.Record) error {
			recs = append(recs, r)
			if len(recs) > n {
				recs = recs[1:]
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(recs, out...)
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out, nil
}

// lastSeq is the seq of the newest record, or 0.
func lastSeq(dir string) int64 {
	recs, _ := lastN(dir, 1)
	if len(recs) == 0 {
		return 0
	}
	return recs[0].Event.Seq
}

// followLog prints records with seq > after as they are appended, following
// rotation, until ctx ends.
func followLog(ctx context.Context, dir string, after int64, p *printer) error {
	path := filepath.Join(dir, auditlog.ActiveName)
	fw := &follower{dir: dir, after: after, p: p}
	defer fw.close()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if err := fw.poll(path); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

type follower struct {
	dir     string
	f       *os.File
	partial []byte
	after   int64
	p       *printer
}

func (fw *follower) close() {
	if fw.f != nil {
		fw.f.Close()
	}
}

// poll reads what was appended; when the active file was rotated it drains
// the old one and switches to the new one.
func (fw *follower) poll(path string) error {
	if fw.f == nil {
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("follow audit log: %w", err)
		}
		fw.f, fw.partial = f, nil
	}
	if err := fw.drain(); err != nil {
		return err
	}
	cur, err1 := os.Stat(path)
	mine, err2 := fw.f.Stat()
	if err1 == nil && err2 == nil && !os.SameFile(cur, mine) {
		if err := fw.drain(); err != nil {
			return err
		}
		fw.f.Close()
		fw.f = nil
		if err := fw.catchUp(); err != nil {
			return err
		}
		return fw.poll(path)
	}
	return nil
}

func (fw *follower) drain() error {
	buf, err := io.ReadAll(io.LimitReader(fw.f, maxFollowRead))
	if err != nil {
		return fmt.Errorf("follow audit log: %w", err)
	}
	data := append(fw.partial, buf...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := data[:i]
		data = data[i+1:]
		var e auditlog.Event
		if json.Unmarshal(line, &e) != nil || e.Seq <= fw.after {
			continue
		}
		if e.Seq > fw.after+1 {
			// A gap: the writer rotated the file we were about to open
			// between our catch-up and our open; the missing records are
			// in a rotated file now.
			if err := fw.catchUp(); err != nil {
				return err
			}
			if e.Seq <= fw.after {
				continue
			}
		}
		fw.after = e.Seq
		if err := fw.p.print(auditlog.Record{Event: e, Raw: line}); err != nil {
			return err
		}
	}
	if len(data) > auditlog.MaxLine {
		data = nil // a runaway line: skip it
	}
	fw.partial = append([]byte(nil), data...)
	return nil
}

// catchUp prints records from files rotated away since the last poll (the
// writer may rotate several times between two polls).
func (fw *follower) catchUp() error {
	files, err := auditlog.Files(fw.dir)
	if err != nil {
		return err
	}
	if n := len(files); n > 0 && filepath.Base(files[n-1]) == auditlog.ActiveName {
		files = files[:n-1]
	}
	start := len(files)
	for start > 0 && auditlog.FirstSeq(files[start-1]) > fw.after {
		start--
	}
	if start > 0 {
		start-- // the file holding fw.after may continue past it
	}
	for _, name := range files[start:] {
		err := auditlog.ReadFile(name, func(r auditlog.Record) error {
			if r.Event.Seq <= fw.after {
				return nil
			}
			fw.after = r.Event.Seq
			return fw.p.print(r)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
