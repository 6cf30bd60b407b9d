package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile"
	"github.com/plinkdev/plink/reconcile/shard"
)

// addAWSFlags adds the flags of every command that reads or changes AWS.
func addAWSFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.Bool("sandbox", false, "run against the built-in local AWS sandbox instead of AWS (state kept in --sandbox-dir)")
	fs.String("sandbox-dir", ".plink", "directory of the sandbox's state (and an optional world.yaml)")
	fs.String("sandbox-world", "", "world file for the sandbox (default: <sandbox-dir>/world.yaml, else the built-in world)")
	fs.Int("parallelism", 0, "most AWS calls in flight per account and region (0: plink's defaults)")
	fs.Duration("retry-budget", awsenv.DefaultRetryBudget, "how long one AWS call keeps being retried through throttling and server or network errors")
	fs.Float64("sts-rate", awsenv.DefaultSTSRate, "AssumeRole requests per second the operator's STS bucket refills at (AWS publishes no figure); roles are assumed at 95% of it (0: unpaced)")
}

// awsSession is the engine's session (package reconcile) of an
// AWS-facing command, with the reporter of the retries AWS forced.
type awsSession struct {
	*reconcile.Session
	// quit ends the retry reporter; reported is closed when it has ended.
	quit, reported chan struct{}
}

// Close ends the retry reporter (it says the total), then the session.
func (s *awsSession) Close() error {
	if s.quit != nil {
		close(s.quit)
		<-s.reported
	}
	return s.Session.Close()
}

// runScope is what one command's run covers, decided once by the command
// and passed explicitly to its session: the shard (--account, --region;
// the zero Selection is the whole manifest) and, for plink destroy and
// plan --destroy, the deletion of what the manifest owns.
type runScope struct {
	shard   shard.Selection
	destroy *destroyMode
}

// retryReportEvery is how often the retries AWS forced are reported.
const retryReportEvery = 10 * time.Second

// reportRetries prints, every retryReportEvery in which calls were
// retried, how many, so a run slowed by throttling says so; and a total
// when the session ends.
func (s *awsSession) reportRetries(f *Factory) {
	s.quit, s.reported = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.reported)
		t := time.NewTicker(retryReportEvery)
		defer t.Stop()
		var last awsenv.RetryStats
		for {
			select {
			case <-t.C:
				now := s.RetryStats()
				if d := retryLine(awsenv.RetryStats{Throttled: now.Throttled - last.Throttled, Transient: now.Transient - last.Transient}); d != "" {
					fmt.Fprintf(f.IO.ErrOut, "plink: %s in the last %s\n", d, retryReportEvery)
				}
				last = now
			case <-s.quit:
				if d := retryLine(s.RetryStats()); d != "" {
					fmt.Fprintf(f.IO.ErrOut, "plink: %s in all (absorbed by backoff; --retry-budget bounds each call)\n", d)
				}
				return
			}
		}
	}()
}

// retryLine is "throttled: 37 retries; server or network errors: 3
// retries", or "" when there were none.
func retryLine(s awsenv.RetryStats) string {
	var parts []string
	if s.Throttled > 0 {
		parts = append(parts, "throttled: "+retries(s.Throttled))
	}
	if s.Transient > 0 {
		parts = append(parts, "server or network errors: "+retries(s.Transient))
	}
	return strings.Join(parts, "; ")
}

func retries(n int64) string {
	if n == 1 {
		return "1 retry"
	}
	return fmt.Sprintf("%d retries", n)
}

// openAWS opens the engine's session for m: AWS through the SDK's default
// chain, or the sandbox with --sandbox; a shard reaches only the accounts
// it reads.
func openAWS(ctx context.Context, f *Factory, m *manifest.Manifest, run awsRun) (*awsSession, error) {
	if err := reconcile.CheckShard(m, run.shard); err != nil {
		return nil, flagErrorf("%v", err)
	}
	opts := run.options()
	st := stateOf(ctx)
	opts.Hooks = reconcile.Hooks{
		Activity: func(a string) { st.setActivity("%s", a) },
		Reading: func(scopes string) {
			st.setActivity("reading live state of %s", scopes)
			progress(f, "Reading live state of %s...", scopes)
		},
	}
	rs, err := reconcile.Open(ctx, m, opts)
	if err != nil {
		return nil, err
	}
	s := &awsSession{Session: rs}
	s.reportRetries(f)
	return s, nil
}

// What plink plan reads of target health for lint PL116 (--target-health).
const (
	HealthAll     = reconcile.HealthAll
	HealthChanged = reconcile.HealthChanged
	HealthOff     = reconcile.HealthOff
)

// planShown reads and plans for a plan the command shows, and says what
// the plan cannot show: where target health was not read, and which
// changes wait for another shard.
func planShown(ctx context.Context, f *Factory, m *manifest.Manifest, sess *awsSession, req reconcile.PlanRequest) (*reconcile.Planned, error) {
	pl, err := sess.Plan(ctx, m, req)
	if err != nil {
		return nil, err
	}
	warnHealthFailures(f.IO.ErrOut, pl.HealthFailures)
	sayShardWaits(f, sess, pl.Waiting)
	return pl, nil
}

// sayShardWaits says on stderr which changes of the plan wait for another
// shard. With --shard-wait apply may make every one of them: all are
// named, with their action, since the plan cannot show them.
func sayShardWaits(f *Factory, sess *awsSession, waiting []plan.Change) {
	if len(waiting) == 0 {
		return
	}
	wait := sess.Options().ShardWait
	addrs := make([]string, 0, len(waiting))
	for _, c := range waiting {
		addrs = append(addrs, string(c.Action)+" "+c.Address)
	}
	list, how := reconcile.ShortList(addrs), "apply leaves them to the next run (or --shard-wait)"
	if wait > 0 {
		list, how = strings.Join(addrs, ", "), fmt.Sprintf("apply makes them once possible, within --shard-wait %s", wait)
	}
	fmt.Fprintf(f.IO.ErrOut, "plink: %s: %s for another shard to apply what they depend on (%s; marked \"waits for\" in the plan); %s\n",
		sess.Selection(), reconcile.WaitVerb(len(waiting)), list, how)
}

// warnHealthFailures says where plan could not read target health: the
// plan is still right, only its PL116 lint is missing there.
func warnHealthFailures(w io.Writer, failures []live.Failure) {
	for _, fl := range failures {
		fmt.Fprintf(w, "plink: warning: target health not checked, lint PL116 skipped: %s\n  hint: plan needs elasticloadbalancing:DescribeTargetGroups, DescribeTargetHealth and DescribeLoadBalancerAttributes there (see plink iam-policy --for plan)\n", fl.String())
	}
}

// credentialsError lists every account that could not be reached, each
// with what to do about it.
func credentialsError(err error) error { return reconcile.CredentialsError(err) }

// progress prints a status line to stderr on a terminal only: logs and
// pipelines get the result, not the chatter.
func progress(f *Factory, format string, args ...any) {
	if f.IO.IsStderrTTY() {
		fmt.Fprintf(f.IO.ErrOut, format+"\n", args...)
	}
}

// withTimeout applies --timeout (d; 0 is none). Every phase
// (credentials, reading, planning, applying, waiting) runs under the
// returned context, and once it is done the watchdog bounds how long
// plink may take to stop.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	var cancel context.CancelFunc
	if d > 0 {
		ctx, cancel = context.WithTimeoutCause(ctx, d, &TimedOut{After: d})
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	st := stateOf(ctx)
	st.setContext(ctx)
	context.AfterFunc(ctx, st.startWatchdog)
	return ctx, cancel
}
