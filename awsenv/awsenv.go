// Package awsenv owns credentials and AWS SDK clients for the accounts a
// manifest names: the SDK's default chain, then per account a shared-config
// profile or an assumed role, in any region, with the SDK's adaptive retry
// bounded by a time budget per call rather than a count of attempts.
//
// It builds clients and checks identities (Verify). It must not read or
// change PrivateLink resources: package live reads, package apply writes.
// No other package constructs AWS clients.
package awsenv

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/vpclattice"
	"github.com/aws/smithy-go/middleware"

	"github.com/plinkdev/plink/manifest"
)

// DefaultRegion is used for account-level calls (STS) when neither
// Options.Region nor the SDK's configuration names a region.
const DefaultRegion = "us-east-1"

// Options tune how a Resolver reaches AWS. The zero value uses the SDK's
// default chain and configuration unchanged, with adaptive retry.
type Options struct {
	// Endpoint overrides every client's endpoint (like AWS_ENDPOINT_URL, but
	// winning over service-specific settings), e.g. the sandbox's URL.
	Endpoint string
	// BaseCredentials replace the default chain's credentials for accounts
	// without a profile, and are the source credentials for assumed roles.
	BaseCredentials aws.CredentialsProvider
	// HTTPClient is used by every client (including STS for AssumeRole); it
	// owns its TLS settings, so AWS_CA_BUNDLE does not apply to it.
	HTTPClient *http.Client
	// RetryMaxAttempts overrides the maximum attempts per call, AWS_MAX_ATTEMPTS
	// and the shared config's max_attempts included; 0 leaves them, and
	// without them a call is retried until RetryBudget is spent.
	RetryMaxAttempts int
	// RetryBudget is how long one call keeps being retried through
	// throttling and transient errors (5xx, connection resets), with the
	// SDK's backoff; 0 means DefaultRetryBudget.
	RetryBudget time.Duration
	// maxBackoff, when set (by tests), caps the delay between retries.
	maxBackoff time.Duration
	// Region is the region for account-level calls (STS); the SDK's
	// configured region, then DefaultRegion, are used when it is empty.
	Region string
	// APIOptions are added to every client's middleware stack (tests count
	// calls with them).
	APIOptions []func(*middleware.Stack) error
	// STSRate paces AssumeRole: every role is assumed through its caller's
	// STS bucket (the source credentials', per STS endpoint and region) at
	// 95% of this many requests per second, with a burst of 95% of 5
	// seconds of it, from one limiter that every Resolver of the process
	// shares, instead of being retried into a drained bucket. 0 leaves
	// AssumeRole unpaced; plink passes --sts-rate (DefaultSTSRate).
	STSRate float64
}

// Clients are the SDK clients for one account in one region. EC2 and ELB,
// which every read uses, are built with the Clients; the others on first
// use, once (a plan of 1,000 account-regions held 42 MB of clients it never
// called): STS, CloudWatch, SNS, Route53 and Lattice are methods.
type Clients struct {
	Account   string // alias from the manifest
	AccountID string
	Region    string
	EC2       *ec2.Client
	ELB       *elbv2.Client

	sts        lazy[*sts.Client]
	cloudWatch lazy[*cloudwatch.Client]
	sns        lazy[*sns.Client]
	route53    lazy[*route53.Client]
	lattice    lazy[*vpclattice.Client]
}

// Built are clients built already, for NewClients; a nil client is one the
// Clients lack.
type Built struct {
	Account, AccountID, Region string

	EC2        *ec2.Client
	ELB        *elbv2.Client
	STS        *sts.Client
	CloudWatch *cloudwatch.Client
	SNS        *sns.Client
	Route53    *route53.Client
	Lattice    *vpclattice.Client
}

// NewClients returns Clients made of clients built already (tests, and
// sources that wrap a Resolver's): its methods return them as they are,
// nil included (Client's "no NAME client").
func NewClients(b Built) *Clients {
	c := &Clients{Account: b.Account, AccountID: b.AccountID, Region: b.Region, EC2: b.EC2, ELB: b.ELB}
	c.sts.v, c.cloudWatch.v, c.sns.v, c.route53.v, c.lattice.v = b.STS, b.CloudWatch, b.SNS, b.Route53, b.Lattice
	return c
}

// STS is the account's STS client in the region (DecodeAuthorizationMessage,
// GetCallerIdentity).
func (c *Clients) STS() *sts.Client { return c.sts.get() }

