package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options tunes a Sandbox. The zero value is a fast, fault-free sandbox
// whose resources become available at once.
type Options struct {
	// Clock returns the current time; nil means time.Now. Every time-based
	// transition is computed from it lazily.
	Clock func() time.Time
	// Latency is added to every API call.
	Latency time.Duration
	// Throttle enables AWS-like token-bucket throttling per account, region
	// and action class; throttled calls get RequestLimitExceeded.
	Throttle bool
	// ThrottleScale multiplies every bucket's burst and refill rate
	// (0 means 1; below 1 is stricter than AWS, above 1 more generous).
	ThrottleScale float64
	// ErrorRate is the probability (0..1) that a call fails with 500
	// InternalError or 503 Unavailable before it is carried out.
	ErrorRate float64
	// ResetRate is the probability (0..1) that a call's connection is closed
	// without a reply before it is carried out.
	ResetRate float64
	// ConsistencyDelay hides new resources from Describe calls for this long.
	ConsistencyDelay time.Duration
	// ServiceAvailableDelay is how long a new endpoint service stays Pending.
	ServiceAvailableDelay time.Duration
	// ServiceDeleteDelay is how long a deleted endpoint service stays
	// Deleting, and then how long it is still listed as Deleted before it
	// is gone (0: gone at once).
	ServiceDeleteDelay time.Duration
	// EndpointAvailableDelay is how long an endpoint stays pending (after
	// creation or acceptance) and deleting (after deletion).
	EndpointAvailableDelay time.Duration
	// ClientTokenRetention is how long, after the resource a ClientToken
	// created is deleted, a create with the same token and parameters is
	// still answered with that resource in its final state (an endpoint
	// deleted, a service Deleted) instead of creating a new one, as AWS
	// keeps tokens for a while. Zero means DefaultClientTokenRetention;
	// negative forgets a token when its resource is deleted.
	ClientTokenRetention time.Duration
	// AutoVerifyPrivateDNS makes a new private DNS name verified at once
	// instead of pendingVerification.
	AutoVerifyPrivateDNS bool
	// PrivateDNSVerifyDelay is how long a private DNS name stays
	// pendingVerification after StartVpcEndpointServicePrivateDnsVerification
	// before it is verified or failed.
	PrivateDNSVerifyDelay time.Duration
	// DNSChangeDelay is how long a Route 53 change stays PENDING before it
	// is INSYNC (and its records answer public DNS).
	DNSChangeDelay time.Duration
	// Seed makes generated ids and fault draws deterministic.
	Seed int64
	// StatePath, if set, is the file state is loaded from by New and saved
	// to after every mutating call and by Save.
	StatePath string
	// AllowNonLoopback lets Start listen on addresses other than loopback.
	AllowNonLoopback bool
}

// DefaultClientTokenRetention is the default of Options.ClientTokenRetention,
// in sandbox time.
const DefaultClientTokenRetention = 24 * time.Hour

// Sandbox is a local AWS serving EC2 (PrivateLink), ELBv2 and STS for the
// accounts of a World. It is safe for concurrent use.
type Sandbox struct {
	world *World
	opts  Options

	// Read-only indexes built from the world.
	keys  map[string]*identity
	nets  map[string]*netInfo // by account|region
	roles map[string]*roleInfo

	mu  sync.Mutex // guards st and rng
	st  *state
	rng *rand.Rand
	// panicHook, set by tests only, runs inside every dispatched call.
	panicHook func(action string)
	// authz holds identity policies and the denial log (authz.go).
	authz authzState

	fmu   sync.Mutex // guards calls, faults, buckets
	calls map[callKey]int
	// throttled counts the calls Throttle refused, as calls does all.
	throttled map[callKey]int
	// dryRuns counts, of calls, those made with EC2's DryRun=true.
	dryRuns map[callKey]int
	faults  []*Fault
	buckets map[string]*bucket
}

type netInfo struct {
	acct    *Account
	region  string
	azs     map[string]string // name -> id
	vpcs    map[string]*VPC
	subnets map[string]*subnetInfo
	sgs     map[string]*sgInfo
	lbs     map[string]*LoadBalancer
	lbOrder []string
}

type subnetInfo struct {
	Subnet
	VpcID string
	AZID  string
}

type sgInfo struct {
	SecurityGroup
	VpcID string
}

type roleInfo struct {
	Role
	Account string
	Name    string
	ID      string
}

