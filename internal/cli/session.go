package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/internal/buildinfo"
	"github.com/plinkdev/plink/internal/shard"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/status"
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

// awsSession is what an AWS-facing command works with: clients for every
// account of the manifest and, with --sandbox, the in-process sandbox
// serving them on loopback.
type awsSession struct {
	resolver *awsenv.Resolver
	// more builds clients for accounts of the whole manifest that the
	// resolver (a shard's: the accounts it reads) does not have: the
	// project's lease lives in its home account, which a shard may not
	// otherwise read.
	more    func(ctx context.Context, alias string) (*awsenv.Resolver, error)
	sandbox *sandbox.Sandbox
	stop    func() error
	// quit ends the retry reporter; reported is closed when it has ended.
	quit, reported chan struct{}
}

func (s *awsSession) Close() error {
	if s.quit != nil {
		close(s.quit)
		<-s.reported
	}
	if s.stop != nil {
		return s.stop()
	}
	return nil
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
				now := s.resolver.RetryStats()
				if d := retryLine(awsenv.RetryStats{Throttled: now.Throttled - last.Throttled, Transient: now.Transient - last.Transient}); d != "" {
					fmt.Fprintf(f.IO.ErrOut, "plink: %s in the last %s\n", d, retryReportEvery)
				}
				last = now
			case <-s.quit:
				if d := retryLine(s.resolver.RetryStats()); d != "" {
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

// sandboxMode reports whether --sandbox is in effect.
func sandboxMode(f *Factory) bool { return f.Config.Bool("sandbox") }

// openSandbox opens the persistent sandbox of --sandbox-dir.
func openSandbox(f *Factory) (*sandbox.Sandbox, error) {
	dir := f.Config.String("sandbox-dir")
	if dir == "" {
		dir = ".plink"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	world := sandbox.DefaultWorld()
	worldPath := f.Config.String("sandbox-world")
	if worldPath == "" && fileExists(filepath.Join(dir, "world.yaml")) {
		worldPath = filepath.Join(dir, "world.yaml")
	}
	if worldPath != "" {
		w, err := sandbox.LoadWorld(worldPath)
		if err != nil {
			return nil, err
		}
		world = w
	}
	return sandbox.New(world, sandbox.Options{StatePath: filepath.Join(dir, "sandbox-state.json")})
}

// clientsIn returns the clients of an account of the manifest in a
// region, also of one the session's resolver was not built for (more).
func (s *awsSession) clientsIn(ctx context.Context, alias, region string) (*awsenv.Clients, error) {
	if s.more == nil || slices.Contains(s.resolver.Accounts(), alias) {
		return s.resolver.Clients(ctx, alias, region)
	}
	r, err := s.more(ctx, alias)
	if err != nil {
		return nil, err
	}
	return r.Clients(ctx, alias, region)
}

// openAWS builds the clients for m's accounts: AWS through the SDK's default
// chain, or the sandbox with --sandbox.
func openAWS(ctx context.Context, f *Factory, m *manifest.Manifest) (*awsSession, error) {
	full := m
	m, err := credentialManifest(f, m) // a shard reaches only the accounts it reads
	if err != nil {
		return nil, err
	}
	// one returns a manifest of only alias among full's accounts.
	one := func(alias string) (*manifest.Manifest, error) {
		if full.Accounts[alias] == nil {
			return nil, fmt.Errorf("unknown account %q", alias)
		}
		return shard.Limit(full, []string{alias}), nil
	}
	if !sandboxMode(f) {
		f.setActivity("loading the AWS configuration")
		opts := awsenv.Options{RetryBudget: f.Config.Duration("retry-budget"), STSRate: f.Config.Float("sts-rate")}
		r, err := awsenv.New(ctx, m, opts)
		if err != nil {
			return nil, err
		}
		s := &awsSession{resolver: r, more: func(ctx context.Context, alias string) (*awsenv.Resolver, error) {
			om, err := one(alias)
			if err != nil {
				return nil, err
			}
			return awsenv.New(ctx, om, opts)
		}}
		s.reportRetries(f)
		return s, nil
	}
	f.setActivity("starting the sandbox")
	sb, err := openSandbox(f)
	if err != nil {
		return nil, err
	}
	url, stop, err := sb.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	key, secret, err := sb.OperatorCredentials()
	if err != nil {
		_ = stop()
		return nil, err
	}
	// The sandbox never sees the user's real AWS configuration: a profile
	// named in the manifest means nothing there, so such accounts are
	// reached through the world's role/plink in the account instead.
	awsenv.Isolate(awsenv.ProcessEnv, "")
	roles := func(m *manifest.Manifest) *manifest.Manifest {
		sm := *m
		sm.Accounts = map[string]*manifest.Account{}
		for alias, a := range m.Accounts {
			acc := *a
			if acc.Profile != "" || acc.RoleARN == "" {
				acc.Profile = ""
				acc.RoleARN = fmt.Sprintf("arn:aws:iam::%s:role/plink", acc.ID)
				acc.ExternalID = ""
			}
			sm.Accounts[alias] = &acc
		}
		return &sm
	}
	// Our own HTTP client, so its idle connections can be closed before the
	// server stops: the server would otherwise wait for them.
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	opts := awsenv.Options{
		HTTPClient:      hc,
		Endpoint:        url,
		BaseCredentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, "")),
		Region:          "us-east-1",
		RetryBudget:     f.Config.Duration("retry-budget"),
		STSRate:         f.Config.Float("sts-rate"),
	}
	r, err := awsenv.New(ctx, roles(m), opts)
	if err != nil {
		_ = stop()
		return nil, err
	}
	s := &awsSession{resolver: r, sandbox: sb, more: func(ctx context.Context, alias string) (*awsenv.Resolver, error) {
		om, err := one(alias)
		if err != nil {
			return nil, err
		}
		return awsenv.New(ctx, roles(om), opts)
	}, stop: func() error {
		hc.CloseIdleConnections()
		return stop()
	}}
	s.reportRetries(f)
	return s, nil
}

// computePlan verifies credentials, reads live state and computes the plan.
func computePlan(ctx context.Context, f *Factory, m *manifest.Manifest, s *awsSession) (*plan.Plan, *live.Snapshot, error) {
	return computePlanWith(ctx, f, m, s, HealthOff, false)
}

// What plink plan reads of target health for lint PL116 (--target-health).
const (
	// HealthAll reads it behind every provider that has consumers.
	HealthAll = "all"
	// HealthChanged reads it only behind the providers whose consumers
	// the plan creates, replaces, moves to other subnets or accepts.
	HealthChanged = "changed"
	// HealthOff reads none.
	HealthOff = "off"
)

// computePlanWith is computePlan that also reads the target health for
// lint PL116 as mode (HealthAll, HealthChanged, HealthOff) says (plink
// plan only: apply and the others act on changes, not on lint).
func computePlanWith(ctx context.Context, f *Factory, m *manifest.Manifest, s *awsSession, mode string, topics bool) (*plan.Plan, *live.Snapshot, error) {
	snap, err := readLiveWith(ctx, f, m, s, topics)
	if err != nil {
		return nil, snap, err
	}
	sm := shardManifest(f, m)
	opts := planOptions(f, sm)
	if opts.Destroy {
		mode = HealthOff
	}
	sel := f.selection()
	f.setActivity("planning")
	p, th := PlanWithTargetHealth(mode, sm, snap, opts,
		func(p *plan.Plan) []plan.Change {
			own, waiting := shard.Filter(p, sel)
			if own == nil {
				return waiting
			}
			return append(slices.Clone(own.Changes), waiting...)
		},
		func(hm *manifest.Manifest) *status.Snapshot { return readTargetHealth(ctx, f, hm, snap, s) })
	if ctx.Err() != nil {
		return nil, snap, context.Cause(ctx)
	}
	if th != nil {
		warnHealthFailures(f.IO.ErrOut, th.Failures)
	}
	f.setActivity("planning")
	return filterShard(f, sm, p, snap), snap, nil
}

// PlanWithTargetHealth computes the plan of m against snap (plan.Compute
// with opts) with the target health read for lint PL116 as mode says:
// HealthOff reads none; HealthAll reads it behind every provider with
// consumers; HealthChanged plans first without it, and reads it (then
// plans again: the plan is a pure function) only behind the providers
// whose consumers own's changes of that plan create, replace, move to
// other subnets or accept (targetHealthProviders) — none for a plan that
// changes nothing. own picks the changes that are the run's (a shard's);
// nil means all. read reads the target health behind the consumed
// services of the manifest it is given (m with only those consumers).
// The snapshot read, if any, comes back with the plan.
func PlanWithTargetHealth(mode string, m *manifest.Manifest, snap *live.Snapshot, opts plan.Options, own func(*plan.Plan) []plan.Change, read func(*manifest.Manifest) *status.Snapshot) (*plan.Plan, *status.Snapshot) {
	if mode == HealthOff || opts.Destroy {
		return plan.Compute(m, snap, opts), nil
	}
	hm := m
	var first *plan.Plan
	if mode != HealthAll {
		p := plan.Compute(m, snap, opts)
		first = p
		changes := p.Changes
		if own != nil {
			changes = own(p)
		}
		names := targetHealthProviders(m, changes)
		if len(names) == 0 {
			return p, nil
		}
		hm = withConsumersOf(m, names)
	}
	th := read(hm)
	if th == nil {
		th = &status.Snapshot{}
	}
	if len(th.LoadBalancers) == 0 && first != nil {
		// no health to lint (plan/health.go skips it): the first plan is
		// the plan, and computing it again would only double the time
		return first, th
	}
	opts.LoadBalancerHealth = th.LoadBalancers
	return plan.Compute(m, snap, opts), th
}

// targetHealthProviders are the names of m's providers where lint PL116
// can change a decision of the plan: those of the consumers that changes
// create, replace or move to other subnets (an update of subnetIds), and
// of the declared consumers whose connections it accepts.
func targetHealthProviders(m *manifest.Manifest, changes []plan.Change) map[string]bool {
	provider := map[string]string{}
	for _, c := range m.Consumers {
		if c != nil && c.Provider != "" {
			provider["consumer."+c.Name] = c.Provider
		}
	}
	out := map[string]bool{}
	for _, ch := range changes {
		addr := ""
		switch {
		case ch.Kind == plan.KindEndpoint && (ch.Action == plan.Create || ch.Action == plan.Replace):
			addr = ch.Address
		case ch.Kind == plan.KindEndpoint && ch.Action == plan.Update && ch.Before != nil && ch.After != nil &&
			!slices.Equal(sortedCopy(ch.Before.SubnetIDs), sortedCopy(ch.After.SubnetIDs)):
			addr = ch.Address
		case ch.Kind == plan.KindConnection && ch.Action == plan.Accept:
			addr = plan.AcceptedConsumer(ch)
		}
		if p := provider[addr]; p != "" {
			out[p] = true
		}
	}
	return out
}

func sortedCopy(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

// withConsumersOf is a copy of m whose consumers are only those of the
// named providers: what ReadTargetHealth then reads behind.
func withConsumersOf(m *manifest.Manifest, providers map[string]bool) *manifest.Manifest {
	out := *m
	out.Consumers = nil
	for _, c := range m.Consumers {
		if c != nil && providers[c.Provider] {
			out.Consumers = append(out.Consumers, c)
		}
	}
	return &out
}

// warnHealthFailures says where plan could not read target health: the
// plan is still right, only its PL116 lint is missing there.
func warnHealthFailures(w io.Writer, failures []live.Failure) {
	for _, fl := range failures {
		fmt.Fprintf(w, "plink: warning: target health not checked, lint PL116 skipped: %s\n  hint: plan needs elasticloadbalancing:DescribeTargetGroups, DescribeTargetHealth and DescribeLoadBalancerAttributes there (see plink iam-policy --for plan)\n", fl.String())
	}
}

// readTargetHealth reads the target health behind m's providers that have
// consumers (status.ReadTargetHealth), for plan's lint and drift's
// target_health items. Failed reads are in the result's Failures; nothing
// is read, and no call made, when no provider has consumers.
func readTargetHealth(ctx context.Context, f *Factory, m *manifest.Manifest, snap *live.Snapshot, s *awsSession) *status.Snapshot {
	n := len(status.ConsumedServices(m, snap))
	if n == 0 {
		return &status.Snapshot{}
	}
	f.setActivity("reading target health behind %s", plural(n, "service"))
	th, _ := status.ReadTargetHealth(ctx, m, snap, s.resolver, status.ReadOptions{Concurrency: f.Config.Int("parallelism")})
	return th
}

// readLive reads live state, each account as soon as its credentials are
// verified, and reports every account that could not be reached as
// before. On a failed read the partial snapshot comes back with the error.
func readLive(ctx context.Context, f *Factory, m *manifest.Manifest, s *awsSession) (*live.Snapshot, error) {
	return readLiveWith(ctx, f, m, s, false)
}

// readLiveWith is readLive that, with topics, also reads what only plink
// plan's lints need: the notification topics' policies (PL117) and the VPC
// Lattice targets of Resource and ServiceNetwork consumers (PL240, PL241).
func readLiveWith(ctx context.Context, f *Factory, m *manifest.Manifest, s *awsSession, topics bool) (*live.Snapshot, error) {
	f.setActivity("resolving credentials of %s", plural(len(m.Accounts), "account"))
	reading := sync.OnceFunc(func() {
		f.setActivity("reading live state of %s", describeScopes(m))
		progress(f, "Reading live state of %s...", describeScopes(m))
	})
	snap, err := live.Read(ctx, shardManifest(f, m), s.resolver.Verified(reading), live.ReadOptions{PerScope: f.Config.Int("parallelism"), Shard: shardReadOption(f), Topics: topics, LatticeTargets: topics})
	if verr := s.resolver.Verify(ctx); verr != nil {
		return nil, credentialsError(verr)
	}
	reading()
	return snap, err
}

func planOptions(f *Factory, m *manifest.Manifest) plan.Options {
	return plan.Options{
		PricePerAZHour:  f.Config.FloatMap("prices"),
		EndpointsPerVPC: f.Config.Int("endpoints-per-vpc"),
		PlinkVersion:    buildinfo.Get().Version,
		AllowDisconnect: f.Config.Bool("allow-disconnect"),
		Destroy:         f.destroy != nil,
		DeleteAdopted:   f.destroy != nil && f.destroy.deleteAdopted,
	}
}

// credentialsError lists every account that could not be reached, each
// with what to do about it.
func credentialsError(err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var b strings.Builder
	for i, e := range errs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
		var ae *awsenv.AccountError
		if errors.As(e, &ae) && ae.Hint != "" {
			b.WriteString("\n  hint: " + ae.Hint)
		}
	}
	return &accountsError{msg: b.String(), errs: errs}
}

// accountsError is credentialsError's list: its text has each account's
// hint under its error, and errors.Is and errors.As see every account's
// error (isContextError: did every account fail because the run ended?).
type accountsError struct {
	msg  string
	errs []error
}

func (e *accountsError) Error() string   { return e.msg }
func (e *accountsError) Unwrap() []error { return e.errs }

func describeScopes(m *manifest.Manifest) string {
	regions := map[string]bool{}
	for _, p := range m.Providers {
		regions[p.Region] = true
	}
	for _, c := range m.Consumers {
		regions[c.Region] = true
	}
	return fmt.Sprintf("%s in %s", plural(len(m.Accounts), "account"), plural(len(regions), "region"))
}

// progress prints a status line to stderr on a terminal only: logs and
// pipelines get the result, not the chatter.
func progress(f *Factory, format string, args ...any) {
	if f.IO.IsStderrTTY() {
		fmt.Fprintf(f.IO.ErrOut, format+"\n", args...)
	}
}

// withTimeout applies --timeout when the command has it. Every phase
// (credentials, reading, planning, applying, waiting) runs under the
// returned context, and once it is done the watchdog bounds how long
// plink may take to stop.
func withTimeout(ctx context.Context, f *Factory) (context.Context, context.CancelFunc) {
	var cancel context.CancelFunc
	if d := f.Config.Duration("timeout"); d > 0 {
		ctx, cancel = context.WithTimeoutCause(ctx, d, &TimedOut{After: d})
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	f.runCtx = ctx
	context.AfterFunc(ctx, f.startWatchdog)
	return ctx, cancel
}
