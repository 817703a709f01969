// Package run implements `moat run`: a transparent MCP proxy around one
// server. The client starts moat as its stdio MCP server; moat starts the
// real server as a child (or connects to a remote one with --url) and relays
// every message through the proxy core, where policy and screening hooks
// plug in.
package run

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/proxy"
	"github.com/moat-dev/moat/internal/transport"
)

type options struct {
	name        string
	guard       guardFlags
	url         string
	headers     []string
	headerEnv   []string
	bearerEnv   string
	maxSize     string
	callTimeout time.Duration
	maxCallTime time.Duration
	grace       time.Duration
	sandbox     sandboxFlags
}

// NewCmd returns the run command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "run [flags] -- COMMAND [ARGS...] | run --name NAME --url URL",
		Short: "Run one MCP server behind moat's transparent proxy",
		Long: "moat run speaks MCP over stdio to the client that started it and relays every\n" +
			"message to the real server: a child process (after --) or a remote server (--url,\n" +
			"Streamable HTTP with a fallback to legacy SSE). Messages moat does not change pass\n" +
			"through byte for byte. The server's stderr passes through; moat exits with the\n" +
			"server's exit status. See docs/run.md.",
		Example: "  moat run --name files -- npx -y @modelcontextprotocol/server-filesystem ~/src\n" +
			"  moat run --name remote --url https://mcp.example.com/mcp --header 'Authorization=Bearer $TOKEN'",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runE(cmd.Context(), f, o, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.name, "name", "", "server name used in policy, pins and the audit log (default: the command's base name or the URL host)")
	fl.StringVar(&o.url, "url", "", "remote MCP endpoint (Streamable HTTP, falling back to legacy SSE)")
	fl.StringArrayVar(&o.headers, "header", nil, "HTTP header K=V sent to the --url server (repeatable)")
	fl.StringArrayVar(&o.headerEnv, "header-env", nil, "HTTP header NAME=VAR whose value is read from environment variable VAR, so secrets stay off the command line (repeatable)")
	fl.StringVar(&o.bearerEnv, "bearer-env", "", "send Authorization: Bearer <value of environment variable VAR> to the --url server (Codex's bearer_token_env_var)")
	fl.StringVar(&o.maxSize, "max-message-size", "16MiB", "largest JSON-RPC message accepted from either side (e.g. 512KiB, 16MiB, 64MiB)")
	fl.DurationVar(&o.callTimeout, "call-timeout", proxy.DefaultCallTimeout, "how long a request may wait for its answer before the caller gets an error")
	fl.DurationVar(&o.maxCallTime, "max-call-time", proxy.DefaultMaxCallTime, "progress notifications restart --call-timeout, but no request waits longer than this in total")
	addSandboxFlags(fl, &o.sandbox)
	addGuardFlags(fl, &o.guard)
	fl.DurationVar(&o.grace, "shutdown-grace", 2*time.Second, "how long to wait for the server after closing its stdin, and again after SIGTERM, before killing it")
	return cmd
}

func runE(ctx context.Context, f *cmdutil.Factory, o *options, args []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	maxSize, err := parseSize(o.maxSize)
	if err != nil {
		return cmdutil.Usagef("--max-message-size: %v", err)
	}
	if _, err := o.guard.options("", ""); err != nil {
		return err
	}
	if o.callTimeout <= 0 {
		return cmdutil.Usagef("--call-timeout must be positive")
	}
	if o.maxCallTime < o.callTimeout {
		return cmdutil.Usagef("--max-call-time (%s) must be at least --call-timeout (%s)", o.maxCallTime, o.callTimeout)
	}
	limits := proxy.Limits{MaxMessageSize: maxSize, CallTimeout: o.callTimeout, MaxCallTime: o.maxCallTime}
	o.name = serverName(o, args)
	log := newLogger(f).With("server", o.name)
	switch {
	case o.url != "" && len(args) > 0:
		return cmdutil.Usagef("give either --url or a command after --, not both")
	case o.url != "" && o.sandbox.mode != "off":
		return cmdutil.Usagef("--sandbox confines a server moat starts; it does not apply to --url")
	case o.url != "":
		return runRemote(ctx, f, o, limits, log)
	case len(args) == 0:
		return cmdutil.Usagef("missing server command: moat run [flags] -- COMMAND [ARGS...]")
	}
	return runChild(ctx, f, o, args, limits, log)
}

