package iampolicy_test

// Every flow of plink under exactly the policies plink iam-policy prints:
// the sandbox evaluates them as IAM does (package sandbox, awsauthz), each
// account's role/plink gets the policy of the step's mode for the step's
// manifest, the operator gets iampolicy.Operator, and every step must run
// without one denial. Then the minimality test takes each grant away in
// turn and shows some step denied; and the printed policy refuses what it
// must (negative cases).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/iampolicy/check"
	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
	"github.com/plinkdev/plink/status"
)

const e2eHeader = `version: 1
project: iam-e2e
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111", roleArn: "arn:aws:iam::111111111111:role/plink" }
  checkout: { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink" }
  analytics: { id: "333333333333", roleArn: "arn:aws:iam::333333333333:role/plink" }
`

// The ingest service and the checkout-ingest endpoint are made by hand
// before the first step and adopted (ADOPT_SVC, ADOPT_EP); the endpoint
// was made in subnets a and c with no security group, so it has the VPC's
// default group, and adoption replaces both.
const e2eIngest = `  - name: ingest
    account: analytics
    adopt: ADOPT_SVC
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"]
    allowedPrincipals: [{ account: checkout }, { account: payments }]
`

const e2eCheckoutIngest = `  - name: checkout-ingest
    account: checkout
    adopt: ADOPT_EP
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000002]
    provider: ingest
`

// e2eCheckoutIngestNotify is checkout-ingest with a notification of its
// own (CreateVpcEndpointConnectionNotification with VpcEndpointId): made
// in v2, its events changed in v3, moved to another topic in v4 (a delete
// and a create).
func e2eCheckoutIngestNotify(topic, events string) string {
	return e2eCheckoutIngest + `    notifications: [{ topicArn: "arn:aws:sns:us-east-1:222222222222:` + topic + `", events: ` + events + ` }]
`
}

func e2ePayments(extra string) string {
	return `  - name: payments-api
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"]
    acceptanceRequired: true
    privateDns: { name: api.payments.example.net }
    connections: { acceptDeclared: true, acceptFrom: ["333333333333"], rejectUndeclared: true }
` + extra
}

// e2eLedger is a provider with a verified private DNS name: plink writes
// the TXT record in payments' public zone payments.example.net (the
// sandbox's default world), waits for the change and starts the
// verification; it tags its principal's permission and has the service
// owner pay (ModifyVpcEndpointServicePayerResponsibility). It leaves the manifest in v6: the record is deleted from the
// service's plink:dns-zone tag alone (iampolicy.Live.DNSRecords).
func e2eLedger(tags string) string {
	return `  - name: ledger
    account: payments
    networkLoadBalancerArns: ["` + ledgerLB + `"]
    privateDns: { name: ledger.payments.example.net }
    payerResponsibility: ServiceOwner
    allowedPrincipals: [{ account: checkout, tags: ` + tags + ` }]
`
}

const ledgerLB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/ledger/011000000005c0c3"

// e2eLattice are a Resource and a ServiceNetwork endpoint (the resource
// configuration and service network payments shares in the default
// world), from v2 to v3.
const e2eLattice = `  - name: orders-db
    account: checkout
    type: Resource
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000c]
    securityGroupIds: [sg-02100000000000001]
    resourceConfigurationArn: arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a
  - name: mesh
    account: checkout
    type: ServiceNetwork
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    serviceNetworkArn: arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-0111000000000000a
`

// e2eWest is a service in us-west-2 that serves us-east-1 too: creating
// and deleting it are multi-region.
func e2eWest(tags string) string {
	return `  - name: west-api
    account: payments
    region: us-west-2
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-west-2:111111111111:loadbalancer/net/payments-api/012000000005c0c1"]
    acceptanceRequired: true
    supportedRegions: [us-east-1]
    allowedPrincipals: [{ account: checkout }]
    connections: { acceptDeclared: true, rejectUndeclared: true }
    tags: ` + tags + "\n"
}

const e2eAnalyticsEast = `  - name: analytics-moving
    account: analytics
    vpcId: vpc-03100000000000001
    subnetIds: [subnet-0310000000000000a]
    securityGroupIds: [sg-03100000000000001]
    provider: payments-api
`

// e2eAnalyticsEastTagged is it with a tag (v3), which v4 removes: a tag
// removed from an endpoint in us-east-1.
const e2eAnalyticsEastTagged = e2eAnalyticsEast + "    tags: { team: analytics }\n"

// checkout-west-api is an endpoint in us-east-1 to west-api in us-west-2.
const e2eCheckoutWestAPI = `  - name: checkout-west-api
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    provider: west-api
`

func e2eCheckoutWest(subnets, groups, tags string) string {
	return `  - name: checkout-west
    account: checkout
    region: us-west-2
    vpcId: vpc-02200000000000001
    subnetIds: ` + subnets + `
    securityGroupIds: ` + groups + `
    provider: payments-api
    tags: ` + tags + "\n"
}

// payments-ingest is an endpoint to the adopted service, by its name.
const e2ePaymentsIngest = `  - name: payments-ingest
    account: payments
    vpcId: vpc-01100000000000001
    subnetIds: [subnet-0110000000000000a]
    securityGroupIds: [sg-01100000000000001]
    provider: ingest
`

// v1 creates: two services (west-api in us-west-2 serving us-east-1 too:
// a multi-region create), a notification, endpoints (one needing
// acceptance, with a fixed address: its interfaces are read), a gateway
// endpoint; adopts a service and an endpoint.
var e2eV1 = e2eHeader + "providers:\n" + e2ePayments(`    allowedPrincipals: [{ account: checkout }, { account: analytics }]
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect] }
`) + e2eWest("{ team: west }") + e2eIngest + e2eLedger("{ team: checkout }") + `consumers:
  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    ipAddresses: { subnet-0210000000000000a: { ipv4: 10.21.0.100 } }
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
    tags: { team: checkout }
` + e2eCheckoutIngest + e2eAnalyticsEast + `  - name: checkout-s3
    account: checkout
    type: Gateway
    vpcId: vpc-02100000000000001
    routeTableIds: [rtb-02100000000000001]
    serviceName: com.amazonaws.us-east-1.s3
`

// checkoutPaymentsV2 has a subnet added and one removed, private DNS on,
// an endpoint policy and its tag repaired.
const checkoutPaymentsV2 = `  - name: checkout-payments
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000c]
    ipAddresses: { subnet-0210000000000000a: { ipv4: 10.21.0.100 } }
    securityGroupIds: [sg-02100000000000001]
    provider: payments-api
    privateDnsEnabled: true
    policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "*" }] }
    tags: { team: checkout }
`

const paymentsV2 = `    supportedRegions: [us-west-2]
    allowedPrincipals: [{ account: checkout }, { account: analytics }, { arn: "arn:aws:iam::333333333333:role/ci" }]
    notifications:
      - { topicArn: "arn:aws:sns:us-east-1:111111111111:pl-events", events: [Connect, Accept] }
    tags: { team: payments }
`

