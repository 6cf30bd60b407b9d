// Package reconcile is plink's engine: one Session per command reads live
// state, plans, applies, waits for other shards and decides connections,
// and reads what drift, status, export and the policy check report on. It
// holds the credentials (AWS or the in-process sandbox), the run's shard
// and its planning options as values. It prints nothing and prompts for
// nothing: each method returns an outcome that the command layer
// (internal/cli) renders once, and says what it is doing only through the
// hooks it is given.
package reconcile

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/internal/buildinfo"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/reconcile/shard"
	"github.com/plinkdev/plink/sandbox"
)

// Options are a Session's settings, resolved once by the command.
type Options struct {
	// Sandbox runs against the in-process sandbox of SandboxDir (its
	// world SandboxWorld, else SandboxDir/world.yaml, else the built-in
	// one) instead of AWS.
	Sandbox      bool
	SandboxDir   string
	SandboxWorld string
	// RetryBudget and STSRate are awsenv's (--retry-budget, --sts-rate).
	RetryBudget time.Duration
	STSRate     float64
	// Parallelism bounds the calls in flight per account and region (0:
	// the packages' defaults).
	Parallelism int
	// Shard is the run's shard (--account, --region); the zero Selection
	// is the whole manifest.
	Shard shard.Selection
	// ShardWait is apply's --shard-wait.
	ShardWait time.Duration
	// Plan are the settings every plan of the session is computed with.
	Plan PlanSettings
	// Hooks say what the session does; any may be nil.
	Hooks Hooks
}

// PlanSettings are what plan.Options takes from the settings.
type PlanSettings struct {
	Prices          map[string]float64
	EndpointsPerVPC int
	AllowDisconnect bool
	// Destroy plans the deletion of everything the manifest owns
	// (plink destroy, plan --destroy); DeleteAdopted deletes adopted
	// resources instead of releasing them.
	Destroy       bool
	DeleteAdopted bool
}

// Hooks are how the session tells the command what it does, for the
// message of a timeout and the terminal's progress line. The engine never
// writes to a stream itself.
type Hooks struct {
	// Activity is what the session is doing now ("planning").
	Activity func(string)
	// Reading is called once a read of live state starts (the
	// credentials verified), with what it reads ("3 accounts in 2 regions").
	Reading func(scopes string)
}

func (h Hooks) activity(format string, args ...any) {
	if h.Activity != nil {
		h.Activity(fmt.Sprintf(format, args...))
	}
}

// Session is what a command that reads or changes AWS works with: clients
// for every account of the manifest (or the shard's) and, in sandbox mode,
// the sandbox serving them on loopback; and the run's shard state.
type Session struct {
	opts     Options
	resolver *awsenv.Resolver
	// more builds clients for accounts of the whole manifest that the
	// resolver (a shard's: the accounts it reads) does not have: the
	// project's lease lives in its home account, which a shard may not
	// otherwise read.
	more func(ctx context.Context, alias string) (*awsenv.Resolver, error)
	// extra holds the resolvers more built: one per account a run, however
	// many reads reach it; copies of the session share it.
	extra   *extraResolvers
	sandbox *sandbox.Sandbox
	stop    func() error
	// shard is the run's shard state; nil for the whole manifest.
	shard *shardRun
	// ahead is the read under the lease that Lock started; Replan takes it.
	ahead *backgroundPlan
	// early is the confirming read Apply started; Confirm takes it.
	early *earlyConfirm
	// gate, when set, holds each account-region's read (early.go).
	gate func(ctx context.Context, account, region string, part live.Part) error
	// network, when set, is the network a read takes as is (Lock).
	network *live.Snapshot
	// leased is the read Replan planned from: Confirm's first read takes
	// its network (early.go).
	leased *live.Snapshot
}

// Close abandons a confirming read still open and stops the sandbox, if
// any.
func (s *Session) Close() error {
	s.dropEarly()
	if s.stop != nil {
		return s.stop()
	}
	return nil
}

