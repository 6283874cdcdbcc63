// Command gen writes cosmosctl's command reference: Markdown pages into
// docs/reference (checked in, so the docs stay browsable) or man pages.
//
//	go run ./docs/gen -md docs/reference
//	go run ./docs/gen -man DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spf13/cobra/doc"

	"github.com/cosmosctl/cosmosctl/cmd"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
)

func main() {
	md := flag.String("md", "", "write Markdown reference pages into this directory")
	man := flag.String("man", "", "write man pages into this directory")
	flag.Parse()
	if *md == "" && *man == "" {
		fmt.Fprintln(os.Stderr, "usage: gen -md DIR | -man DIR")
		os.Exit(2)
	}
	if err := generate(*md, *man); err != nil {
		fail(err)
	}
}

// generate writes the Markdown reference into md and man pages into man
// (either may be empty).
func generate(md, man string) error {
	f := cmdutil.New(cmdutil.BuildInfo{Version: "reference"})
	root := cmd.NewRootCmd(f)
	root.DisableAutoGenTag = true
	if md != "" {
		if err := os.MkdirAll(md, 0o755); err != nil {
			return err
		}
		if err := doc.GenMarkdownTree(root, md); err != nil {
			return err
		}
	}
	if man != "" {
		if err := os.MkdirAll(man, 0o755); err != nil {
			return err
		}
		hdr := &doc.GenManHeader{Title: "COSMOSCTL", Section: "1", Source: "cosmosctl"}
		if err := doc.GenManTree(root, hdr, man); err != nil {
			return err
		}
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
