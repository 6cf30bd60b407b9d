package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/sandbox"
)

const defaultSandboxAddr = "127.0.0.1:4566"

func newSandboxCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "A local AWS for PrivateLink (EC2, ELBv2 and STS) for trying plink and for tests",
		Long: `The sandbox is a local AWS that speaks the EC2, ELBv2 and STS Query APIs, so any
AWS SDK or the AWS CLI can talk to it. It models several accounts and regions,
PrivateLink's states (pendingAcceptance, available, rejected) and error codes.

'--sandbox' on plan, apply, drift and export runs an in-process sandbox whose
state persists in .plink/; 'plink sandbox serve' serves one for other tools.`,
	}
	cmd.AddCommand(newSandboxServeCmd(f), newSandboxEnvCmd(f), newSandboxResetCmd(f))
	return cmd
}

func loadWorldFlag(path string) (*sandbox.World, error) {
	if path == "" {
		return sandbox.DefaultWorld(), nil
	}
	return sandbox.LoadWorld(path)
}

func newSandboxServeCmd(f *Factory) *cobra.Command {
	var (
		addr, worldPath, statePath string
		o                          sandbox.Options
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the sandbox on a loopback address until interrupted",
		Example: `  plink sandbox serve
  eval "$(plink sandbox env --account checkout)"; aws ec2 describe-vpc-endpoints`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := loadWorldFlag(worldPath)
			if err != nil {
				return err
			}
			o.StatePath = statePath
			sb, err := sandbox.New(w, o)
			if err != nil {
				return err
			}
			url, stop, err := sb.Start(addr)
			if err != nil {
				return withHint(err, "pick another --addr, e.g. 127.0.0.1:0 for a free port")
			}
			fmt.Fprintf(f.IO.Out, "# plink sandbox serving at %s (Ctrl-C to stop)\n", url)
			for _, a := range w.Accounts {
				fmt.Fprint(f.IO.Out, sb.EnvBlock(a.Alias, url))
			}
			<-cmd.Context().Done()
			fmt.Fprintln(f.IO.ErrOut, "plink sandbox: stopping")
			return stop()
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&addr, "addr", defaultSandboxAddr, "loopback address to listen on (port 0 picks a free one)")
	fs.StringVar(&worldPath, "world", "", "world file (default: the built-in world)")
	fs.StringVar(&statePath, "state", "", "persist state to this file (default: in memory)")
	fs.DurationVar(&o.Latency, "latency", 0, "added to every API call")
	fs.BoolVar(&o.Throttle, "throttle", false, "enforce AWS's API throttling token buckets")
	fs.Float64Var(&o.ThrottleScale, "throttle-scale", 1, "scale the throttling buckets (below 1 is stricter)")
	fs.Float64Var(&o.ErrorRate, "error-rate", 0, "fraction of calls that fail with 500/503")
	fs.Float64Var(&o.ResetRate, "reset-rate", 0, "fraction of calls whose connection is reset")
	fs.DurationVar(&o.ConsistencyDelay, "consistency-delay", 0, "new resources stay invisible to Describe calls this long")
	fs.DurationVar(&o.ServiceAvailableDelay, "service-delay", 0, "time a new endpoint service stays Pending")
	fs.DurationVar(&o.EndpointAvailableDelay, "endpoint-delay", 2*time.Second, "time an endpoint stays pending after creation or acceptance")
	fs.BoolVar(&o.AutoVerifyPrivateDNS, "verify-private-dns", false, "mark new private DNS names verified at once")
	return cmd
}

func newSandboxEnvCmd(f *Factory) *cobra.Command {
	var url, worldPath, account string
	cmd := &cobra.Command{
		Use:     "env --account ALIAS",
		Short:   "Print shell exports that point AWS tools at a running sandbox as one account",
		Example: `  eval "$(plink sandbox env --account payments)"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := loadWorldFlag(worldPath)
			if err != nil {
				return err
			}
			sb, err := sandbox.New(w, sandbox.Options{})
			if err != nil {
				return err
			}
			if account == "" {
				for _, a := range w.Accounts {
					fmt.Fprint(f.IO.Out, sb.EnvBlock(a.Alias, url))
				}
				return nil
			}
			if _, _, err := sb.Credentials(account); err != nil {
				return err
			}
			fmt.Fprint(f.IO.Out, sb.EnvBlock(account, url))
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "http://"+defaultSandboxAddr, "the running sandbox's URL")
	cmd.Flags().StringVar(&worldPath, "world", "", "world file (default: the built-in world)")
	cmd.Flags().StringVar(&account, "account", "", "account alias or id (default: every account)")
	return cmd
}

func newSandboxResetCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Forget everything created in the --sandbox state (the world stays)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := f.Config.String("sandbox-dir")
			p := filepath.Join(dir, "sandbox-state.json")
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				return err
			}
			fmt.Fprintf(f.IO.Out, "sandbox state in %s reset\n", dir)
			return nil
		},
	}
	cmd.Flags().String("sandbox-dir", ".plink", "directory of the sandbox's state")
	return cmd
}