// v2 updates everything: a supported region added, principals, the
// notification's events, tags set and removed (in both regions); subnets
// added and removed, private DNS and the endpoint policy; a consumer moves
// to us-west-2 (a replace by a cross-region endpoint), a cross-region
// consumer is added in each region; the gateway endpoint's route tables
// change.
var e2eV2 = e2eHeader + "providers:\n" + e2ePayments(paymentsV2) + e2eWest("{ tier: one }") + e2eIngest + e2eLedger("{ team: checkout }") + "consumers:\n" +
	checkoutPaymentsV2 + e2eCheckoutIngestNotify("endpoint-events", "[Accept]") + e2eLattice + `  - name: analytics-moving
    account: analytics
    region: us-west-2
    vpcId: vpc-03200000000000001
    subnetIds: [subnet-0320000000000000a]
    securityGroupIds: [sg-03200000000000001]
    provider: payments-api
` + e2eCheckoutWest("[subnet-0220000000000000a]", "[sg-02200000000000001]", "{ team: checkout }") + e2eCheckoutWestAPI + e2ePaymentsIngest + `  - name: checkout-s3
    account: checkout
    type: Gateway
    vpcId: vpc-02100000000000001
    routeTableIds: [rtb-02100000000000002]
    serviceName: com.amazonaws.us-east-1.s3
`

// v3 moves the consumer back (deleting its cross-region endpoint), changes
// the subnets, security group and tags of the cross-region endpoint in
// us-west-2 and drops the gateway endpoint.
var e2eV3 = e2eHeader + "providers:\n" + e2ePayments(paymentsV2) + e2eWest("{ tier: one }") + e2eIngest + e2eLedger("{ tier: two }") + "consumers:\n" +
	checkoutPaymentsV2 + e2eCheckoutIngestNotify("endpoint-events", "[Accept, Reject]") + e2eLattice + e2eAnalyticsEastTagged +
	e2eCheckoutWest("[subnet-0220000000000000a, subnet-0220000000000000b]", "[sg-02200000000000002]", "{ tier: two }") + e2eCheckoutWestAPI + e2ePaymentsIngest

// v4 drops the cross-region consumers and the multi-region west-api:
// deletes of cross-region resources that left the manifest; and a
// principal and the notification.
var e2eV4 = e2eHeader + "providers:\n" + e2ePayments(`    supportedRegions: [us-west-2]
    allowedPrincipals: [{ account: checkout }, { account: analytics }]
`) + e2eIngest + e2eLedger("{ tier: two }") + "consumers:\n" + checkoutPaymentsV2 + e2eCheckoutIngestNotify("other-events", "[Accept]") + e2eAnalyticsEast

// v5 removes the supported region.
var e2eV5 = e2eHeader + "providers:\n" + e2ePayments(`    allowedPrincipals: [{ account: checkout }, { account: analytics }]
`) + e2eIngest + e2eLedger("{ tier: two }") + "consumers:\n" + checkoutPaymentsV2 + e2eCheckoutIngestNotify("other-events", "[Accept]") + e2eAnalyticsEast

// v6 drops payments-api and its consumers: payments only reads now, and
// its service is deleted there.
var e2eV6 = e2eHeader + "providers:\n" + e2eIngest + "consumers:\n" + e2eCheckoutIngest

// e2eWorld is the default world with a second security group in each of
// checkout's VPCs: an endpoint made in us-east-1 without groups gets
// sg-02100000000000001, the VPC's default, and adoption replaces it by the
// declared sg-02100000000000002; checkout-west moves to
// sg-02200000000000002.
func e2eWorld() *sandbox.World {
	w := sandbox.DefaultWorld()
	for i := range w.Accounts {
		if w.Accounts[i].ID == "111111111111" {
			// Another project's load balancer (TestPrintedPolicyRefuses).
			rw := w.Accounts[i].Regions["us-east-1"]
			rw.LoadBalancers = append(rw.LoadBalancers, sandbox.LoadBalancer{Arn: theirLB, Type: "network", VpcID: rw.VPCs[0].ID,
				Subnets: []string{"subnet-0110000000000000a"}}, sandbox.LoadBalancer{Arn: ledgerLB, Type: "network", VpcID: rw.VPCs[0].ID,
				Subnets: []string{"subnet-0110000000000000a"}})
			w.Accounts[i].Regions["us-east-1"] = rw
		}
		if w.Accounts[i].ID != "222222222222" {
			continue
		}
		for region, id := range map[string]string{"us-east-1": "sg-02100000000000002", "us-west-2": "sg-02200000000000002"} {
			rw := w.Accounts[i].Regions[region]
			rw.VPCs[0].SecurityGroups = append(rw.VPCs[0].SecurityGroups, sandbox.SecurityGroup{ID: id, Name: "checkout-endpoints", Description: "declared"})
			w.Accounts[i].Regions[region] = rw
		}
	}
	return w
}

const theirLB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/theirs/011000000005c0c2"

// alteration changes the printed documents (the minimality test); nil
// leaves them as printed.
// live maps each live service name the document grants to "live:PROVIDER":
// service ids differ from run to run, so grants name them by provider.
type alteration func(mode iampolicy.Mode, alias string, d *iampolicy.Document, live map[string]string)

// e2e runs the flows against one sandbox.
type e2e struct {
	srv   *sandboxtest.Server
	alter alteration
	// printed collects every document attached, by mode and alias, for
	// the minimality test's list of grants.
	printed           []attached
	adoptSvc, adoptEp string
	// timings, when set, adds up each step's time (go test -v).
	timings map[string]time.Duration
	step    string
	// seen are the API calls made under a policy, "mode action".
	seen map[string]bool
}

type attached struct {
	mode  iampolicy.Mode
	alias string
	doc   iampolicy.Document
}

// deniedError is a step refused by the sandbox's authorization.
type deniedError struct {
	step    string
	denials []sandbox.Denial
}

func (e *deniedError) Error() string {
	d := e.denials[0]
	return fmt.Sprintf("step %q: %d denial(s), first: %s:%s (%s) by %s in %s: %s on %s: %s", e.step, len(e.denials), d.Service, d.APIAction,
		d.Action, d.PolicyPrincipal, d.Region, d.Action, d.Resource, d.Reason)
}

const operatorArn = "arn:aws:iam::999999999999:user/plink-operator"

func newE2E(tb testing.TB, alter alteration) *e2e {
	tb.Helper()
	// Private DNS names are verified as on AWS: plink publishes the
	// records in Route 53, waits for the change (PENDING when it is made,
	// so GetChange is called) and starts the verification.
	return &e2e{srv: sandboxtest.StartWorld(tb, e2eWorld(), sandbox.Options{DNSChangeDelay: 10 * time.Millisecond}), alter: alter, seen: map[string]bool{}}
}

func (e *e2e) parse(text string) (*manifest.Manifest, error) {
	text = strings.NewReplacer("ADOPT_SVC", e.adoptSvc, "ADOPT_EP", e.adoptEp).Replace(text)
	return manifest.Parse("e2e.yaml", []byte(text))
}

