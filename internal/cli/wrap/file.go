package wrap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/discover"
	"github.com/moat-dev/moat/internal/secrets"
	"github.com/moat-dev/moat/internal/wrap"
)

// wrapFile wraps one configuration file.
func wrapFile(f *cmdutil.Factory, o *options, t target, exe string) error {
	format, err := wrap.FormatOf(t.path)
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "moat wrap: %s: skipped: %v\n", t.path, err)
		return nil
	}
	real, data, mode, err := readConfig(t.path)
	if err != nil {
		return err
	}
	res, err := wrap.Wrap(format, data, wrap.Options{Moat: exe, Only: o.only, Client: clientOf(t)})
	if err != nil {
		return err
	}
	o.matched += len(res.Records) + len(res.Skipped)
	already := 0
	for _, s := range res.Skipped {
		if s.Already {
			already++
			continue
		}
		fmt.Fprintf(f.IO.ErrOut, "moat wrap: %s: server %q left as it is: %s\n", t.path, s.Server, redact(s.Reason, res.Secrets))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(f.IO.ErrOut, "moat wrap: %s: note: %s\n", t.path, n)
	}
	if len(res.Records) == 0 {
		fmt.Fprintf(f.IO.Out, "%s: nothing to wrap (%d already through moat)\n", t.path, already)
		return nil
	}
	if o.dryRun {
		fmt.Fprint(f.IO.Out, redact(wrap.Diff(data, res.Data, t.path, t.path+" (wrapped)"), res.Secrets))
		return nil
	}
	sc, err := readSidecar(real)
	if err != nil && !errors.Is(err, errNoRecord) {
		return fmt.Errorf("%w; move the sidecar away or fix it, then try again", err)
	}
	backup, err := writeBackup(real, data, mode, f.Now())
	if err != nil {
		return err
	}
	at := f.Now().UTC().Format(time.RFC3339)
	for _, r := range res.Records {
		sc.Add(wrap.Entry{Record: r, WrappedAt: at, Backup: backup})
	}
	if err := writeAtomic(real+wrap.SidecarSuffix, sc.Marshal(), 0o600, nil); err != nil {
		return err
	}
	if err := writeAtomic(real, res.Data, mode, data); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "%s: wrapped %d server(s)%s; backup %s\n", t.path, len(res.Records), alreadyNote(already), backup)
	return nil
}

// clientOf is the client reading a target: the one discovery found it
// for, else the one its path names.
func clientOf(t target) string {
	if t.client != "" {
		return t.client
	}
	_, c := discover.ForFile(t.path)
	return c.Client
}

// redact hides the credentials wrap moved (wherever they appear) and
// anything else that looks like a secret before a diff is printed.
func redact(diff string, moved []string) string {
	out, _ := secrets.Redact(wrap.Redact(diff, moved))
	return out
}

// movedSecrets are the literal credentials wrapping the restored content
// would move into an environment: the values an unwrap diff must hide.
func movedSecrets(format wrap.Format, restored []byte, t target) []string {
	res, err := wrap.Wrap(format, restored, wrap.Options{Moat: "moat", Client: clientOf(t)})
	if err != nil {
		return nil
	}
	return res.Secrets
}

func alreadyNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d already through moat)", n)
}

