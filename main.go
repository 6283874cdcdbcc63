// Command cosmosctl queries Azure Cosmos DB with a Microsoft Entra ID identity.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/cosmosctl/cosmosctl/cmd"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Set by ldflags in release builds (see .goreleaser.yaml).
var (
	version = ""
	commit  = ""
	date    = ""
)

// interruptGrace is how long a signalled run may take to wind down on
// its own before the watchdog ends the process.
const interruptGrace = 800 * time.Millisecond

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	// Stays registered until exit: a second signal must reach the watchdog,
	// not the default handler, so the exit code stays 130.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go watchdog(sigs, cancel, interruptGrace, os.Stderr, os.Exit)
	f := cmdutil.New(buildInfo())
	err := cmd.Execute(ctx, f, os.Args[1:])
	interrupted := ctx.Err() != nil
	if err != nil && interrupted && !errors.Is(err, context.Canceled) {
		err = &errs.Error{Kind: errs.KindInterrupted, Msg: "interrupted", Err: err}
	}
	errs.Print(f.IOStreams.ErrOut, err, f.Flags.Debug)
	os.Exit(errs.ExitCode(err))
}

// watchdog cancels the run's context on the first signal. Cancellation is
// not enough on its own: a write to a pipe nobody reads, a keyring prompt
// or a read of stdin does not observe the context. So if the process is
// still alive after grace, or a second signal comes, it says so on stderr
// and exits 130, the code of an interrupted run (for SIGTERM too, as on
// the normal path). Clean-ups that take longer than grace (the sandbox's
// takes at most 0.5 s) are cut short.
func watchdog(sigs <-chan os.Signal, cancel context.CancelFunc, grace time.Duration, stderr io.Writer, exit func(int)) {
	<-sigs
	cancel()
	t := time.NewTimer(grace)
	select {
	case <-t.C:
	case <-sigs:
	}
	// stderr may be a stalled pipe as well: do not wait on it for long.
	done := make(chan struct{})
	go func() {
		fmt.Fprintln(stderr, "cosmosctl: interrupted")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(100 * time.Millisecond):
	}
	exit(errs.ExitInterrupted)
}

// buildInfo prefers ldflags values and falls back to what `go build` and
// `go install` record in the binary.
func buildInfo() cmdutil.BuildInfo {
	info, _ := debug.ReadBuildInfo()
	return buildInfoFrom(cmdutil.BuildInfo{Version: version, Commit: commit, Date: date}, info)
}

// buildInfoFrom fills what ldflags left empty from info (nil without
// any): the module version (a tag, or the pseudo-version that `go build`
// in a git checkout derives from the commit) and the VCS revision and time
// (`go run` records none). What stays unknown is "dev" and "unknown".
func buildInfoFrom(b cmdutil.BuildInfo, info *debug.BuildInfo) cmdutil.BuildInfo {
	if info != nil {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}