// CloudWatch reads PrivateLink metrics (plink status).
func (c *Clients) CloudWatch() *cloudwatch.Client { return c.cloudWatch.get() }

// SNS reads the access policy of connection notifications' topics
// (package live: GetTopicAttributes).
func (c *Clients) SNS() *sns.Client { return c.sns.get() }

// Route53 publishes and reads the TXT record that verifies a provider's
// private DNS name. Route 53 is global: it is signed for its partition's
// home region (Route53Region), not Region.
func (c *Clients) Route53() *route53.Client { return c.route53.get() }

// Lattice reads the VPC Lattice resource configurations and service
// networks Resource and ServiceNetwork consumers name (package live).
func (c *Clients) Lattice() *vpclattice.Client { return c.lattice.get() }

// lazy is a client built by make on first use; without make (NewClients) it
// is v as it is.
type lazy[T any] struct {
	once sync.Once
	make func() T
	v    T
}

func (l *lazy[T]) get() T {
	l.once.Do(func() {
		if l.make != nil {
			l.v, l.make = l.make(), nil
		}
	})
	return l.v
}

// Route53Region is the region Route 53 requests are signed for from region:
// Route 53 is global, served from us-east-1 in the aws partition (and from
// cn-northwest-1 and us-gov-west-1 in the China and GovCloud partitions).
func Route53Region(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "cn-northwest-1"
	case strings.HasPrefix(region, "us-gov-"):
		return "us-gov-west-1"
	}
	return "us-east-1"
}

// ClientSource is the small interface that live and apply use to get clients
// for an account alias in a region; *Resolver satisfies it.
type ClientSource interface {
	ClientsFor(ctx context.Context, account, region string) (*Clients, error)
}

// Resolver hands out clients per account and region. Clients and credential
// providers are built lazily, once, and shared; a Resolver is safe for
// concurrent use.
type Resolver struct {
	project  string
	accounts map[string]*manifest.Account
	opts     Options
	base     aws.Config
	// stop is the context New was given: the run's. Credential helpers
	// still running when it ends are killed (helper.go).
	stop context.Context

	mu       sync.Mutex
	profiles map[string]*onceConfig   // profile name → loaded config
	creds    map[string]*onceCreds    // alias → credentials provider
	clients  map[scopeKey]*onceClient // alias+region → clients
	identity *onceString              // the base credentials' caller ARN
	retries  *retryCounter
	// verified holds each account's verification (VerifyAccount): done
	// once a run, however many readers ask.
	verified map[string]*verifyState
}

type scopeKey struct{ alias, region string }

type onceConfig struct {
	once sync.Once
	cfg  aws.Config
	err  error
}

type onceCreds struct {
	once sync.Once
	cfg  aws.Config // config whose Credentials are the account's
	err  error
}

type onceClient struct {
	once sync.Once
	c    *Clients
	err  error
}

type onceString struct {
	once sync.Once
	s    string
	err  error
}