// Sandboxed reports whether the session runs against the sandbox.
func (s *Session) Sandboxed() bool { return s.sandbox != nil }

// Sandbox is the in-process sandbox the session runs against (nil on
// AWS): tests inject its faults.
func (s *Session) Sandbox() *sandbox.Sandbox { return s.sandbox }

// Selection is the run's shard (the zero Selection: everything).
func (s *Session) Selection() shard.Selection { return s.opts.Shard }

// Options are the session's settings.
func (s *Session) Options() Options { return s.opts }

// RetryStats are the retries AWS forced so far.
func (s *Session) RetryStats() awsenv.RetryStats { return s.resolver.RetryStats() }

// Accounts are the aliases of the accounts the session's clients reach.
func (s *Session) Accounts() []string { return s.resolver.Accounts() }

// Verify assumes every account's role (once) and returns every failure.
func (s *Session) Verify(ctx context.Context) error { return s.resolver.Verify(ctx) }

// ClientsIn returns the clients of an account of the manifest in a
// region, also of one the session's resolver was not built for.
func (s *Session) ClientsIn(ctx context.Context, alias, region string) (*awsenv.Clients, error) {
	if s.more == nil || slices.Contains(s.resolver.Accounts(), alias) {
		return s.resolver.Clients(ctx, alias, region)
	}
	r, err := s.extra.get(ctx, alias, s.more)
	if err != nil {
		return nil, err
	}
	return r.Clients(ctx, alias, region)
}

// extraResolvers are the resolvers of accounts outside a session's own, by
// alias (Session.more).
type extraResolvers struct {
	mu sync.Mutex
	m  map[string]*awsenv.Resolver
}

func (e *extraResolvers) get(ctx context.Context, alias string, more func(context.Context, string) (*awsenv.Resolver, error)) (*awsenv.Resolver, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.m[alias]; r != nil {
		return r, nil
	}
	r, err := more(ctx, alias)
	if err != nil {
		return nil, err
	}
	if e.m == nil {
		e.m = map[string]*awsenv.Resolver{}
	}
	e.m[alias] = r
	return r, nil
}

// source is what the session's reads and applies take clients from: src
// (the resolver, or its verifying view) for the accounts it was built for,
// and ClientsIn for another account of the manifest. A shard reads an
// account outside its own where a connection on its service comes from
// (live reads the owner's endpoint to know whose it is), and apply
// re-reads it before a reject; the resolver alone answered "unknown
// account" and the shard's run failed.
func (s *Session) source(src awsenv.ClientSource) awsenv.ClientSource {
	if s.more == nil {
		return src
	}
	return sessionSource{s: s, src: src}
}

type sessionSource struct {
	s   *Session
	src awsenv.ClientSource
}

func (ss sessionSource) ClientsFor(ctx context.Context, account, region string) (*awsenv.Clients, error) {
	if slices.Contains(ss.s.resolver.Accounts(), account) {
		return ss.src.ClientsFor(ctx, account, region)
	}
	return ss.s.ClientsIn(ctx, account, region)
}

// WithShard is a session on the same clients for the run of another
// shard of the manifest (sel: within the accounts the session reaches),
// with a shard state of its own. Closing it closes s.
func (s *Session) WithShard(sel shard.Selection) *Session {
	cp := *s
	cp.opts.Shard, cp.shard, cp.ahead = sel, nil, nil
	if !sel.All() {
		cp.shard = &shardRun{sel: sel}
	}
	return &cp
}

// CheckShard refuses a shard that names what m does not have.
func CheckShard(m *manifest.Manifest, sel shard.Selection) error {
	if sel.All() {
		return nil
	}
	return shard.Check(m, sel)
}

