// Command cosmosctl queries Azure Cosmos DB with a Microsoft Entra ID identity.
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	f := cmdutil.New(buildInfo())
	err := cmd.Execute(ctx, f, os.Args[1:])
	interrupted := ctx.Err() != nil
	stop()
	if err != nil && interrupted && !errors.Is(err, context.Canceled) {
		err = &errs.Error{Kind: errs.KindInterrupted, Msg: "interrupted", Err: err}
	}
	errs.Print(f.IOStreams.ErrOut, err, f.Flags.Debug)
	os.Exit(errs.ExitCode(err))
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
