package cli

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/finding"
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
			run, err := newStatusRun(f, cmd, format)
			if err != nil {
				return err
			}
			m, _, err := runManifest(f, run.manifestRun)
			if err != nil {
				return err
			}
			ctx, cancel := withTimeout(cmd.Context(), run.timeout)
			defer cancel()
			sess, err := openAWS(ctx, f, m, run.awsRun)
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
			r, stopped, err := sess.Status(ctx, m, reconcile.StatusRequest{Window: run.since, VerifyErr: verifyErr, Options: run.status})
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
	fl.String("fail-on", string(finding.Warning), "exit 2 on a finding of this severity or worse: warning or error")
	fl.StringArray("group-by", nil, "also total the cost by a tag: tag:KEY (repeatable)")
	fl.Duration("pending-older-than", status.DefaultPendingOlderThan, "report connections waiting in pendingAcceptance longer than this")
	fl.Duration("timeout", 0, "give up after this long (e.g. 5m; 0 means no limit)")
	addShardFlags(cmd)
	return cmd
}

// statusRun is one run of plink status: the shared settings and the
// report's options, read and checked once.
type statusRun struct {
	awsRun
	// since is the metrics window, ending now.
	since time.Duration
	// status are the report's options: --fail-on, --pending-older-than,
	// --group-by and the config's prices.
	status status.Options
}

// newStatusRun reads and checks the settings of plink status.
func newStatusRun(f *Factory, cmd *cobra.Command, format string) (statusRun, error) {
	run := statusRun{since: f.Config.Duration("since")}
	if run.since < time.Minute || run.since > 455*24*time.Hour {
		return run, flagErrorf("invalid %s %s: give a window from 1m to 455 days (CloudWatch keeps metrics 15 months), e.g. 1h", f.Config.Source("since"), run.since)
	}
	failOn := finding.Severity(f.Config.String("fail-on"))
	if failOn != finding.Warning && failOn != finding.Error {
		return run, flagErrorf("invalid %s %q: valid values are \"warning\" and \"error\"", f.Config.Source("fail-on"), failOn)
	}
	run.status.FailOn = failOn
	pending := f.Config.Duration("pending-older-than")
	if pending <= 0 {
		return run, flagErrorf("invalid %s %s: give a positive duration, e.g. 24h", f.Config.Source("pending-older-than"), pending)
	}
	run.status.PendingOlderThan = pending
	for _, g := range f.Config.Strings("group-by") {
		key, ok := strings.CutPrefix(g, "tag:")
		if !ok || key == "" {
			return run, flagErrorf("invalid %s %q: give tag:KEY, e.g. --group-by tag:team", f.Config.Source("group-by"), g)
		}
		run.status.GroupByTags = append(run.status.GroupByTags, key)
	}
	run.status.PricePerAZHour = f.Config.FloatMap("prices")
	run.awsRun = newAWSRun(f, cmd, format)
	return run, nil
}