// attach gives each account's role/plink the policy of mode for m (every
// account of the sandbox, with m's documents; export: the generic one),
// and the operator its own.
func (e *e2e) attach(mode iampolicy.Mode, m *manifest.Manifest) error {
	return e.attachLive(mode, m, iampolicy.Live{})
}

// attachLive is attach with the policy plink iam-policy --live prints.
func (e *e2e) attachLive(mode iampolicy.Mode, m *manifest.Manifest, lv iampolicy.Live) error {
	docs, err := iampolicy.ForLive(mode, m, lv)
	if err != nil {
		return err
	}
	ids := map[string]string{"payments": "111111111111", "checkout": "222222222222", "analytics": "333333333333"}
	for alias, id := range ids {
		d, ok := docs[alias]
		if m == nil {
			d, ok = docs[iampolicy.AnyAccount], true
		}
		if !ok {
			return fmt.Errorf("no %s policy for %s", mode, alias)
		}
		d.Statement = slices.Clone(d.Statement)
		for i := range d.Statement {
			d.Statement[i].Action = slices.Clone(d.Statement[i].Action)
			d.Statement[i].Resource = slices.Clone(d.Statement[i].Resource)
		}
		sym := map[string]string{}
		for provider, name := range lv.ServiceNames {
			sym[name] = "live:" + provider
		}
		// A verification record's first label is random: by its domain.
		for _, rs := range lv.DNSRecords {
			for _, r := range rs {
				_, domain, _ := strings.Cut(r.Name, ".")
				sym[r.Name] = "live-record:" + domain
			}
		}
		e.printed = append(e.printed, attached{mode, alias, symbolic(d, sym)})
		if e.alter != nil {
			e.alter(mode, alias, &d, sym)
		}
		data, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := e.srv.Sandbox.SetPolicies("arn:aws:iam::"+id+":role/plink", string(data)); err != nil {
			return err
		}
	}
	if m != nil {
		if op := iampolicy.Operator(m); op != nil {
			data, _ := json.Marshal(op)
			return e.srv.Sandbox.SetPolicies(operatorArn, string(data))
		}
	}
	return nil
}

// live is what plink iam-policy --live reads before printing: the plan,
// read under the plan policy, and its providers' live service names.
func (e *e2e) live(ctx context.Context, m *manifest.Manifest) (iampolicy.Live, error) {
	if err := e.attach(iampolicy.Plan, m); err != nil {
		return iampolicy.Live{}, err
	}
	r, err := e.resolver(m)
	if err != nil {
		return iampolicy.Live{}, err
	}
	_, p, _, err := e.read(ctx, m, r, false, false, plan.Options{})
	if err != nil {
		return iampolicy.Live{}, err
	}
	return iampolicy.LiveOf(p), nil
}

// resolver reaches each account as the CLI does: the operator assumes the
// account's role/plink.
func (e *e2e) resolver(m *manifest.Manifest) (*awsenv.Resolver, error) {
	key, secret, err := e.srv.Sandbox.OperatorCredentials()
	if err != nil {
		return nil, err
	}
	return awsenv.New(context.Background(), m, awsenv.Options{
		Endpoint: e.srv.URL, Region: "us-east-1", RetryMaxAttempts: 1,
		BaseCredentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, "")),
	})
}

// admin is an account's administrator (no policies): the hand-made
// changes of the flows.
func (e *e2e) admin(account, region string) *ec2.Client {
	key, secret, _ := e.srv.Sandbox.Credentials(account)
	return ec2.NewFromConfig(e.srv.StaticConfig(key, secret, "", region))
}

// done ends a step: any denial is the step's error; the calls made under
// the step's policy are remembered.
func (e *e2e) done(mode iampolicy.Mode, err error) error {
	for _, c := range e.srv.Sandbox.Calls() {
		e.seen[string(mode)+" "+c.Service+":"+c.Action] = true
	}
	e.srv.Sandbox.ResetCalls()
	if d := e.srv.Sandbox.Denials(); len(d) > 0 {
		e.srv.Sandbox.ResetDenials()
		return &deniedError{step: e.step, denials: d}
	}
	if err != nil {
		return fmt.Errorf("step %q: %w", e.step, err)
	}
	return nil
}

// read is plan's read: live state, target health (plan and drift only:
// health is lint), notification topics (plink plan only: lint PL117), the
// plan.
func (e *e2e) read(ctx context.Context, m *manifest.Manifest, r *awsenv.Resolver, health, topics bool, opts plan.Options) (*live.Snapshot, *plan.Plan, *status.Snapshot, error) {
	if err := r.Verify(ctx); err != nil {
		return nil, nil, nil, err
	}
	snap, err := live.Read(ctx, m, r, live.ReadOptions{Topics: topics, LatticeTargets: topics})
	if err != nil {
		return nil, nil, nil, err
	}
	th := &status.Snapshot{}
	if health {
		if th, err = status.ReadTargetHealth(ctx, m, snap, r, status.ReadOptions{}); err != nil {
			return nil, nil, nil, err
		}
		opts.LoadBalancerHealth = th.LoadBalancers
	}
	p := plan.Compute(m, snap, opts)
	for _, d := range p.Diagnostics {
		if d.Severity == plan.SeverityError {
			return nil, nil, nil, fmt.Errorf("plan: %s %s: %s", d.Code, d.Address, d.Message)
		}
	}
	return snap, p, th, nil
}

// planStep is plink plan under the plan policy.
func (e *e2e) planStep(ctx context.Context, name, text string) error {
	e.step = name
	m, err := e.parse(text)
	if err != nil {
		return err
	}
	if err := e.attach(iampolicy.Plan, m); err != nil {
		return err
	}
	r, err := e.resolver(m)
	if err != nil {
		return err
	}
	_, _, _, err = e.read(ctx, m, r, true, true, plan.Options{})
	return e.done(iampolicy.Plan, err)
}

