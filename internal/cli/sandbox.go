package cli

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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
PrivateLink's states, quotas and error codes; 'plink sandbox force' puts a
resource of a running sandbox into any state AWS can report.

'--sandbox' on plan, apply, drift and export runs an in-process sandbox whose
state persists in .plink/; 'plink sandbox serve' serves one for other tools.`,
	}
	cmd.AddCommand(newSandboxServeCmd(f), newSandboxEnvCmd(f), newSandboxResetCmd(f), newSandboxForceCmd(f), newSandboxCallsCmd(f))
	return cmd
}

func loadWorldFlag(path string) (*sandbox.World, error) {
	if path == "" {
		return sandbox.DefaultWorld(), nil
	}
	return sandbox.LoadWorld(path)
}

func newSandboxServeCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the sandbox on a loopback address until interrupted",
		Example: `  plink sandbox serve
  eval "$(plink sandbox env --account checkout)"; aws ec2 describe-vpc-endpoints`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			run := newSandboxServeRun(f)
			w, err := loadWorldFlag(run.world)
			if err != nil {
				return err
			}
			sb, err := sandbox.New(w, run.options)
			if err != nil {
				return err
			}
			url, stop, err := sb.Start(run.addr)
			if err != nil {
				return withHint(err, "pick another --addr, e.g. 127.0.0.1:0 for a free port")
			}
			fmt.Fprintf(f.IO.Out, "# plink sandbox serving at %s (Ctrl-C to stop)\n", url)
			stateOf(cmd.Context()).setStopNote("the sandbox stops taking requests and exits")
			for _, a := range w.Accounts {
				fmt.Fprint(f.IO.Out, sb.EnvBlock(a.Alias, url))
			}
			<-cmd.Context().Done()
			fmt.Fprintln(f.IO.ErrOut, "plink sandbox: stopping")
			return stop()
		},
	}
	fs := cmd.Flags()
	fs.String("addr", defaultSandboxAddr, "loopback address to listen on (port 0 picks a free one)")
	fs.String("world", "", "world file (default: the built-in world)")
	fs.String("state", "", "persist state to this file (default: in memory)")
	fs.Duration("latency", 0, "added to every API call")
	fs.Bool("throttle", false, "enforce AWS's API throttling token buckets")
	fs.Float64("throttle-scale", 1, "scale the throttling buckets (below 1 is stricter)")
	fs.Float64("error-rate", 0, "fraction of calls that fail with 500/503")
	fs.Float64("reset-rate", 0, "fraction of calls whose connection is reset")
	fs.Duration("consistency-delay", 0, "new resources stay invisible to Describe calls this long")
	fs.Duration("service-delay", 0, "time a new endpoint service stays Pending")
	fs.Duration("service-delete-delay", 2*time.Second, "time a deleted endpoint service stays Deleting, then Deleted, before it is gone")
	fs.Duration("endpoint-delay", 2*time.Second, "time an endpoint stays pending after creation or acceptance (and deleting, then deleted, after deletion)")
	fs.Bool("verify-private-dns", false, "mark new private DNS names verified at once")
	fs.Duration("dns-verify-delay", 2*time.Second, "time a private DNS name stays pendingVerification after its verification starts, before it is verified or failed")
	fs.Duration("dns-change-delay", 2*time.Second, "time a Route 53 change stays PENDING before it is INSYNC")
	return cmd
}

func newSandboxEnvCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "env --account ALIAS",
		Short:   "Print shell exports (with -o json, one JSON object per account) that point AWS tools at a running sandbox as one account",
		Example: `  eval "$(plink sandbox env --account payments)"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			run := newSandboxEnvRun(f)
			url, account := run.url, run.account
			w, err := loadWorldFlag(run.world)
			if err != nil {
				return err
			}
			sb, err := sandbox.New(w, sandbox.Options{})
			if err != nil {
				return err
			}
			for _, a := range w.Accounts {
				if account != "" && account != a.Alias && account != a.ID {
					continue
				}
				if !run.json {
					fmt.Fprint(f.IO.Out, sb.EnvBlock(a.Alias, url))
					continue
				}
				if err := writeSandboxEnvJSON(f, sb, w, a.Alias, a.ID, url); err != nil {
					return err
				}
			}
			if account != "" {
				if _, _, err := sb.Credentials(account); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().String("url", "http://"+defaultSandboxAddr, "the running sandbox's URL")
	cmd.Flags().String("world", "", "world file (default: the built-in world)")
	cmd.Flags().String("account", "", "account alias or id (default: every account)")
	return cmd
}

