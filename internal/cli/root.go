// Package cli owns plink's command tree: flags, configuration, prompts,
// and turning a command's outcome into output and an exit code. Commands
// are thin: options → engine (package reconcile: every read, plan, apply
// and AWS call) → render → exit code. Nothing here decides what a plan
// contains or calls AWS (TestCLIReconcilesNothing holds that rule).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/plinkdev/plink/internal/iostreams"
)

// Factory holds what commands share, built lazily so that a command that
// needs no cloud (validate, schema, version) never touches credentials:
// streams, settings and the environment. A run's own state (its activity,
// its --timeout context, the watchdog) is a runState, carried by the
// run's context.
type Factory struct {
	IO     *iostreams.IOStreams
	Config *Config
	// Getenv is os.Getenv, replaceable in tests.
	Getenv func(string) string
}

// StopBound is how long plink waits, after an interrupt or a --timeout,
// for calls in flight to end before it exits anyway.
const StopBound = 10 * time.Second

// Main runs plink with args and returns the process exit code. Cancelling
// ctx stops the command (no new work starts); its cause, when it is an
// *Interrupted, is reported as such.
func Main(ctx context.Context, args []string, ios *iostreams.IOStreams, getenv func(string) string) int {
	return run(ctx, args, ios, getenv, nil)
}

// SignalGrace is how soon after the first signal a second one is the same
// interrupt, not a request to exit at once: GNU timeout -s INT sends the
// signal to plink and again to its process group, and a user may press
// Ctrl-C twice in one go.
const SignalGrace = time.Second

// Run is the process: Main with signal handling. The first signal on sigs
// cancels the command (no new work is started, calls in flight end or are
// abandoned, what was done and what was not is reported, exit 1); if the
// command has not returned StopBound later, exit(1) is called. A second
// signal within SignalGrace of the first is the same interrupt; a later
// one exits at once: 130, or the code of the verdict the run has already
// written (a JSON run's verdict line is written first, with that code).
func Run(args []string, ios *iostreams.IOStreams, getenv func(string) string, sigs <-chan os.Signal, exit func(int)) int {
	// The signal handler and the watchdog write to stderr beside the
	// command: one lock keeps their lines whole.
	cp := *ios
	cp.ErrOut = &lockedWriter{w: ios.ErrOut}
	ios = &cp
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	done := make(chan struct{})
	defer close(done)
	h := &runtimeHooks{exit: exit, done: done}
	go watchSignals(ios.ErrOut, sigs, cancel, h)
	return run(ctx, args, ios, getenv, h)
}

