// Command plink manages AWS PrivateLink declaratively. See README.md.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/plinkdev/plink/internal/cli"
	"github.com/plinkdev/plink/internal/iostreams"
)

func main() { os.Exit(run()) }

// run is the whole program. SIGINT and SIGTERM are handled like
// Terraform: the first stops the command (servers stop, no new work
// starts, what was done is reported), a second exits at once.
func run() int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return cli.Run(os.Args[1:], iostreams.System(), os.Getenv, sigs, os.Exit)
}