// applyStep is plink apply (or destroy) under the apply policy that plink
// iam-policy --live prints (endpoints to providers whose service exists are
// granted to its name only): under the project's lease, then a plan that
// must have nothing left to do.
func (e *e2e) applyStep(ctx context.Context, name, text string, destroy bool, wants ...plan.Action) error {
	e.step = name
	m, err := e.parse(text)
	if err != nil {
		return err
	}
	lv, err := e.live(ctx, m)
	if err := e.done(iampolicy.Plan, err); err != nil {
		return err
	}
	mode := iampolicy.Apply
	if destroy {
		mode = iampolicy.Destroy // plink iam-policy --for destroy
	}
	if err := e.attachLive(mode, m, lv); err != nil {
		return err
	}
	r, err := e.resolver(m)
	if err != nil {
		return err
	}
	err = func() error {
		_, p, _, err := e.read(ctx, m, r, false, false, plan.Options{Destroy: destroy, DeleteAdopted: false})
		if err != nil {
			return err
		}
		got := map[plan.Action]bool{}
		for _, c := range p.Changes {
			got[c.Action] = true
		}
		for _, w := range wants {
			if !got[w] {
				return fmt.Errorf("the plan has no %s: the flow no longer exercises it", w)
			}
		}
		alias, region := lease.Home(m)
		cl, err := r.ClientsFor(ctx, alias, region)
		if err != nil {
			return err
		}
		l, err := lease.Acquire(ctx, cl.EC2, lease.Scope{Project: m.Project, Account: alias, Region: region}, lease.Options{Settle: 100 * time.Millisecond})
		if err != nil {
			return err
		}
		res, err := apply.Run(ctx, p, apply.FromClientSource(r), apply.Options{PollInterval: time.Millisecond, Project: m.Project})
		if err == nil && !res.OK() {
			err = fmt.Errorf("apply did not complete: %+v", res.Summary())
		}
		if err != nil {
			_ = l.Release(ctx)
			for _, c := range res.Changes {
				if c.Error != nil {
					err = fmt.Errorf("%w; %s: %s: %s: %s", err, c.Address, c.Error.Call, c.Error.Code, c.Error.Message)
				}
			}
			return err
		}
		if err := l.Renew(ctx); err != nil {
			return err
		}
		if err := l.Release(ctx); err != nil {
			return err
		}
		if destroy || e.alter != nil {
			return nil // the minimality runs look for a denial only
		}
		_, p, _, err = e.read(ctx, m, r, false, false, plan.Options{})
		if err != nil {
			return err
		}
		for _, c := range p.Changes {
			if c.Action != plan.NoOp {
				return fmt.Errorf("not converged: %s %s after apply", c.Action, c.Address)
			}
		}
		return nil
	}()
	return e.done(mode, err)
}

// run is every flow in order. It stops at the first error.
func (e *e2e) run(ctx context.Context) error {
	if err := e.setup(ctx); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return e.planStep(ctx, "plan v1", e2eV1) },
		func() error {
			return e.applyStep(ctx, "apply v1: creates, adoptions, acceptance", e2eV1, false, plan.Create, plan.Adopt, plan.Accept)
		},
		func() error { return e.checkStep(ctx, e2eV1, e2eV2) },
		func() error { return e.repairTags(ctx) },
		func() error { return e.planStep(ctx, "plan v2", e2eV2) },
		func() error {
			return e.applyStep(ctx, "apply v2: updates, a cross-region replace and creates", e2eV2, false, plan.Update, plan.Replace, plan.Create, plan.Accept)
		},
		func() error { return e.driftStep(ctx, e2eV2) },
		func() error { return e.statusStep(ctx, e2eV2) },
		func() error { return e.exportStep(ctx) },
		func() error { return e.connectionsStep(ctx, e2eV2) },
		func() error { return e.strangerPending(ctx) },
		func() error {
			return e.applyStep(ctx, "apply v3: cross-region back, a cross-region endpoint changed, a reject", e2eV3, false, plan.Replace, plan.Update, plan.Delete, plan.Reject)
		},
		func() error {
			return e.applyStep(ctx, "apply v4: cross-region endpoints and a multi-region service leave the manifest", e2eV4, false, plan.Delete, plan.Update)
		},
		func() error {
			return e.applyStep(ctx, "apply v5: a supported region removed", e2eV5, false, plan.Update)
		},
		func() error {
			return e.applyStep(ctx, "apply v6: a provider and its consumers removed", e2eV6, false, plan.Delete)
		},
		func() error { return e.leaseRace(ctx, e2eV6) },
		func() error { return e.applyStep(ctx, "destroy v6", e2eV6, true, plan.Update) },
	}
	for _, s := range steps {
		start := time.Now()
		if err := s(); err != nil {
			return err
		}
		if e.timings != nil {
			e.timings[e.step] += time.Since(start)
		}
	}
	return nil
}

// setup makes, as the administrators, the service and endpoint v1 adopts.
func (e *e2e) setup(ctx context.Context) error {
	an := e.admin("analytics", "us-east-1")
	out, err := an.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"},
		AcceptanceRequired:      aws.Bool(false),
	})
	if err != nil {
		return err
	}
	sc := out.ServiceConfiguration
	e.adoptSvc = aws.ToString(sc.ServiceId)
	if _, err := an.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: sc.ServiceId,
		AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}}); err != nil {
		return err
	}
	ep, err := e.admin("checkout", "us-east-1").CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-02100000000000001"), ServiceName: sc.ServiceName,
		SubnetIds: []string{"subnet-0210000000000000a", "subnet-0210000000000000c"},
	})
	if err != nil {
		return err
	}
	e.adoptEp = aws.ToString(ep.VpcEndpoint.VpcEndpointId)
	// A service no project manages, with a notification and a connection:
	// export reads them.
	aw := e.admin("analytics", "us-west-2")
	other, err := aw.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-west-2:333333333333:loadbalancer/net/analytics-ingest/032000000005c0c1"},
		AcceptanceRequired:      aws.Bool(false),
	})
	if err != nil {
		return err
	}
	osc := other.ServiceConfiguration
	if _, err := aw.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: osc.ServiceId,
		AddAllowedPrincipals: []string{"arn:aws:iam::333333333333:root"}}); err != nil {
		return err
	}
	if _, err := aw.CreateVpcEndpointConnectionNotification(ctx, &ec2.CreateVpcEndpointConnectionNotificationInput{ServiceId: osc.ServiceId,
		ConnectionNotificationArn: aws.String("arn:aws:sns:us-west-2:333333333333:other-events"), ConnectionEvents: []string{"Connect"}}); err != nil {
		return err
	}
	if _, err := aw.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeInterface,
		VpcId: aws.String("vpc-03200000000000001"), ServiceName: osc.ServiceName, SubnetIds: []string{"subnet-0320000000000000c"},
		SecurityGroupIds: []string{"sg-03200000000000001"}}); err != nil {
		return err
	}
	if !slices.Equal(ep.VpcEndpoint.Groups[0:1], ep.VpcEndpoint.Groups) || aws.ToString(ep.VpcEndpoint.Groups[0].GroupId) != "sg-02100000000000001" {
		return fmt.Errorf("the hand-made endpoint's groups are %v, not the VPC's default", ep.VpcEndpoint.Groups)
	}
	e.srv.Sandbox.ResetCalls()
	return nil
}

