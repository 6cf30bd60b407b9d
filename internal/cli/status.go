package cli

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/reconcile"
	"github.com/plinkdev/plink/status"
)

func newStatusCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status [-f PATH]...",
		Short: "Show what consumers experience: target health per AZ, endpoint metrics, and an audit of waste",
		Long: `Read live state, the target health of every provider's load balancer per
Availability Zone, and endpoint and service metrics from CloudWatch, and report:

  target_health       a zone where consumers have endpoints but a load balancer enabled
                      there has no healthy target and cross-zone load balancing is off (error)
  packets_dropped     an endpoint that dropped packets in the window (warning)
  resets              an endpoint that received TCP resets (warning)
  idle                an endpoint that processed no bytes in the whole window (warning)
  broken_endpoint     an endpoint rejected, expired or failed, still listed (warning)
  service_gone        an endpoint whose service no longer exists (error)
  pending_acceptance  a connection waiting longer than --pending-older-than (warning)
  unused_principal    an allowed account with no endpoint (info)

and the monthly cost by account, consumer and any tag (--group-by tag:KEY). Only the
project's endpoints (tagged plink:project, or adopted) are audited and costed; other
endpoints in the same VPCs are listed apart. It changes nothing. Output: --output text, json (schemas/status.schema.json) or markdown.
Exit status: 0 healthy; 2 a finding at or above --fail-on; 1 plink could not find out
(an account or call that could not be read is named, and the rest still reported).`,
		Example: `  plink status -f manifests/
  plink status -f manifests/ --since 24h --group-by tag:team --output markdown
  plink status -f manifests/ --fail-on error --output json > status.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := outputFormat(f, "text", "json", "markdown")
			if err != nil {
				return err
			}
			opts, failOn, since, err := statusOptions(f)
			if err != nil {
				return err
			}
			m, _, err := manifestFromFlags(f)
			if err != nil {
				return err
			}
			rs := runScope{shard: useShard(f, cmd)}
			ctx, cancel := withTimeout(cmd.Context(), f)
			defer cancel()
			sess, err := openAWS(ctx, f, m, rs)
			if err != nil {
				return err
			}
			defer sess.Close()
			// As drift: an account that cannot be reached is named, and the
			// others are still read and reported (exit 1: incomplete).
			stateOf(ctx).setActivity("resolving credentials of %s", plural(len(m.Accounts), "account"))
			verifyErr := sess.Verify(ctx)
			if verifyErr != nil {
				report(f.IO.ErrOut, "plink status", credentialsError(verifyErr), nil, "")
			}
			opts.PricePerAZHour = f.Config.FloatMap("prices")
			opts.FailOn = failOn
			r, stopped, err := sess.Status(ctx, m, reconcile.StatusRequest{Window: since, VerifyErr: verifyErr, Options: opts})
			if err != nil {
				return err
			}
			if stopped {
				return silentExit(ExitError)
			}
			var out bytes.Buffer
			switch format {
			case "json":
				err = status.JSON(&out, r)
			case "markdown":
				err = status.Markdown(&out, r)
			default:
				err = status.Text(&out, r)
			}
			if err != nil {
				return err
			}
			if _, err := f.IO.Out.Write(out.Bytes()); err != nil {
				return err
			}
			if format != "text" {
				fmt.Fprintln(f.IO.ErrOut, status.SummaryLine(r))
			}
			for _, fl := range r.Failures {
				fmt.Fprintf(f.IO.ErrOut, "plink: could not read: %s\n", fl.String())
			}
			return silentExit(r.ExitCode())
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	fl := cmd.Flags()
	fl.Duration("since", time.Hour, "metrics window, ending now (e.g. 1h, 24h, 168h)")
	fl.String("fail-on", "warning", "exit 2 on a finding of this severity or worse: warning or error")
	fl.StringArray("group-by", nil, "also total the cost by a tag: tag:KEY (repeatable)")
	fl.Duration("pending-older-than", status.DefaultPendingOlderThan, "report connections waiting in pendingAcceptance longer than this")
	fl.Duration("timeout", 0, "give up after this long (e.g. 5m; 0 means no limit)")
	addShardFlags(cmd)
	return cmd
}

// statusOptions reads and checks the flags of plink status.
// Every setting comes from f.Config (flag > PLINK_* > config file).
func statusOptions(f *Factory) (status.Options, string, time.Duration, error) {
	var opts status.Options
	since := f.Config.Duration("since")
	if since < time.Minute || since > 455*24*time.Hour {
		return opts, "", 0, flagErrorf("invalid --since %s: give a window from 1m to 455 days (CloudWatch keeps metrics 15 months), e.g. 1h", since)
	}
	failOn := f.Config.String("fail-on")
	if failOn != status.SeverityWarning && failOn != status.SeverityError {
		return opts, "", 0, flagErrorf("invalid --fail-on %q: valid values are \"warning\" and \"error\"", failOn)
	}
	pending := f.Config.Duration("pending-older-than")
	if pending <= 0 {
		return opts, "", 0, flagErrorf("invalid --pending-older-than %s: give a positive duration, e.g. 24h", pending)
	}
	opts.PendingOlderThan = pending
	for _, g := range f.Config.Strings("group-by") {
		key, ok := strings.CutPrefix(g, "tag:")
		if !ok || key == "" {
			return opts, "", 0, flagErrorf("invalid --group-by %q: give tag:KEY, e.g. --group-by tag:team", g)
		}
		opts.GroupByTags = append(opts.GroupByTags, key)
	}
	return opts, failOn, since, nil
}
