package cli

import (
	"errors"

	"github.com/moat-dev/moat/internal/cli/cmdutil"
)

// ExitCode is the one map from a command's error to the process exit code:
// 0 ok, 1 findings at or above the threshold, 2 usage or input error,
// 3 runtime failure.
func ExitCode(err error) int {
	if err == nil {
		return cmdutil.ExitOK
	}
	var silent *cmdutil.SilentError
	if errors.As(err, &silent) {
		return silent.Code
	}
	if errors.Is(err, cmdutil.ErrFindings) {
		return cmdutil.ExitFindings
	}
	var usage *cmdutil.UsageError
	if errors.As(err, &usage) {
		return cmdutil.ExitUsage
	}
	return cmdutil.ExitRuntime
}