// checkStep is plink iam-policy --check of the next manifest under the
// apply policy printed for the current one, as a team runs it before it
// updates the role: writes of next are refused (dry runs only) and AWS's
// reason is decoded (PlinkDecodeDenialReasons). A refused call that is not
// a dry run is the step's denial.
func (e *e2e) checkStep(ctx context.Context, current, next string) error {
	e.step = "iam-policy --check of the next manifest under the current policy"
	cur, err := e.parse(current)
	if err != nil {
		return err
	}
	nxt, err := e.parse(next)
	if err != nil {
		return err
	}
	lv, err := e.live(ctx, cur)
	if err := e.done(iampolicy.Plan, err); err != nil {
		return err
	}
	if err := e.attachLive(iampolicy.Apply, cur, lv); err != nil {
		return err
	}
	r, err := e.resolver(nxt)
	if err != nil {
		return err
	}
	rep, err := check.Run(ctx, r, check.Options{Mode: iampolicy.Apply, Manifest: nxt, Plan: func(ctx context.Context) (*plan.Plan, error) {
		_, p, _, err := e.read(ctx, nxt, r, false, false, plan.Options{})
		return p, err
	}})
	var other []sandbox.Denial
	for _, d := range e.srv.Sandbox.Denials() {
		if !d.DryRun {
			other = append(other, d)
		}
	}
	e.srv.Sandbox.ResetDenials()
	if len(other) > 0 {
		e.srv.Sandbox.ResetCalls()
		return &deniedError{step: e.step, denials: other}
	}
	if err == nil {
		decoded := 0
		for _, x := range rep.Results {
			if x.Status == check.Denied && x.Decoded {
				decoded++
			}
		}
		if decoded == 0 || decoded != rep.Count(check.Denied) {
			err = fmt.Errorf("%d of %d denials decoded, want all and at least one", decoded, rep.Count(check.Denied))
		}
	}
	return e.done(iampolicy.Apply, err)
}

// repairTags removes, by hand, the tag team from checkout-payments: the
// next apply puts it back.
func (e *e2e) repairTags(ctx context.Context) error {
	e.step = "a tag removed by hand"
	cl := e.admin("checkout", "us-east-1")
	out, err := cl.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{{Name: aws.String("tag:" + live.TagName), Values: []string{"checkout-payments"}}}})
	if err != nil || len(out.VpcEndpoints) != 1 {
		return fmt.Errorf("checkout-payments: %v %v", out, err)
	}
	_, err = cl.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{aws.ToString(out.VpcEndpoints[0].VpcEndpointId)}, Tags: []types.Tag{{Key: aws.String("team")}}})
	e.srv.Sandbox.ResetCalls()
	return err
}

// driftStep is plink drift under the drift policy.
func (e *e2e) driftStep(ctx context.Context, text string) error {
	e.step = "drift"
	m, err := e.parse(text)
	if err != nil {
		return err
	}
	if err := e.attach(iampolicy.Drift, m); err != nil {
		return err
	}
	r, err := e.resolver(m)
	if err != nil {
		return err
	}
	snap, p, th, err := e.read(ctx, m, r, true, false, plan.Options{})
	if err == nil {
		if rep := drift.BuildWith(m, snap, p, drift.Options{LoadBalancerHealth: th.LoadBalancers, HealthFailures: th.Failures}); rep == nil {
			err = errors.New("no drift report")
		}
	}
	return e.done(iampolicy.Drift, err)
}

// statusStep is plink status's reads under the status policy.
func (e *e2e) statusStep(ctx context.Context, text string) error {
	e.step = "status"
	m, err := e.parse(text)
	if err != nil {
		return err
	}
	if err := e.attach(iampolicy.Status, m); err != nil {
		return err
	}
	r, err := e.resolver(m)
	if err != nil {
		return err
	}
	err = func() error {
		if err := r.Verify(ctx); err != nil {
			return err
		}
		snap, err := live.Read(ctx, m, r, live.ReadOptions{})
		if err != nil {
			return err
		}
		st, err := status.Read(ctx, snap, r, status.ReadOptions{})
		if err == nil && (st.Calls[status.CallGetMetricData] == 0 || st.Calls[status.CallTargetHealth] == 0) {
			err = fmt.Errorf("status read no metrics or target health: %v", st.Calls)
		}
		return err
	}()
	return e.done(iampolicy.Status, err)
}

// exportStep is plink export under the generic export policy.
func (e *e2e) exportStep(ctx context.Context) error {
	e.step = "export"
	if err := e.attach(iampolicy.Export, nil); err != nil {
		return err
	}
	m, err := e.parse(e2eHeader)
	if err != nil {
		return err
	}
	r, err := e.resolver(m)
	if err != nil {
		return err
	}
	accts := []export.Account{{Alias: "payments", ID: "111111111111"}, {Alias: "checkout", ID: "222222222222"}, {Alias: "analytics", ID: "333333333333"}}
	_, err = export.Export(ctx, accts, []string{"us-east-1", "us-west-2"}, export.FromAWSEnv(r), export.Options{Project: "exported"})
	return e.done(iampolicy.Export, err)
}

// connectionsStep is plink connections under its policy: an endpoint of
// analytics in us-west-2 (acceptFrom; cross-region) is accepted; one of
// checkout that the manifest does not declare is rejected, and so is one
// of checkout in us-east-1 to west-api (cross-region). They are then
// deleted by hand.
func (e *e2e) connectionsStep(ctx context.Context, text string) error {
	e.step = "connections"
	m, err := e.parse(text)
	if err != nil {
		return err
	}
	payments, err := e.serviceName(ctx, "us-east-1", "payments-api")
	if err != nil {
		return err
	}
	west, err := e.serviceName(ctx, "us-west-2", "west-api")
	if err != nil {
		return err
	}
	type made struct {
		account, region string
		id              *string
	}
	var hand []made
	for _, c := range []struct {
		account, region, vpc, subnet, sg, service, serviceRegion string
	}{
		{"analytics", "us-west-2", "vpc-03200000000000001", "subnet-0320000000000000b", "sg-03200000000000001", payments, "us-east-1"},
		{"checkout", "us-east-1", "vpc-02100000000000001", "subnet-0210000000000000c", "sg-02100000000000001", payments, ""},
		{"checkout", "us-east-1", "vpc-02100000000000001", "subnet-0210000000000000c", "sg-02100000000000001", west, "us-west-2"},
	} {
		in := &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String(c.vpc), ServiceName: aws.String(c.service),
			SubnetIds: []string{c.subnet}, SecurityGroupIds: []string{c.sg}}
		if c.serviceRegion != "" {
			in.ServiceRegion = aws.String(c.serviceRegion)
		}
		out, err := e.admin(c.account, c.region).CreateVpcEndpoint(ctx, in)
		if err != nil {
			return fmt.Errorf("a hand-made endpoint of %s in %s: %w", c.account, c.region, err)
		}
		hand = append(hand, made{c.account, c.region, out.VpcEndpoint.VpcEndpointId})
	}
	e.srv.Sandbox.ResetCalls()
	if err := e.attach(iampolicy.Connections, m); err != nil {
		return err
	}
	r, err := e.resolver(m)
	if err != nil {
		return err
	}
	err = func() error {
		_, p, _, err := e.read(ctx, m, r, false, false, plan.Options{})
		if err != nil {
			return err
		}
		cp := plan.Connections(p)
		decided := map[plan.Action]int{}
		for _, c := range cp.Changes {
			decided[c.Action]++
		}
		if decided[plan.Accept] != 1 || decided[plan.Reject] != 2 {
			return fmt.Errorf("connections decides %v, want one accept and two rejects", decided)
		}
		res, err := apply.Run(ctx, cp, apply.FromClientSource(r), apply.Options{PollInterval: time.Millisecond, Project: m.Project})
		if err == nil && !res.OK() {
			err = fmt.Errorf("connections did not complete: %+v", res.Summary())
		}
		return err
	}()
	if err := e.done(iampolicy.Connections, err); err != nil {
		return err
	}
	for _, h := range hand {
		if _, err := e.admin(h.account, h.region).DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{aws.ToString(h.id)}}); err != nil {
			return err
		}
	}
	e.srv.Sandbox.ResetCalls()
	return nil
}