// unwrapFile restores one file; it returns how many entries it refused.
func unwrapFile(f *cmdutil.Factory, o *options, t target) (int, error) {
	format, err := wrap.FormatOf(t.path)
	if err != nil {
		return 0, nil // never wrapped
	}
	real, data, mode, err := readConfig(t.path)
	if err != nil {
		return 0, err
	}
	sc, err := readSidecar(real)
	if errors.Is(err, errNoRecord) {
		fmt.Fprintf(f.IO.Out, "%s: nothing to unwrap (no %s)\n", t.path, filepath.Base(real)+wrap.SidecarSuffix)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	out, restored, refused, err := wrap.Unwrap(format, data, sc.Records(), o.only)
	if err != nil {
		return 0, err
	}
	o.matched += len(restored) + len(refused)
	for _, r := range refused {
		fmt.Fprintf(f.IO.ErrOut, "moat unwrap: %s: server %q not restored: %s\n", t.path, r.Record.Server, r.Reason)
	}
	if len(restored) == 0 {
		fmt.Fprintf(f.IO.Out, "%s: nothing to unwrap\n", t.path)
		return len(refused), nil
	}
	if o.dryRun {
		fmt.Fprint(f.IO.Out, redact(wrap.Diff(data, out, t.path, t.path+" (unwrapped)"), movedSecrets(format, out, t)))
		return len(refused), nil
	}
	backup, err := writeBackup(real, data, mode, f.Now())
	if err != nil {
		return len(refused), err
	}
	if err := writeAtomic(real, out, mode, data); err != nil {
		return len(refused), err
	}
	sc.Remove(restored)
	if len(sc.Entries) == 0 {
		if err := os.Remove(real + wrap.SidecarSuffix); err != nil {
			return len(refused), fmt.Errorf("restored, but could not remove the record: %w", err)
		}
	} else if err := writeAtomic(real+wrap.SidecarSuffix, sc.Marshal(), 0o600, nil); err != nil {
		return len(refused), err
	}
	fmt.Fprintf(f.IO.Out, "%s: restored %d server(s); backup %s\n", t.path, len(restored), backup)
	return len(refused), nil
}

// readConfig resolves symlinks (the link stays; its target is edited) and
// reads the file, bounded.
func readConfig(p string) (string, []byte, fs.FileMode, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", nil, 0, fmt.Errorf("cannot read: %w", err)
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", nil, 0, fmt.Errorf("cannot read: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", nil, 0, fmt.Errorf("not a regular file")
	}
	data, err := readBounded(real)
	return real, data, st.Mode().Perm(), err
}

func readBounded(p string) ([]byte, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, wrap.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if len(data) > wrap.MaxSize {
		return nil, fmt.Errorf("larger than %d MiB; moat leaves it alone", wrap.MaxSize>>20)
	}
	return data, nil
}

// readSidecar reads <real>.moat-wrap.json; errNoRecord when there is none.
func readSidecar(real string) (wrap.Sidecar, error) {
	data, err := readBounded(real + wrap.SidecarSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return wrap.Sidecar{}, errNoRecord
	}
	if err != nil {
		return wrap.Sidecar{}, err
	}
	sc, err := wrap.ParseSidecar(data)
	if err != nil {
		return sc, fmt.Errorf("%s: %w", real+wrap.SidecarSuffix, err)
	}
	return sc, nil
}

// writeBackup copies data to <real>.moat-backup-<unix time> (with a
// counter if that exists), with the file's mode.
func writeBackup(real string, data []byte, mode fs.FileMode, now time.Time) (string, error) {
	base := real + ".moat-backup-" + strconv.FormatInt(now.Unix(), 10)
	for i := 0; i < 100; i++ {
		p := base
		if i > 0 {
			p += "-" + strconv.Itoa(i)
		}
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("cannot write the backup: %w", err)
		}
		_, err = fh.Write(data)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(p)
			return "", fmt.Errorf("cannot write the backup: %w", err)
		}
		return p, nil
	}
	return "", fmt.Errorf("cannot write the backup: too many backups named %s-*", base)
}

// writeAtomic replaces p with data through a temporary file in the same
// directory. When expect is non-nil, p must still hold exactly expect just
// before the rename (another program, such as the client itself, may have
// rewritten it meanwhile).
func writeAtomic(p string, data []byte, mode fs.FileMode, expect []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".moat-*")
	if err != nil {
		return fmt.Errorf("cannot write: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name)
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write: %w", err)
	}
	if expect != nil {
		now, err := readBounded(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(now, expect) {
			return fmt.Errorf("the file changed while moat was editing it (is the client running?); nothing was written, try again")
		}
	}
	if err := os.Rename(name, p); err != nil {
		return fmt.Errorf("cannot write: %w", err)
	}
	return nil
}