// watchSignals is Run's signal handler: the first signal cancels the run,
// a second after SignalGrace exits at once, until h.done.
func watchSignals(errOut io.Writer, sigs <-chan os.Signal, cancel context.CancelCauseFunc, h *runtimeHooks) {
	var sig os.Signal
	select {
	case sig = <-sigs:
	case <-h.done:
		return
	}
	first := time.Now()
	fmt.Fprintf(errOut, "\nplink: %s received: stopping; %s (a second signal exits at once)\n", signalName(sig), h.state.Load().stopMessage())
	cancel(&Interrupted{Signal: signalName(sig)})
	for {
		select {
		case sig = <-sigs:
			if time.Since(first) < SignalGrace {
				continue // the same interrupt, delivered twice
			}
			fmt.Fprintf(errOut, "plink: %s received again: exiting at once; live state may be partly changed (plink plan shows what remains)\n", signalName(sig))
			h.exit(h.state.Load().forceCode(ExitSignal))
			return
		case <-h.done:
			return
		}
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type runtimeHooks struct {
	exit func(int)
	done chan struct{}
	// state is the run's, for the signal handler (set by run).
	state atomic.Pointer[runState]
}

func run(ctx context.Context, args []string, ios *iostreams.IOStreams, getenv func(string) string, h *runtimeHooks) int {
	f := &Factory{IO: ios, Config: newConfig(), Getenv: getenv}
	st := &runState{errOut: ios.ErrOut, trace: getenv != nil && getenv("PLINK_TRACE") == "phases"}
	if h != nil {
		st.exit, st.done = h.exit, h.done
		h.state.Store(st)
		context.AfterFunc(ctx, st.startWatchdog)
	}
	ctx = withRunState(ctx, st)
	root := NewRootCmd(f)
	root.SetArgs(terraformFlags(args))
	cmd, err := root.ExecuteContextC(ctx)
	path := "plink"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	return report(ios.ErrOut, path, err, stopCause(st.stopContext(ctx)), st.currentActivity())
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	var configPath string
	root := &cobra.Command{
		Use:   "plink",
		Short: "Manage AWS PrivateLink declaratively",
		Long: `plink manages AWS PrivateLink across accounts and regions from a YAML manifest:
endpoint services (providers), who may connect to them, and interface endpoints
(consumers). 'plink plan' diffs the manifest against live state; 'plink apply'
makes live state match, accepting the connections of declared consumers.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.Config.load(configPath, cmd.Flags()); err != nil {
				return err
			}
			if f.Config.Bool("no-color") {
				f.IO.DisableColor()
			}
			if err := checkSettings(f, cmd); err != nil {
				return err
			}
			return refuseNegative(f, cmd.Flags())
		},
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{err} })

	pf := root.PersistentFlags()
	pf.StringVar(&configPath, "config", "", "config file (default .plink.yaml, then $XDG_CONFIG_HOME/plink/config.yaml)")
	pf.StringP("output", "o", "text", "output format: text or json")
	pf.Bool("no-color", false, "never colour output (NO_COLOR is honoured too)")

	root.AddCommand(
		newVersionCmd(f),
		newSchemaCmd(f),
		newValidateCmd(f),
		newPlanCmd(f),
		newShowCmd(f),
		newApplyCmd(f),
		newDestroyCmd(f),
		newConnectionsCmd(f),
		newDriftCmd(f),
		newStatusCmd(f),
		newExportCmd(f),
		newGraphCmd(f),
		newIAMPolicyCmd(f),
		newSandboxCmd(f),
		newShardsCmd(f),
	)
	root.CompletionOptions.HiddenDefaultCmd = false
	registerCompletions(root)
	groupCommands(root)
	return root
}

// refuseNegative refuses a negative duration, count or rate from any
// source (flag, PLINK_*, config file): no setting of plink means anything
// below zero, and a negative timeout or bound would silently mean "none".
func refuseNegative(f *Factory, flags *pflag.FlagSet) error {
	var err error
	flags.VisitAll(func(fl *pflag.Flag) {
		if err != nil || fl.Name == "watch" || fl.Name == "max-accounts" { // their commands say more
			return
		}
		switch fl.Value.Type() {
		case "duration":
			if d := f.Config.Duration(fl.Name); d < 0 {
				err = flagErrorf("invalid %s %s: give a duration of 0 or more, such as %s", f.Config.Source(fl.Name), d, durationExample(fl))
			}
		case "int":
			if n := f.Config.Int(fl.Name); n < 0 {
				err = flagErrorf("invalid %s %d: give 0 or more", f.Config.Source(fl.Name), n)
			}
		case "float64":
			if x := f.Config.Float(fl.Name); x < 0 {
				err = flagErrorf("invalid %s %g: give 0 or more", f.Config.Source(fl.Name), x)
			}
		}
	})
	return err
}

// durationExample is the flag's default when it has one worth showing.
func durationExample(fl *pflag.Flag) string {
	if fl.DefValue != "" && fl.DefValue != "0s" {
		return fl.DefValue
	}
	return "10m"
}

// groupCommands makes every command that only groups others (plink
// sandbox) refuse an unknown subcommand with cobra's suggestion, as the
// root does, instead of printing its help and exiting 0.
func groupCommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		if !sub.Runnable() && sub.HasSubCommands() {
			sub.Args = cobra.ArbitraryArgs
			sub.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return cmd.Help()
				}
				msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
				if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
					msg += cobraSuggestions + "\t" + strings.Join(s, "\n\t") + "\n"
				}
				return errors.New(msg)
			}
		}
		groupCommands(sub)
	}
}

// outputFormat returns the --output setting, checked against allowed.
func outputFormat(f *Factory, allowed ...string) (string, error) {
	o := f.Config.String("output")
	if o == "" {
		o = "text"
	}
	for _, a := range allowed {
		if o == a {
			return o, nil
		}
	}
	return "", flagErrorf("invalid %s %q: valid values are %s", f.Config.Source("output"), o, joinQuoted(allowed))
}

func joinQuoted(vals []string) string {
	s := ""
	for i, v := range vals {
		switch {
		case i == 0:
		case i == len(vals)-1:
			s += " and "
		default:
			s += ", "
		}
		s += fmt.Sprintf("%q", v)
	}
	return s
}

// terraformFlags accepts the single-dash long flags Terraform users type
// (-out FILE, -detailed-exitcode, -auto-approve, -target X) as their
// double-dash forms; pflag would read them as bundles of short flags.
func terraformFlags(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		for _, name := range []string{"out", "detailed-exitcode", "auto-approve", "target"} {
			if a == "-"+name || strings.HasPrefix(a, "-"+name+"=") {
				a = "-" + a
				break
			}
		}
		out = append(out, a)
	}
	return out
}