// strangerPending makes by hand an endpoint of checkout to payments-api
// that the manifest does not declare: the next apply rejects it.
func (e *e2e) strangerPending(ctx context.Context) error {
	name, err := e.serviceName(ctx, "us-east-1", "payments-api")
	if err != nil {
		return err
	}
	_, err = e.admin("checkout", "us-east-1").CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeInterface,
		VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String(name), SubnetIds: []string{"subnet-0210000000000000c"},
		SecurityGroupIds: []string{"sg-02100000000000001"}})
	e.srv.Sandbox.ResetCalls()
	return err
}

// leaseRace is the lease's contention, under the apply policy: a run that
// died left its hold; a run whose take-over of it is too slow withdraws
// (the lease's DeleteTags).
func (e *e2e) leaseRace(ctx context.Context, text string) error {
	e.step = "lease: a stale hold taken over"
	m, err := e.parse(text)
	if err != nil {
		return err
	}
	if err := e.attach(iampolicy.Apply, m); err != nil {
		return err
	}
	r, err := e.resolver(m)
	if err != nil {
		return err
	}
	err = func() error {
		alias, region := lease.Home(m)
		cl, err := r.ClientsFor(ctx, alias, region)
		if err != nil {
			return err
		}
		scope := lease.Scope{Project: m.Project, Account: alias, Region: region}
		if _, err := lease.Acquire(ctx, cl.EC2, scope, lease.Options{Holder: "crashed", Settle: 100 * time.Millisecond}); err != nil {
			return err
		}
		later := func() time.Time { return time.Now().Add(24 * time.Hour) } // the crashed run's hold has expired
		// A shard's own lease (placement-group/plink-lease-PROJECT.shard.*)
		// beside the project's, whose hold has expired.
		sl, err := lease.Acquire(ctx, cl.EC2, lease.Scope{Project: m.Project, Account: alias, Region: region, Accounts: []string{alias}},
			lease.Options{Holder: "shard", Now: later, Settle: 100 * time.Millisecond})
		if err != nil {
			return err
		}
		if err := sl.Release(ctx); err != nil {
			return err
		}
		// A shard's lease left by a crashed run, whose slow take-over
		// withdraws (DeleteTags on the shard's group).
		shardScope := lease.Scope{Project: m.Project, Account: alias, Region: region, Accounts: []string{alias}}
		if _, err := lease.Acquire(ctx, cl.EC2, shardScope, lease.Options{Holder: "crashed-shard", Now: later, Settle: 100 * time.Millisecond}); err != nil {
			return err
		}
		laterStill := func() time.Time { return time.Now().Add(48 * time.Hour) } // and so has the crashed shard's
		if _, err := lease.Acquire(ctx, cl.EC2, shardScope, lease.Options{Holder: "slow-shard", Now: laterStill, Settle: time.Nanosecond}); err == nil ||
			!strings.Contains(err.Error(), "could not take over the lease") {
			return fmt.Errorf("a slow take-over of a shard's lease: %v, want it to withdraw", err)
		}
		// A take-over slower than Settle/2 withdraws: with Settle 1ns every
		// one is slow, whatever the machine's speed.
		if _, err := lease.Acquire(ctx, cl.EC2, scope, lease.Options{Holder: "slow", Now: later, Settle: time.Nanosecond}); err == nil ||
			!strings.Contains(err.Error(), "could not take over the lease") {
			return fmt.Errorf("a slow take-over: %v, want it to withdraw", err)
		}
		return nil
	}()
	if err := e.done(iampolicy.Apply, err); err != nil {
		return err
	}
	// The stale groups go, by hand, before destroy takes the lease.
	alias, region := lease.Home(m)
	for _, name := range []string{lease.Name(m.Project), lease.ShardName(m.Project, []string{alias}, nil)} {
		if _, err := e.admin(alias, region).DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String(name)}); err != nil {
			return err
		}
	}
	e.srv.Sandbox.ResetCalls()
	return nil
}

// serviceName is the name of payments' service plink:name name in region.
func (e *e2e) serviceName(ctx context.Context, region, name string) (string, error) {
	out, err := e.admin("payments", region).DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{
		Filters: []types.Filter{{Name: aws.String("tag:" + live.TagName), Values: []string{name}}}})
	if err != nil {
		return "", err
	}
	if len(out.ServiceConfigurations) != 1 {
		return "", fmt.Errorf("%d services named %s", len(out.ServiceConfigurations), name)
	}
	return aws.ToString(out.ServiceConfigurations[0].ServiceName), nil
}

// TestEveryFlowUnderThePrintedPolicy: zero denials, and the flows call
// every write the apply policy grants.
func TestEveryFlowUnderThePrintedPolicy(t *testing.T) {
	e := newE2E(t, nil)
	if testing.Verbose() {
		e.timings = map[string]time.Duration{}
	}
	if err := e.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for step, d := range e.timings {
		t.Logf("%-90s %s", step, d)
	}
	for _, a := range []string{
		"ec2:CreateVpcEndpointServiceConfiguration", "ec2:ModifyVpcEndpointServiceConfiguration", "ec2:DeleteVpcEndpointServiceConfigurations",
		"ec2:ModifyVpcEndpointServicePermissions", "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints",
		"ec2:AcceptVpcEndpointConnections", "ec2:CreateVpcEndpointConnectionNotification", "ec2:ModifyVpcEndpointConnectionNotification",
		"ec2:DeleteVpcEndpointConnectionNotifications", "ec2:CreateTags", "ec2:DeleteTags",
		"ec2:CreatePlacementGroup", "ec2:DeletePlacementGroup", "ec2:DescribePlacementGroups",
	} {
		if !e.seen["apply "+a] {
			t.Errorf("no apply step called %s", a)
		}
	}
	for _, a := range []string{"connections ec2:AcceptVpcEndpointConnections", "connections ec2:RejectVpcEndpointConnections", "status cloudwatch:GetMetricData",
		"plan sns:GetTopicAttributes",
		// a verified private DNS name (ledger) and its record deleted
		// once the provider leaves (v6)
		"plan route53:ListHostedZonesByName", "plan route53:ListResourceRecordSets", "apply route53:ChangeResourceRecordSets", "apply route53:GetChange",
		"apply ec2:StartVpcEndpointServicePrivateDnsVerification", "apply ec2:ModifyVpcEndpointServicePayerResponsibility",
		// Resource and ServiceNetwork endpoints (orders-db, mesh)
		"plan vpc-lattice:GetResourceConfiguration", "plan vpc-lattice:GetServiceNetwork", "plan vpc-lattice:GetResourceGateway"} {
		if !e.seen[a] {
			t.Errorf("no step called %s", a)
		}
	}
}