// writeSandboxEnvJSON is one account's exports as a JSON line (-o json):
// {"account":..., "id":..., "env":{"AWS_ENDPOINT_URL":..., ...}}, the
// same variables as the shell block.
func writeSandboxEnvJSON(f *Factory, sb *sandbox.Sandbox, w *sandbox.World, alias, id, url string) error {
	key, secret, err := sb.Credentials(alias)
	if err != nil {
		return err
	}
	region := "us-east-1"
	if len(w.Regions) > 0 {
		region = w.Regions[0]
	}
	return writeJSON(f.IO.Out, map[string]any{"account": alias, "id": id, "env": map[string]string{
		"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
		"AWS_REGION": region, "AWS_DEFAULT_REGION": region,
	}})
}

func newSandboxResetCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Forget everything created in the --sandbox state, or in a serve --state file (the world stays)",
		Example: `  plink sandbox reset
  plink sandbox reset --state sandbox.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			run := newSandboxResetRun(f)
			p, where := run.state, run.state
			if p == "" {
				where = run.sandboxDir
				p = filepath.Join(where, "sandbox-state.json")
			}
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				return err
			}
			fmt.Fprintf(f.IO.Out, "sandbox state in %s reset\n", where)
			return nil
		},
	}
	cmd.Flags().String("sandbox-dir", ".plink", "directory of the sandbox's state")
	cmd.Flags().String("state", "", "reset this state file of 'plink sandbox serve --state' instead")
	return cmd
}

// forceKinds maps the force command's resource words to the control
// path's kinds.
var forceKinds = map[string]string{
	"endpoint": "endpoint", "service": "service", "load-balancer": "load-balancer", "lb": "load-balancer",
}

func newSandboxForceCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "force endpoint|service|load-balancer ID STATE",
		Short: "Put a resource of a running sandbox into a state, as AWS would report it",
		Long: `force puts a resource of a running 'plink sandbox serve' into any state AWS can
report, to try how plink (or anything else) behaves there:

  endpoint vpce-…       ` + strings.Join(sandbox.EndpointStates, ", ") + `
  service vpce-svc-…    ` + strings.Join(sandbox.ServiceStates, ", ") + `
  load-balancer ARN     provisioning, active, active_impaired, failed, or "" to delete it

The state is what every Describe call reports until an API call changes it;
deleting and deleted then go on to gone. It talks to the sandbox's loopback
control path (` + sandbox.ForcePath + `).`,
		Example: `  plink sandbox force endpoint vpce-0a1b2c3d4e5f60718 rejected
  plink sandbox force service vpce-svc-0a1b2c3d4e5f60718 Deleting --url http://127.0.0.1:4566
  plink sandbox force load-balancer arn:aws:elasticloadbalancing:…:loadbalancer/net/api/… ""`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			sbURL := f.Config.String("url")
			kind, ok := forceKinds[args[0]]
			if !ok {
				return flagErrorf("unknown resource %q (valid: endpoint, service, load-balancer)", args[0])
			}
			if _, err := sandboxControl(sbURL, sandbox.ForcePath, url.Values{"kind": {kind}, "id": {args[1]}, "state": {args[2]}}); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "%s %s is now %s\n", args[0], args[1], forceShown(args[2]))
			return nil
		},
	}
	cmd.Flags().String("url", "http://"+defaultSandboxAddr, "the running sandbox's URL")
	return cmd
}

func forceShown(state string) string {
	if state == "" {
		return "deleted"
	}
	return state
}
