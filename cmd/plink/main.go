// Command plink manages AWS PrivateLink declaratively. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/plinkdev/plink/internal/cli"
	"github.com/plinkdev/plink/internal/iostreams"
)

func main() { os.Exit(run()) }

// run is the whole program; Ctrl-C or SIGTERM cancels the command's context
// so that servers stop and waits end cleanly.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Main(ctx, os.Args[1:], iostreams.System(), os.Getenv)
}
