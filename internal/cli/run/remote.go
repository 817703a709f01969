package run

import (
	"context"
	"log/slog"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
	"github.com/moat-dev/moat/internal/proxy"
)

func runRemote(ctx context.Context, f *cmdutil.Factory, o *options, limits proxy.Limits, log *slog.Logger) error {
	return cmdutil.Usagef("--url is not implemented yet")
}