// New builds a sandbox for w. If o.StatePath names an existing file, the
// state saved there is loaded.
func New(w *World, o Options) (*Sandbox, error) {
	if w == nil {
		w = DefaultWorld()
	}
	if err := w.validate(); err != nil {
		return nil, err
	}
	if o.ErrorRate < 0 || o.ErrorRate > 1 || o.ResetRate < 0 || o.ResetRate > 1 {
		return nil, errors.New("sandbox: ErrorRate and ResetRate must be between 0 and 1")
	}
	s := &Sandbox{
		world:     w,
		opts:      o,
		keys:      map[string]*identity{},
		nets:      map[string]*netInfo{},
		roles:     map[string]*roleInfo{},
		rng:       rand.New(rand.NewSource(o.Seed)),
		calls:     map[callKey]int{},
		throttled: map[callKey]int{},
		dryRuns:   map[callKey]int{},
		buckets:   map[string]*bucket{},
		st:        newState(),
	}
	for ai := range w.Accounts {
		a := &w.Accounts[ai]
		for _, c := range a.Credentials {
			s.keys[c.AccessKeyID] = &identity{
				AccessKey: c.AccessKeyID, Secret: c.SecretAccessKey, Account: a.ID,
				Arn: c.PrincipalArn, UserID: "AIDA" + strings.ToUpper(c.AccessKeyID[4:]),
			}
		}
		for _, r := range a.Roles {
			m := reRoleArn.FindStringSubmatch(r.Arn)
			s.roles[r.Arn] = &roleInfo{Role: r, Account: a.ID, Name: m[2], ID: "AROA" + strings.ToUpper(fmt.Sprintf("%x", []byte(m[2]+a.ID))[:16])}
		}
		for rname, rw := range a.Regions {
			n := &netInfo{acct: a, region: rname, azs: rw.AvailabilityZones,
				vpcs: map[string]*VPC{}, subnets: map[string]*subnetInfo{}, sgs: map[string]*sgInfo{}, lbs: map[string]*LoadBalancer{}}
			for vi := range rw.VPCs {
				v := &rw.VPCs[vi]
				n.vpcs[v.ID] = v
				for _, sn := range v.Subnets {
					n.subnets[sn.ID] = &subnetInfo{Subnet: sn, VpcID: v.ID, AZID: rw.AvailabilityZones[sn.AvailabilityZone]}
				}
				for _, g := range v.SecurityGroups {
					n.sgs[g.ID] = &sgInfo{SecurityGroup: g, VpcID: v.ID}
				}
			}
			for li := range rw.LoadBalancers {
				lb := &rw.LoadBalancers[li]
				n.lbs[lb.Arn] = lb
				n.lbOrder = append(n.lbOrder, lb.Arn)
			}
			s.nets[a.ID+"|"+rname] = n
		}
	}
	if o.StatePath != "" {
		st, err := loadState(o.StatePath)
		if err != nil {
			return nil, err
		}
		if problems := s.validateState(st); len(problems) > 0 {
			return nil, stateError(o.StatePath, problems)
		}
		s.st = st
	}
	return s, nil
}

// net returns the network of an account in a region (never nil).
func (s *Sandbox) net(account, region string) *netInfo {
	if n, ok := s.nets[account+"|"+region]; ok {
		return n
	}
	return &netInfo{azs: map[string]string{}, vpcs: map[string]*VPC{}, subnets: map[string]*subnetInfo{}, sgs: map[string]*sgInfo{}, lbs: map[string]*LoadBalancer{}}
}