// grant is one thing a printed policy grants: a statement, one action of
// it, its resources of one type in one region, or one value of a
// condition that lists several.
type grant struct {
	sid, kind, value string
}

func (g grant) String() string { return g.sid + " " + g.kind + " " + g.value }

// resourceKey is an ARN's type and region ("vpc-endpoint@us-west-2"),
// "named subnet@us-east-1" for ARNs that name resources (the manifest's
// subnets there, taken away together).
func resourceKey(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	typ, id, _ := strings.Cut(parts[5], "/")
	if id != "*" && !strings.HasSuffix(id, "*") {
		return "named " + typ + "@" + parts[3]
	}
	return typ + "@" + parts[3]
}

// grants lists every grant of the documents.
func grants(printed []attached) []grant {
	set := map[grant]bool{}
	for _, a := range printed {
		for _, s := range a.doc.Statement {
			set[grant{s.Sid, "statement", ""}] = true
			if len(s.Action) > 1 {
				for _, act := range s.Action {
					set[grant{s.Sid, "action", act}] = true
				}
			}
			keys := map[string]bool{}
			for _, r := range s.Resource {
				keys[resourceKey(r)] = true
			}
			if len(keys) > 1 {
				for k := range keys {
					set[grant{s.Sid, "resource", k}] = true
				}
			}
			for op, kv := range s.Condition {
				for key, vals := range kv {
					if len(vals) > 1 && !strings.HasSuffix(op, "IfExists") {
						for _, v := range vals {
							set[grant{s.Sid, "condition", op + " " + key + " " + v}] = true
						}
					}
				}
			}
		}
	}
	out := make([]grant, 0, len(set))
	for g := range set {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// without takes g away from a document.
// symbolic is d with each condition value that sym maps replaced by its
// symbol.
func symbolic(d iampolicy.Document, sym map[string]string) iampolicy.Document {
	out := d
	out.Statement = slices.Clone(d.Statement)
	for i, s := range out.Statement {
		if s.Condition == nil {
			continue
		}
		c := map[string]map[string][]string{}
		for op, kv := range s.Condition {
			c[op] = map[string][]string{}
			for k, vals := range kv {
				vs := slices.Clone(vals)
				for j, v := range vs {
					if x, ok := sym[v]; ok {
						vs[j] = x
					}
				}
				c[op][k] = vs
			}
		}
		out.Statement[i].Condition = c
	}
	return out
}

func without(g grant) alteration {
	return func(_ iampolicy.Mode, _ string, d *iampolicy.Document, live map[string]string) {
		var keep []iampolicy.Statement
		for _, s := range d.Statement {
			if s.Sid != g.sid {
				keep = append(keep, s)
				continue
			}
			switch g.kind {
			case "statement":
				continue
			case "action":
				s.Action = slices.DeleteFunc(slices.Clone(s.Action), func(a string) bool { return a == g.value })
			case "resource":
				s.Resource = slices.DeleteFunc(slices.Clone(s.Resource), func(r string) bool { return resourceKey(r) == g.value })
			case "condition":
				f := strings.SplitN(g.value, " ", 3)
				c := map[string]map[string][]string{}
				for op, kv := range s.Condition {
					c[op] = map[string][]string{}
					for k, vals := range kv {
						if op == f[0] && k == f[1] {
							vals = slices.DeleteFunc(slices.Clone(vals), func(v string) bool { return v == f[2] || live[v] == f[2] })
						}
						c[op][k] = vals
						if len(vals) == 0 {
							s.Action = nil // matches nothing: the statement goes
						}
					}
				}
				s.Condition = c
			}
			if len(s.Action) > 0 && len(s.Resource) > 0 {
				keep = append(keep, s)
			}
		}
		d.Statement = keep
	}
}

// TestEveryGrantIsNeeded is the minimality test: with any one grant of the
// printed policies taken away (a statement, an action, the resources of a
// type in a region, a value of a condition), some step of the flows is
// denied. A grant no flow needs is a grant the generator must drop.
func TestEveryGrantIsNeeded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the flows once per grant")
	}
	full := newE2E(t, nil)
	if err := full.run(context.Background()); err != nil {
		t.Fatalf("the flows fail under the printed policy: %v", err)
	}
	gs := grants(full.printed)
	// The runs wait on the sandbox more than they compute: a few at once.
	var (
		mu       sync.Mutex
		needless []string
		wg       sync.WaitGroup
		work     = make(chan grant)
	)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range work {
				// A subtest each: its sandbox closes when it ends.
				t.Run("without "+g.String(), func(t *testing.T) {
					err := newE2E(t, without(g)).run(context.Background())
					var de *deniedError
					mu.Lock()
					defer mu.Unlock()
					switch {
					case errors.As(err, &de):
					case err != nil:
						t.Errorf("without %s the flows fail for another reason: %v", g, err)
					default:
						needless = append(needless, g.String())
					}
				})
			}
		}()
	}
	for _, g := range gs {
		work <- g
	}
	close(work)
	wg.Wait()
	sort.Strings(needless)
	if len(needless) > 0 {
		t.Errorf("%d of %d grants are needed by no flow (drop them from the generator):\n%s", len(needless), len(gs), strings.Join(needless, "\n"))
	}
	t.Logf("%d grants, each needed by some flow", len(gs))
}