// Open builds the clients for m's accounts (a shard's: only those it
// reaches): AWS through the SDK's default chain, or the sandbox.
func Open(ctx context.Context, m *manifest.Manifest, opts Options) (*Session, error) {
	full := m
	if !opts.Shard.All() {
		if err := shard.Check(m, opts.Shard); err != nil {
			return nil, err
		}
		// a shard verifies and assumes no other account's role
		m = shard.Limit(m, shard.Reach(shard.Manifest(m, opts.Shard), opts.Shard))
	}
	// one returns a manifest of only alias among full's accounts.
	one := func(alias string) (*manifest.Manifest, error) {
		if full.Accounts[alias] == nil {
			return nil, fmt.Errorf("unknown account %q", alias)
		}
		return shard.Limit(full, []string{alias}), nil
	}
	s := &Session{opts: opts, extra: &extraResolvers{}}
	if !opts.Shard.All() {
		s.shard = &shardRun{sel: opts.Shard}
	}
	if !opts.Sandbox {
		opts.Hooks.activity("loading the AWS configuration")
		aopts := awsenv.Options{RetryBudget: opts.RetryBudget, STSRate: opts.STSRate}
		r, err := awsenv.New(ctx, m, aopts)
		if err != nil {
			return nil, err
		}
		s.resolver = r
		s.more = func(ctx context.Context, alias string) (*awsenv.Resolver, error) {
			om, err := one(alias)
			if err != nil {
				return nil, err
			}
			return awsenv.New(ctx, om, aopts)
		}
		return s, nil
	}
	opts.Hooks.activity("starting the sandbox")
	sb, err := openSandbox(opts.SandboxDir, opts.SandboxWorld)
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
	aopts := awsenv.Options{
		HTTPClient:      hc,
		Endpoint:        url,
		BaseCredentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, "")),
		Region:          "us-east-1",
		RetryBudget:     opts.RetryBudget,
		STSRate:         opts.STSRate,
	}
	r, err := awsenv.New(ctx, roles(m), aopts)
	if err != nil {
		_ = stop()
		return nil, err
	}
	s.resolver, s.sandbox = r, sb
	s.more = func(ctx context.Context, alias string) (*awsenv.Resolver, error) {
		om, err := one(alias)
		if err != nil {
			return nil, err
		}
		return awsenv.New(ctx, roles(om), aopts)
	}
	s.stop = func() error {
		hc.CloseIdleConnections()
		return stop()
	}
	return s, nil
}

// openSandbox opens the persistent sandbox of dir.
func openSandbox(dir, worldPath string) (*sandbox.Sandbox, error) {
	if dir == "" {
		dir = ".plink"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	world := sandbox.DefaultWorld()
	if worldPath == "" {
		if _, err := os.Stat(filepath.Join(dir, "world.yaml")); err == nil {
			worldPath = filepath.Join(dir, "world.yaml")
		}
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

// planOptions are plan.Compute's options for the session's plans of m.
func (s *Session) planOptions() plan.Options {
	ps := s.opts.Plan
	return plan.Options{
		PricePerAZHour:  ps.Prices,
		EndpointsPerVPC: ps.EndpointsPerVPC,
		PlinkVersion:    buildinfo.Get().Version,
		AllowDisconnect: ps.AllowDisconnect,
		Destroy:         ps.Destroy,
		DeleteAdopted:   ps.Destroy && ps.DeleteAdopted,
	}
}

// shardManifest is the manifest the run reads and plans: in a shard, its
// entries and those they connect to.
func (s *Session) shardManifest(m *manifest.Manifest) *manifest.Manifest {
	return shard.Manifest(m, s.opts.Shard)
}

// shardReadOption is live.ReadOptions.Shard for the run (nil: no shard).
func (s *Session) shardReadOption() func(account, region string) bool {
	if s.opts.Shard.All() {
		return nil
	}
	return s.opts.Shard.Owns
}

// DescribeScopes is "3 accounts in 2 regions": what a read of m covers.
func DescribeScopes(m *manifest.Manifest) string {
	regions := map[string]bool{}
	for _, p := range m.Providers {
		regions[p.Region] = true
	}
	for _, c := range m.Consumers {
		regions[c.Region] = true
	}
	return fmt.Sprintf("%s in %s", plural(len(m.Accounts), "account"), plural(len(regions), "region"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