// New loads the SDK's default configuration (environment, shared config and
// profiles, SSO, instance roles) and returns a Resolver for the manifest's
// accounts. Nothing is called on AWS until clients are used.
func New(ctx context.Context, m *manifest.Manifest, opts Options) (*Resolver, error) {
	cfg, err := config.LoadDefaultConfig(ctx, loadOptions(opts)...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	retries := &retryCounter{}
	applyDefaults(&cfg, opts, retries)
	useOwnProcessCredentials(&cfg, ctx)
	r := &Resolver{
		stop:     ctx,
		retries:  retries,
		project:  m.Project,
		accounts: map[string]*manifest.Account{},
		opts:     opts,
		base:     cfg,
		profiles: map[string]*onceConfig{},
		creds:    map[string]*onceCreds{},
		clients:  map[scopeKey]*onceClient{},
		identity: &onceString{},
		verified: map[string]*verifyState{},
	}
	for alias, a := range m.Accounts {
		if a == nil {
			continue
		}
		acc := *a
		if acc.Alias == "" {
			acc.Alias = alias
		}
		r.accounts[alias] = &acc
	}
	return r, nil
}

func loadOptions(opts Options) []func(*config.LoadOptions) error {
	lo := []func(*config.LoadOptions) error{config.WithLogger(stderrLogger)}
	if opts.BaseCredentials != nil {
		lo = append(lo, config.WithCredentialsProvider(opts.BaseCredentials))
	}
	if len(opts.APIOptions) > 0 {
		lo = append(lo, config.WithAPIOptions(opts.APIOptions))
	}
	if opts.Endpoint != "" {
		lo = append(lo, config.WithBaseEndpoint(opts.Endpoint))
	}
	return lo
}

// applyDefaults makes adaptive retry the default when the user configured no
// retry mode (AWS_RETRY_MODE, retry_mode), bounds retries by the time
// budget rather than a count, and applies Options that override.
func applyDefaults(cfg *aws.Config, opts Options, retries *retryCounter) {
	if cfg.RetryMode == "" {
		cfg.RetryMode = aws.RetryModeAdaptive
	}
	if opts.RetryMaxAttempts > 0 {
		cfg.RetryMaxAttempts = opts.RetryMaxAttempts
	}
	budget := opts.RetryBudget
	if budget <= 0 {
		budget = DefaultRetryBudget
	}
	// AWS_MAX_ATTEMPTS (cfg.RetryMaxAttempts), when set, still caps the
	// attempts: the SDK's clients wrap this retryer with it.
	cfg.Retryer = newRetryer(cfg.RetryMode, budget, opts.maxBackoff, retries)
	cfg.APIOptions = append(cfg.APIOptions, markCallStart, paceRetries)
	if opts.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(opts.Endpoint)
	}
	if opts.HTTPClient != nil {
		// Set after loading: the SDK refuses a plain *http.Client when
		// AWS_CA_BUNDLE is set; the caller's client owns its TLS settings.
		cfg.HTTPClient = opts.HTTPClient
	} else if bc, ok := cfg.HTTPClient.(*awshttp.BuildableClient); ok || cfg.HTTPClient == nil {
		// One transport for every client. Without AWS_CA_BUNDLE the loaded
		// config has no HTTP client, and each service client of each
		// account-region builds one of its own: at 10,000 consumers, 400
		// account-regions held ~1,900 connections (14 MB of buffers
		// alone). A frozen client (CA bundle and proxy settings applied)
		// is shared as it is, and reuses connections across the accounts
		// of a region; reads run 16 at once against one regional endpoint.
		if bc == nil { // none configured: the SDK would build one per client
			bc = awshttp.NewBuildableClient()
		}
		cfg.HTTPClient = bc.WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, 32)
		}).Freeze()
	}
}

// Config returns a copy of the base configuration (default chain, retry
// settings, endpoint override), without any account's credentials.
func (r *Resolver) Config() aws.Config { return r.base.Copy() }

// Accounts returns the account aliases the resolver knows, sorted.
func (r *Resolver) Accounts() []string {
	out := make([]string, 0, len(r.accounts))
	for a := range r.accounts {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Clients returns the clients for an account alias in a region, building
// them on first use.
func (r *Resolver) Clients(ctx context.Context, account, region string) (*Clients, error) {
	acc, ok := r.accounts[account]
	if !ok {
		return nil, fmt.Errorf("unknown account %q: accounts are %v", account, r.Accounts())
	}
	if region == "" {
		return nil, fmt.Errorf("account %s (%s): no region given", account, acc.ID)
	}
	r.mu.Lock()
	oc := r.clients[scopeKey{account, region}]
	if oc == nil {
		oc = &onceClient{}
		r.clients[scopeKey{account, region}] = oc
	}
	r.mu.Unlock()
	oc.once.Do(func() {
		cfg, err := r.accountConfig(ctx, acc)
		if err != nil {
			oc.err = err
			return
		}
		cfg.Region = region
		c := &Clients{
			Account:   account,
			AccountID: acc.ID,
			Region:    region,
			EC2:       ec2.NewFromConfig(cfg, func(o *ec2.Options) { r.endpoint(&o.BaseEndpoint) }),
			ELB:       elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { r.endpoint(&o.BaseEndpoint) }),
		}
		c.sts.make = func() *sts.Client {
			return sts.NewFromConfig(cfg, func(o *sts.Options) { r.endpoint(&o.BaseEndpoint) })
		}
		c.cloudWatch.make = func() *cloudwatch.Client {
			return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { r.endpoint(&o.BaseEndpoint) })
		}
		c.sns.make = func() *sns.Client {
			return sns.NewFromConfig(cfg, func(o *sns.Options) { r.endpoint(&o.BaseEndpoint) })
		}
		c.route53.make = func() *route53.Client {
			return route53.NewFromConfig(cfg, func(o *route53.Options) {
				o.Region = Route53Region(region)
				r.endpoint(&o.BaseEndpoint)
			})
		}
		c.lattice.make = func() *vpclattice.Client {
			return vpclattice.NewFromConfig(cfg, func(o *vpclattice.Options) { r.endpoint(&o.BaseEndpoint) })
		}
		oc.c = c
	})
	return oc.c, oc.err
}

