// Command plink manages AWS PrivateLink declaratively. See README.md.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/internal/cli"
	"github.com/plinkdev/plink/internal/iostreams"
	"github.com/plinkdev/plink/internal/memlimit"
)

func main() {
	memlimit.ApplyDefault(os.Getenv)
	exit(run())
}

// exit ends the process, first killing the credential helpers plink
// started that still run, and anything else below it (a helper the SDK
// ran for a role chain): os.Exit skips deferred calls and context
// callbacks, and a helper must not outlive plink.
func exit(code int) {
	awsenv.StopHelpers()
	awsenv.StopChildren()
	os.Exit(code)
}

// run is the whole program. SIGINT and SIGTERM are handled like
// Terraform: the first stops the command (servers stop, no new work
// starts, what was done is reported), a second exits at once.
func run() int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return cli.Run(os.Args[1:], iostreams.System(), os.Getenv, sigs, exit)
}
