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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], iostreams.System(), os.Getenv)
	stop()
	os.Exit(code)
}