// ClientsFor is Clients; it makes *Resolver a ClientSource.
func (r *Resolver) ClientsFor(ctx context.Context, account, region string) (*Clients, error) {
	return r.Clients(ctx, account, region)
}

func (r *Resolver) endpoint(p **string) {
	if r.opts.Endpoint != "" {
		*p = aws.String(r.opts.Endpoint)
	}
}

// homeRegion is the region for account-level calls (STS).
func (r *Resolver) homeRegion() string {
	if r.opts.Region != "" {
		return r.opts.Region
	}
	if r.base.Region != "" {
		return r.base.Region
	}
	return DefaultRegion
}

// profileConfig loads a shared-config profile once.
func (r *Resolver) profileConfig(ctx context.Context, acc *manifest.Account) (aws.Config, error) {
	r.mu.Lock()
	oc := r.profiles[acc.Profile]
	if oc == nil {
		oc = &onceConfig{}
		r.profiles[acc.Profile] = oc
	}
	r.mu.Unlock()
	oc.once.Do(func() {
		lo := loadOptions(Options{HTTPClient: r.opts.HTTPClient, APIOptions: r.opts.APIOptions, Endpoint: r.opts.Endpoint})
		lo = append(lo, config.WithSharedConfigProfile(acc.Profile))
		cfg, err := config.LoadDefaultConfig(ctx, lo...)
		if err != nil {
			oc.err = &AccountError{Alias: acc.Alias, ID: acc.ID, Err: fmt.Errorf("load profile %q: %w", acc.Profile, err),
				Hint: fmt.Sprintf("check that profile %q exists in your AWS config (aws configure list-profiles)", acc.Profile)}
			return
		}
		applyDefaults(&cfg, r.opts, r.retries)
		useOwnProcessCredentials(&cfg, r.stop)
		oc.cfg = cfg
	})
	return oc.cfg, oc.err
}

// accountConfig returns the configuration whose credentials reach the
// account: its profile's, an assumed role's (from the profile or the base
// credentials), or the base credentials.
func (r *Resolver) accountConfig(ctx context.Context, acc *manifest.Account) (aws.Config, error) {
	r.mu.Lock()
	oc := r.creds[acc.Alias]
	if oc == nil {
		oc = &onceCreds{}
		r.creds[acc.Alias] = oc
	}
	r.mu.Unlock()
	oc.once.Do(func() {
		cfg := r.base.Copy()
		if acc.Profile != "" {
			pc, err := r.profileConfig(ctx, acc)
			if err != nil {
				oc.err = err
				return
			}
			cfg = pc.Copy()
		}
		if acc.RoleARN != "" {
			src := cfg.Copy()
			if src.Region == "" {
				src.Region = r.homeRegion()
			}
			client := sts.NewFromConfig(src, func(o *sts.Options) {
				r.endpoint(&o.BaseEndpoint)
				if r.opts.STSRate > 0 && src.Credentials != nil {
					o.APIOptions = withAPIOption(o.APIOptions, paceAssumeRole(r.stop, src.Credentials, aws.ToString(o.BaseEndpoint), src.Region, r.opts.STSRate))
				}
			})
			p := stscreds.NewAssumeRoleProvider(client, acc.RoleARN, func(o *stscreds.AssumeRoleOptions) {
				o.RoleSessionName = SessionName(r.project)
				if acc.ExternalID != "" {
					o.ExternalID = aws.String(acc.ExternalID)
				}
			})
			// One cache per account, shared by the clients of every
			// region (Clients copies this config): the role is assumed
			// once a run and refreshed only when its session expires.
			cfg.Credentials = aws.NewCredentialsCache(p)
		}
		oc.cfg = cfg
	})
	return oc.cfg, oc.err
}

var invalidSessionChars = regexp.MustCompile(`[^\w+=,.@-]+`)

// SessionName is the RoleSessionName plink uses: "plink-<project>", with
// characters STS rejects replaced and cut to STS's 64-character limit.
func SessionName(project string) string {
	s := "plink"
	if p := invalidSessionChars.ReplaceAllString(project, "-"); p != "" {
		s += "-" + p
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