// Save writes the state to Options.StatePath atomically. It is a no-op
// without a StatePath.
func (s *Sandbox) Save() error {
	if s.opts.StatePath == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *Sandbox) saveLocked() error {
	if s.opts.StatePath == "" {
		return nil
	}
	s.gc(s.now())
	b, err := json.MarshalIndent(s.st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(s.opts.StatePath, append(b, '\n'))
}

// Start serves the sandbox on addr (host:port; port 0 picks a free one).
// Only loopback hosts are accepted unless Options.AllowNonLoopback. It
// returns the base URL to use as endpoint and a function that stops the
// server.
func (s *Sandbox) Start(addr string) (url string, stop func() error, err error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, fmt.Errorf("sandbox: listen address %q: %w", addr, err)
	}
	if !s.opts.AllowNonLoopback && !isLoopback(host) {
		return "", nil, fmt.Errorf("sandbox: refusing to listen on non-loopback address %q (use 127.0.0.1 or localhost)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		if serr := s.Save(); err == nil {
			err = serr
		}
		return err
	}
	return "http://" + ln.Addr().String(), stop, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Credentials returns the first access key of an account, by alias or id.
func (s *Sandbox) Credentials(accountAliasOrID string) (accessKey, secret string, err error) {
	a := s.world.account(accountAliasOrID)
	if a == nil {
		return "", "", fmt.Errorf("sandbox: no account %q (accounts: %s)", accountAliasOrID, strings.Join(s.aliases(), ", "))
	}
	if len(a.Credentials) == 0 {
		return "", "", fmt.Errorf("sandbox: account %s has no credentials", a.Alias)
	}
	return a.Credentials[0].AccessKeyID, a.Credentials[0].SecretAccessKey, nil
}

// OperatorCredentials returns the operator (tooling) identity's access key,
// which may assume role/plink in every account.
func (s *Sandbox) OperatorCredentials() (accessKey, secret string, err error) {
	if s.world.Operator == "" {
		return "", "", errors.New("sandbox: the world names no operator")
	}
	return s.Credentials(s.world.Operator)
}

// aliases returns the world's account aliases in world order.
func (s *Sandbox) aliases() []string {
	out := make([]string, len(s.world.Accounts))
	for i, a := range s.world.Accounts {
		out[i] = a.Alias
	}
	return out
}

// World returns the world the sandbox serves. Callers must not modify it.
func (s *Sandbox) World() *World { return s.world }

// EnvBlock returns shell export lines that point the AWS CLI and SDKs at url
// as the account alias (or id), in the world's first region.
func (s *Sandbox) EnvBlock(alias, url string) string {
	a := s.world.account(alias)
	if a == nil {
		return fmt.Sprintf("# no account %q\n", alias)
	}
	key, secret, _ := s.Credentials(alias)
	region := "us-east-1"
	if len(s.world.Regions) > 0 {
		region = s.world.Regions[0]
	}
	// AWS CLI v1 and older SDKs read only AWS_DEFAULT_REGION.
	return fmt.Sprintf("# account %s (%s)\nexport AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=%s\nexport AWS_DEFAULT_REGION=%s\n",
		a.Alias, a.ID, url, key, secret, region, region)
}

// Call counts the API calls made with one service, action, account and
// region. Every authenticated request counts, including ones that failed.
type Call struct {
	Service, Action, Account, Region string
	Count                            int
	// Mutating reports whether the action changes state (IsMutating).
	Mutating bool
	// DryRuns is how many of Count were EC2 calls with DryRun=true, which
	// change nothing whatever the action.
	DryRuns int
}

type callKey struct{ service, action, account, region string }

// Calls returns the call counters, sorted by service, action, account, region.
func (s *Sandbox) Calls() []Call {
	out := s.counted(func() map[callKey]int { return s.calls })
	s.fmu.Lock()
	for i, c := range out {
		out[i].DryRuns = s.dryRuns[callKey{c.Service, c.Action, c.Account, c.Region}]
	}
	s.fmu.Unlock()
	return out
}

// Throttled returns, as Calls does, the calls that were refused for
// throttling (the Throttle option): which bucket a run overdraws, where.
func (s *Sandbox) Throttled() []Call { return s.counted(func() map[callKey]int { return s.throttled }) }

func (s *Sandbox) counted(which func() map[callKey]int) []Call {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	counts := which()
	out := make([]Call, 0, len(counts))
	for k, n := range counts {
		out = append(out, Call{Service: k.service, Action: k.action, Account: k.account, Region: k.region, Count: n, Mutating: IsMutating(k.action)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Action != b.Action {
			return a.Action < b.Action
		}
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		return a.Region < b.Region
	})
	return out
}

// ResetCalls zeroes the call counters (Calls and Throttled).
func (s *Sandbox) ResetCalls() {
	s.fmu.Lock()
	s.calls = map[callKey]int{}
	s.throttled = map[callKey]int{}
	s.dryRuns = map[callKey]int{}
	s.fmu.Unlock()
}

// IsMutating reports whether an API action changes state (Create*, Modify*,
// Delete*, Accept*, Reject*, Start*, and Route 53's Change*). Describe*,
// Get*, List* and AssumeRole do not.
func IsMutating(action string) bool {
	for _, p := range []string{"Create", "Modify", "Delete", "Accept", "Reject", "Start", "Change"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}