// serverName is --name, else the URL's host, else the command's base name.
func serverName(o *options, args []string) string {
	switch {
	case o.name != "":
		return o.name
	case o.url != "":
		if u, err := url.Parse(o.url); err == nil && u.Hostname() != "" {
			return u.Hostname()
		}
	case len(args) > 0:
		return filepath.Base(args[0])
	}
	return "server"
}

// newLogger writes moat's own diagnostics to stderr, after the server's.
// MOAT_LOG=debug|info|warn|error picks the level (default warn).
func newLogger(f *cmdutil.Factory) *slog.Logger {
	level := slog.LevelWarn
	_ = level.UnmarshalText([]byte(f.IO.Getenv("MOAT_LOG")))
	h := slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: level})
	return slog.New(h).With("component", "moat run")
}

func runChild(ctx context.Context, f *cmdutil.Factory, o *options, args []string, limits proxy.Limits, log *slog.Logger) error {
	sb, err := startSandbox(f, o, args)
	if err != nil {
		return err
	}
	defer sb.close()
	proc, err := transport.Command{
		Path: args[0], Args: args[1:], Stderr: f.IO.ErrOut,
		MaxFrame: limits.MaxMessageSize, Grace: o.grace, Prepare: sb.prepare,
	}.Start()
	if err != nil {
		return err
	}
	sb.started()
	client := transport.NewStream(f.IO.In, f.IO.Out, nil, transport.StreamOptions{MaxFrame: limits.MaxMessageSize})
	p := &proxy.Proxy{Client: client, Upstream: proc.Conn, Limits: limits, Logger: log}
	gd, err := startGuard(f, o, args, "stdio", p, log)
	if err != nil {
		_ = proc.Stop(context.Background())
		return err
	}
	defer gd.close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	// A client that goes away must not kill moat with SIGPIPE before it has
	// stopped the server: writes then fail with EPIPE instead. (Notify, not
	// Ignore, so the child does not inherit an ignored SIGPIPE.)
	pipes := make(chan os.Signal, 1)
	signal.Notify(pipes, syscall.SIGPIPE)
	defer signal.Stop(pipes)
	result := make(chan error, 1)
	go func() { result <- p.Run(ctx) }()

	select {
	case err = <-result:
	case sig := <-sigs:
		log.Debug("forwarding signal to the server", "signal", sig.String())
		_ = proc.Signal(sig)
		// Let the server act on the signal before Stop closes its stdin:
		// otherwise it may see end of input first and exit 0, and the
		// signal would not propagate.
		select {
		case <-proc.Done():
		case <-time.After(o.grace):
		}
		cancel()
		err = <-result
	}
	if errors.Is(err, proxy.ErrServerClosed) {
		// Give a crashed server a moment to be reaped so its status is real.
		select {
		case <-proc.Done():
		case <-time.After(o.grace):
		}
	}
	status := proc.Stop(context.Background())
	_ = client.Close()
	return exitWith(f, status, err)
}

// exitWith turns the server's exit status into moat's.
func exitWith(f *cmdutil.Factory, st transport.ExitStatus, runErr error) error {
	if st.Code == 0 {
		return nil
	}
	what := "exit status " + strconv.Itoa(st.Code)
	if st.Signal != 0 {
		what = "signal " + st.Signal.String()
	}
	if errors.Is(runErr, proxy.ErrServerClosed) {
		fmt.Fprintf(f.IO.ErrOut, "moat: the MCP server ended with %s\n", what)
	}
	return &cmdutil.SilentError{Code: st.Code}
}

// parseSize reads a byte count with an optional KiB/MiB/GiB (or KB/MB/GB,
// treated as binary) suffix.
func parseSize(s string) (int, error) {
	s = strings.TrimSpace(s)
	mult := 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive size such as 16MiB", s)
	}
	if n > (1<<30)/mult {
		return 0, fmt.Errorf("%q is too large (max 1GiB)", s)
	}
	return n * mult, nil
}