// TestPrintedPolicyRefuses: what the printed apply policy must not allow,
// each through the real SDK as the account's role: an endpoint to a service
// the manifest does not declare, or (printed with --live) to another
// project's service of the provider's own account; removing or claiming
// another project's plink:project tag, removing the lease's, retagging a
// resource into another project; a create in a region where the account
// has no entries.
func TestPrintedPolicyRefuses(t *testing.T) {
	ctx := context.Background()
	e := newE2E(t, nil)
	if err := e.setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.applyStep(ctx, "apply v1", e2eV1, false); err != nil {
		t.Fatal(err)
	}
	m, err := e.parse(e2eV1)
	if err != nil {
		t.Fatal(err)
	}
	// Another project's service in payments' account and region, open to
	// checkout: the policy plink iam-policy --live prints once payments-api
	// exists names that service only.
	pay := e.admin("payments", "us-east-1")
	foreign, err := pay.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{theirLB},
		AcceptanceRequired:      aws.Bool(false),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpointService, Tags: []types.Tag{
			{Key: aws.String(live.TagProject), Value: aws.String("another-project")}, {Key: aws.String(live.TagName), Value: aws.String("theirs")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pay.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{ServiceId: foreign.ServiceConfiguration.ServiceId,
		AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}}); err != nil {
		t.Fatal(err)
	}
	lv, err := e.live(ctx, m)
	if err := e.done(iampolicy.Plan, err); err != nil {
		t.Fatal(err)
	}
	if lv.ServiceNames["payments-api"] == "" || lv.ServiceNames["west-api"] == "" {
		t.Fatalf("live service names %v: payments-api and west-api exist after apply v1", lv.ServiceNames)
	}
	if err := e.attachLive(iampolicy.Apply, m, lv); err != nil {
		t.Fatal(err)
	}
	r, err := e.resolver(m)
	if err != nil {
		t.Fatal(err)
	}
	clients := func(alias, region string) *ec2.Client {
		c, err := r.ClientsFor(ctx, alias, region)
		if err != nil {
			t.Fatal(err)
		}
		return c.EC2
	}
	projectTags := func(rt types.ResourceType) []types.TagSpecification {
		return []types.TagSpecification{{ResourceType: rt, Tags: []types.Tag{{Key: aws.String(live.TagProject), Value: aws.String(m.Project)},
			{Key: aws.String(live.TagName), Value: aws.String("intruder")}}}}
	}
	payments, err := e.serviceName(ctx, "us-east-1", "payments-api")
	if err != nil {
		t.Fatal(err)
	}
	checkout := clients("checkout", "us-east-1")
	mine, err := checkout.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []types.Filter{{Name: aws.String("tag:" + live.TagName), Values: []string{"checkout-payments"}}}})
	if err != nil || len(mine.VpcEndpoints) != 1 {
		t.Fatalf("checkout-payments: %v", err)
	}
	// The project's lease, held as apply holds it.
	home, homeRegion := lease.Home(m)
	held, err := lease.Acquire(ctx, clients(home, homeRegion), lease.Scope{Project: m.Project, Account: home, Region: homeRegion}, lease.Options{Settle: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := held.Release(ctx); err != nil {
			t.Error(err)
		}
	}()
	// The adopted endpoint, moved by hand to another project after v1
	// adopted it: the policy still names its ARN (PlinkAdoptResources),
	// but must not let the role claim it back.
	if _, err := e.admin("checkout", "us-east-1").CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{e.adoptEp},
		Tags: []types.Tag{{Key: aws.String(live.TagProject), Value: aws.String("another-project")}}}); err != nil {
		t.Fatal(err)
	}
	leaseARN := "arn:aws:ec2:" + homeRegion + ":" + m.Accounts[home].ID + ":placement-group/" + lease.Name(m.Project)
	for _, c := range []struct {
		name, action, resource string
		call                   func() error
	}{
		{"DeleteTags removing plink:project from the lease", "ec2:DeleteTags", leaseARN, func() error {
			_, err := clients(home, homeRegion).DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{held.GroupID()},
				Tags: []types.Tag{{Key: aws.String(live.TagProject), Value: aws.String(m.Project)}}})
			return err
		}},
		{"CreateVpcEndpoint to a service the manifest does not declare", "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*", func() error {
			_, err := checkout.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeGateway,
				VpcId: aws.String("vpc-02100000000000001"), ServiceName: aws.String("com.amazonaws.us-east-1.dynamodb"),
				RouteTableIds: []string{"rtb-02100000000000001"}, TagSpecifications: projectTags(types.ResourceTypeVpcEndpoint)})
			return err
		}},
		{"CreateVpcEndpoint to another project's service in the provider's account", "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*", func() error {
			_, err := checkout.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeInterface,
				VpcId: aws.String("vpc-02100000000000001"), ServiceName: foreign.ServiceConfiguration.ServiceName,
				SubnetIds: []string{"subnet-0210000000000000a"}, SecurityGroupIds: []string{"sg-02100000000000001"}, TagSpecifications: projectTags(types.ResourceTypeVpcEndpoint)})
			return err
		}},
		{"DeleteTags removing plink:project from another project's service", "ec2:DeleteTags", "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/" + aws.ToString(foreign.ServiceConfiguration.ServiceId), func() error {
			_, err := clients("payments", "us-east-1").DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{aws.ToString(foreign.ServiceConfiguration.ServiceId)},
				Tags: []types.Tag{{Key: aws.String(live.TagProject)}}})
			return err
		}},
		{"CreateTags claiming another project's service", "ec2:CreateTags", "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/" + aws.ToString(foreign.ServiceConfiguration.ServiceId), func() error {
			_, err := clients("payments", "us-east-1").CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(foreign.ServiceConfiguration.ServiceId)},
				Tags: []types.Tag{{Key: aws.String(live.TagProject), Value: aws.String(m.Project)}}})
			return err
		}},
		{"CreateTags moving an endpoint to another project", "ec2:CreateTags", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/" + aws.ToString(mine.VpcEndpoints[0].VpcEndpointId), func() error {
			_, err := checkout.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(mine.VpcEndpoints[0].VpcEndpointId)},
				Tags: []types.Tag{{Key: aws.String(live.TagProject), Value: aws.String("another-project")}}})
			return err
		}},
		{"CreateTags claiming an adopted endpoint that another project's tag now marks", "ec2:CreateTags", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/" + e.adoptEp, func() error {
			_, err := checkout.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{e.adoptEp},
				Tags: []types.Tag{{Key: aws.String(live.TagProject), Value: aws.String(m.Project)}}})
			return err
		}},
		{"DeleteTags removing plink:project from the project's own endpoint", "ec2:DeleteTags", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/" + aws.ToString(mine.VpcEndpoints[0].VpcEndpointId), func() error {
			_, err := checkout.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{aws.ToString(mine.VpcEndpoints[0].VpcEndpointId)},
				Tags: []types.Tag{{Key: aws.String(live.TagProject)}}})
			return err
		}},
		{"CreateVpcEndpoint in a region where the account has no consumer", "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-west-2:222222222222:vpc-endpoint/*", func() error {
			_, err := clients("checkout", "us-west-2").CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeInterface,
				VpcId: aws.String("vpc-02200000000000001"), ServiceName: aws.String(payments), ServiceRegion: aws.String("us-east-1"),
				SubnetIds: []string{"subnet-0220000000000000a"}, SecurityGroupIds: []string{"sg-02200000000000001"}, TagSpecifications: projectTags(types.ResourceTypeVpcEndpoint)})
			return err
		}},
		{"CreateVpcEndpointServiceConfiguration in a region where the account provides nothing", "ec2:CreateVpcEndpointServiceConfiguration", "arn:aws:ec2:us-west-2:333333333333:vpc-endpoint-service/*", func() error {
			_, err := clients("analytics", "us-west-2").CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
				NetworkLoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-west-2:333333333333:loadbalancer/net/analytics-ingest/032000000005c0c1"},
				TagSpecifications:       projectTags(types.ResourceTypeVpcEndpointService)})
			return err
		}},
	} {
		e.srv.Sandbox.ResetDenials()
		err := c.call()
		if awsenv.ErrorCode(err) != "UnauthorizedOperation" {
			t.Errorf("%s: %v, want UnauthorizedOperation", c.name, err)
			continue
		}
		d := e.srv.Sandbox.Denials()
		if len(d) != 1 || d[0].Action != c.action || d[0].Resource != c.resource {
			t.Errorf("%s: denials %+v, want %s on %s", c.name, d, c.action, c.resource)
		}
	}
}
