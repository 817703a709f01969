package run

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/proxy"
	"github.com/moat-dev/moat/internal/transport"
)

// runRemote relays a stdio client to a remote server: Streamable HTTP,
// falling back to legacy SSE.
func runRemote(ctx context.Context, f *cmdutil.Factory, o *options, limits proxy.Limits, log *slog.Logger) error {
	u, err := url.Parse(o.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cmdutil.Usagef("--url %q: want an http:// or https:// URL", o.url)
	}
	hdr, err := parseHeaders(o.headers)
	if err != nil {
		return err
	}
	if err := addEnvHeaders(hdr, o.headerEnv, f.IO.Getenv); err != nil {
		return err
	}
	if err := addBearerEnv(hdr, o.bearerEnv, f.IO.Getenv); err != nil {
		return err
	}
	up := transport.DialHTTP(transport.HTTPOptions{URL: o.url, Header: hdr, MaxFrame: limits.MaxMessageSize, Logger: log})
	defer up.Close()
	client := transport.NewStream(f.IO.In, f.IO.Out, nil, transport.StreamOptions{MaxFrame: limits.MaxMessageSize})
	defer client.Close()
	p := &proxy.Proxy{Client: client, Upstream: up, Limits: limits, Logger: log}
	gd, err := startGuard(f, o, []string{o.url}, "http", p, log)
	if err != nil {
		return err
	}
	defer gd.close()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	err = p.Run(ctx)
	switch {
	case err == nil, ctx.Err() != nil:
		return nil
	case errors.Is(err, proxy.ErrClientClosed):
		return nil
	}
	return err
}

// parseHeaders reads repeated --header K=V (or "K: V") values.
func parseHeaders(kvs []string) (http.Header, error) {
	h := http.Header{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			k, v, ok = strings.Cut(kv, ":")
		}
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n") {
			return nil, cmdutil.Usagef("--header %q: want NAME=VALUE", kv)
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, nil
}

// addBearerEnv sets Authorization: Bearer <$VAR> for --bearer-env VAR; an
// unset variable is an error, as for --header-env.
func addBearerEnv(h http.Header, v string, getenv func(string) string) error {
	if v == "" {
		return nil
	}
	val := getenv(v)
	if val == "" {
		return cmdutil.Usagef("--bearer-env: environment variable %s is not set", v)
	}
	if strings.ContainsAny(val, "\r\n") {
		return cmdutil.Usagef("--bearer-env: the value of %s contains a line break", v)
	}
	h.Set("Authorization", "Bearer "+val)
	return nil
}

// addEnvHeaders adds repeated --header-env NAME=VAR values: the header's
// value is the environment variable VAR. An unset or empty variable is an
// error rather than a request sent without its credentials.
func addEnvHeaders(h http.Header, kvs []string, getenv func(string) string) error {
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" || strings.ContainsAny(k, " \t\r\n:") {
			return cmdutil.Usagef("--header-env %q: want NAME=ENV_VAR", kv)
		}
		val := getenv(v)
		if val == "" {
			return cmdutil.Usagef("--header-env %s: environment variable %s is not set", k, v)
		}
		if strings.ContainsAny(val, "\r\n") {
			return cmdutil.Usagef("--header-env %s: the value of %s contains a line break", k, v)
		}
		h.Add(k, val)
	}
	return nil
}
