package apply_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
)

// The default world's VPC Lattice resources (sandbox/worlds/default.yaml):
// payments shares ordersRCFG (gateway in use1-az1 and use1-az2: checkout's
// us-east-1c and us-east-1a) and replicaRCFG with checkout, and meshSN
// with the organization checkout is in.
const (
	ordersRCFG  = "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a"
	privateRCFG = "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000b"
	replicaRCFG = "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000c"
	meshSN      = "arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-0111000000000000a"
)

func ordersDB(arn, extra string) string {
	return `  - name: orders-db
    account: checkout
    type: Resource
    vpcId: vpc-02100000000000001
    securityGroupIds: [sg-02100000000000001]
    resourceConfigurationArn: ` + arn + "\n" + extra
}

const meshConsumer = `  - name: mesh
    account: checkout
    type: ServiceNetwork
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    serviceNetworkArn: ` + meshSN + "\n"

// latticeEndpoints are checkout's Resource and ServiceNetwork endpoints in
// us-east-1, by type.
func (e *env) latticeEndpoints() map[ec2types.VpcEndpointType]ec2types.VpcEndpoint {
	e.t.Helper()
	out, err := e.srv.Clients(e.t, "checkout").EC2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-endpoint-type"), Values: []string{"Resource", "ServiceNetwork"}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	got := map[ec2types.VpcEndpointType]ec2types.VpcEndpoint{}
	for _, ep := range out.VpcEndpoints {
		if st := string(ep.State); st == "deleting" || st == "deleted" {
			continue
		}
		if _, dup := got[ep.VpcEndpointType]; dup {
			e.t.Fatalf("two %s endpoints", ep.VpcEndpointType)
		}
		got[ep.VpcEndpointType] = ep
	}
	return got
}

func changeOf(t *testing.T, p *plan.Plan, addr string) plan.Change {
	t.Helper()
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	t.Fatalf("no change for %s in %+v", addr, p.Changes)
	return plan.Change{}
}

func TestE2EResourceAndServiceNetworkEndpoints(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	// Create: a resource endpoint with private DNS for one specified
	// domain, and a service-network endpoint.
	create := fixedManifest(t, ordersDB(ordersRCFG, `    subnetIds: [subnet-0210000000000000a]
    privateDnsEnabled: true
    dnsOptions:
      privateDnsPreference: VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS
      privateDnsSpecifiedDomains: [orders-db.internal.example.com]
`)+meshConsumer)
	p, _ := e.plan(create)
	db, mesh := changeOf(t, p, "consumer.orders-db"), changeOf(t, p, "consumer.mesh")
	if db.Action != plan.Create || db.After.Type != "Resource" || db.After.ResourceConfigurationARN != ordersRCFG || db.After.ServiceName != "" ||
		db.After.PrivateDNSPreference != "VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS" || !slices.Equal(db.After.PrivateDNSSpecifiedDomains, []string{"orders-db.internal.example.com"}) {
		t.Fatalf("resource create %+v", db.After)
	}
	if mesh.Action != plan.Create || mesh.After.Type != "ServiceNetwork" || mesh.After.ServiceNetworkARN != meshSN || db.PrivateDNSAfterAccept {
		t.Fatalf("service-network create %+v", mesh)
	}
	for _, c := range p.Changes {
		if c.Kind == plan.KindConnection {
			t.Errorf("a Resource or ServiceNetwork endpoint has no acceptance: %+v", c)
		}
	}
	// The estimate leaves them out and says so.
	if p.Cost == nil || p.Cost.EndpointAZsDelta != 0 || !strings.HasSuffix(p.Cost.Note, "; 2 Resource/ServiceNetwork endpoint change(s) not in it (AWS bills resource endpoints per GB processed, service-network endpoints through VPC Lattice; see docs/plan.md)") {
		t.Errorf("cost %+v", p.Cost)
	}
	res := e.apply(create)
	if s := res.Summary(); s.Added != 2 {
		t.Errorf("summary %+v", s)
	}
	eps := e.latticeEndpoints()
	rep, snep := eps[ec2types.VpcEndpointTypeResource], eps[ec2types.VpcEndpointTypeServiceNetwork]
	if aws.ToString(rep.ResourceConfigurationArn) != ordersRCFG || !aws.ToBool(rep.PrivateDnsEnabled) || rep.DnsOptions == nil ||
		aws.ToString(rep.DnsOptions.PrivateDnsPreference) != "VERIFIED_DOMAINS_AND_SPECIFIED_DOMAINS" || rep.Tags == nil {
		t.Fatalf("resource endpoint %+v", rep)
	}
	if aws.ToString(snep.ServiceNetworkArn) != meshSN || !slices.Equal(snep.SubnetIds, []string{"subnet-0210000000000000a", "subnet-0210000000000000b"}) {
		t.Fatalf("service-network endpoint %+v", snep)
	}
	// The second apply changes nothing and makes no mutating call.
	e.converged(create)

	// Update in place: another preference; the service network gains a
	// subnet (AWS adds subnets to service-network endpoints).
	meshWithC := strings.Replace(meshConsumer, "subnet-0210000000000000b]", "subnet-0210000000000000b, subnet-0210000000000000c]", 1)
	update := fixedManifest(t, ordersDB(ordersRCFG, `    subnetIds: [subnet-0210000000000000a]
    privateDnsEnabled: true
    dnsOptions:
      privateDnsPreference: VERIFIED_DOMAINS_ONLY
`)+meshWithC)
	p, _ = e.plan(update)
	db, mesh = changeOf(t, p, "consumer.orders-db"), changeOf(t, p, "consumer.mesh")
	if db.Action != plan.Update || len(db.ReplaceReasons) != 0 || mesh.Action != plan.Update {
		t.Fatalf("update: %s %v, %s", db.Action, db.ReplaceReasons, mesh.Action)
	}
	var names []string
	for _, d := range plan.Diff(db.Kind, db.Before, db.After) {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"privateDnsPreference", "privateDnsSpecifiedDomains"}) {
		t.Errorf("resource endpoint diff %v", names)
	}
	e.apply(update)
	eps = e.latticeEndpoints()
	if got := eps[ec2types.VpcEndpointTypeResource]; aws.ToString(got.VpcEndpointId) != aws.ToString(rep.VpcEndpointId) ||
		aws.ToString(got.DnsOptions.PrivateDnsPreference) != "VERIFIED_DOMAINS_ONLY" || len(got.DnsOptions.PrivateDnsSpecifiedDomains) != 0 {
		t.Fatalf("resource endpoint after the update %+v", got)
	}
	if got := eps[ec2types.VpcEndpointTypeServiceNetwork]; aws.ToString(got.VpcEndpointId) != aws.ToString(snep.VpcEndpointId) || len(got.SubnetIds) != 3 {
		t.Fatalf("service-network endpoint after the update %+v", got)
	}
	e.converged(update)

	// What AWS does not change in place replaces: a resource endpoint's
	// subnets, a subnet taken from a service-network endpoint.
	p, _ = e.plan(fixedManifest(t, ordersDB(ordersRCFG, `    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000c]
    privateDnsEnabled: true
    dnsOptions:
      privateDnsPreference: VERIFIED_DOMAINS_ONLY
`)+meshConsumer))
	for _, addr := range []string{"consumer.orders-db", "consumer.mesh"} {
		if ch := changeOf(t, p, addr); ch.Action != plan.Replace || !slices.Equal(ch.ReplaceReasons, []string{"subnetIds"}) {
			t.Errorf("%s: %s %v, want a replace for subnetIds", addr, ch.Action, ch.ReplaceReasons)
		}
	}

	// Drift: private DNS turned off outside plink.
	ec := e.srv.Clients(t, "checkout").EC2
	if _, err := ec.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: rep.VpcEndpointId, PrivateDnsEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(update)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := live.Read(ctx, m, e.resolver(m), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	report := drift.Build(m, snap, plan.Compute(m, snap, e.planOpts))
	var items []string
	for _, it := range report.Items {
		items = append(items, it.Address+" "+string(it.Kind)+" "+it.Attribute)
	}
	for _, want := range []string{"consumer.orders-db changed privateDnsEnabled", "consumer.orders-db changed privateDnsPreference"} {
		if !slices.Contains(items, want) {
			t.Errorf("drift items %q lack %q", items, want)
		}
	}
	e.apply(update)
	e.converged(update)

	// Replace: another resource configuration is a new endpoint.
	replace := fixedManifest(t, ordersDB(replicaRCFG, "    subnetIds: [subnet-0210000000000000a]\n")+meshWithC)
	p, _ = e.plan(replace)
	db = changeOf(t, p, "consumer.orders-db")
	if db.Action != plan.Replace || !slices.Equal(db.ReplaceReasons, []string{"resourceConfigurationArn"}) ||
		len(db.Breaks) != 1 || !strings.Contains(db.Breaks[0], "for resource configuration "+ordersRCFG) {
		t.Fatalf("replace %s %v %q", db.Action, db.ReplaceReasons, db.Breaks)
	}
	e.apply(replace)
	if got := e.latticeEndpoints()[ec2types.VpcEndpointTypeResource]; aws.ToString(got.ResourceConfigurationArn) != replicaRCFG || aws.ToString(got.VpcEndpointId) == aws.ToString(rep.VpcEndpointId) {
		t.Fatalf("after the replace %+v", got)
	}
	e.converged(replace)

	// Drift: the service-network endpoint deleted by hand is missing, and
	// the report says what it connects to.
	mid := aws.ToString(e.latticeEndpoints()[ec2types.VpcEndpointTypeServiceNetwork].VpcEndpointId)
	if _, err := ec.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{mid}}); err != nil {
		t.Fatal(err)
	}
	if m, err = manifest.Load(replace); err != nil {
		t.Fatal(err)
	}
	if snap, err = live.Read(ctx, m, e.resolver(m), live.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	missing := false
	for _, it := range drift.Build(m, snap, plan.Compute(m, snap, e.planOpts)).Items {
		if it.Address == "consumer.mesh" && it.Kind == drift.Missing && strings.Contains(it.Message, "connecting to "+meshSN) {
			missing = true
		}
	}
	if !missing {
		t.Errorf("the deleted service-network endpoint is not reported missing with its network")
	}
	e.apply(replace)
	e.converged(replace)

	// Delete both.
	none := fixedManifest(t, "")
	p, _ = e.plan(none)
	if s := p.Summary(); s.Destroy != 2 {
		t.Fatalf("delete plan %+v", s)
	}
	// what each delete breaks names its target (these endpoints name no service)
	for _, c := range p.Changes {
		if c.Action == plan.Delete && c.Kind == plan.KindEndpoint {
			if len(c.Breaks) != 1 || !strings.Contains(c.Breaks[0], "arn:aws:vpc-lattice:") {
				t.Errorf("%s breaks %q: want the target's ARN", c.Address, c.Breaks)
			}
		}
	}
	e.apply(none)
	if got := e.latticeEndpoints(); len(got) != 0 {
		t.Fatalf("left after the delete: %+v", got)
	}
	e.converged(none)
}

// latticeManifest is fixedManifest with payments (the configurations'
// owner) declared too when withOwner is set.
func latticeManifest(t *testing.T, withOwner bool, consumers string) string {
	t.Helper()
	path := fixedManifest(t, consumers)
	if !withOwner {
		return path
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(b), "accounts:\n", "accounts:\n  payments: {id: \"111111111111\", roleArn: \"arn:aws:iam::111111111111:role/plink\"}\n", 1)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// lintPlan is planOf as plink plan reads: with the VPC Lattice targets
// (the lints' reads, which apply, drift and status do not make).
func (e *env) lintPlan(path string) *plan.Plan {
	e.t.Helper()
	m, err := manifest.Load(path)
	if err != nil {
		e.t.Fatal(err)
	}
	snap, err := live.Read(context.Background(), m, e.resolver(m), live.ReadOptions{LatticeTargets: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return plan.Compute(m, snap, e.planOpts)
}

func diagLines(p *plan.Plan) []string {
	var out []string
	for _, d := range p.Diagnostics {
		if d.Code == plan.CodeVPCAZNotCovered || d.Code == "PL007" {
			continue
		}
		out = append(out, string(d.Severity)+" "+d.Code+" "+d.Message+" | "+d.Hint)
	}
	return out
}

// The plan lints what AWS would refuse of Resource and ServiceNetwork
// consumers, from what VPC Lattice tells the consumer's account (and the
// owner's, when the manifest declares it): a configuration or network not
// shared (PL240), a subnet in a zone the resource gateway has no subnet in
// (PL241), and what it could not read (PL130).
func TestE2ELatticeLints(t *testing.T) {
	e := newEnv(t)
	lattice := func() int {
		n := 0
		for _, c := range e.srv.Sandbox.Calls() {
			if c.Service == "vpc-lattice" {
				n += c.Count
			}
		}
		return n
	}

	// Not shared with checkout: an error, and the apply does not start.
	e.srv.Sandbox.ResetCalls()
	p := e.lintPlan(fixedManifest(t, ordersDB(privateRCFG, "    subnetIds: [subnet-0210000000000000a]\n")))
	want := []string{"error PL240 consumer.orders-db: resource configuration " + privateRCFG + " is not shared with account checkout (222222222222), or does not exist (VPC Lattice GetResourceConfiguration: not found); AWS refuses the endpoint | ask its owner, account 111111111111, to share it through AWS RAM with 222222222222 (or its organization), and accept the share in 222222222222; or check resourceConfigurationArn"}
	if got := diagLines(p); !slices.Equal(got, want) {
		t.Errorf("diagnostics\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := lattice(); n != 1 {
		t.Errorf("%d VPC Lattice calls, want 1 (GetResourceConfiguration)", n)
	}
	// A service network that does not exist, likewise.
	p = e.lintPlan(fixedManifest(t, strings.Replace(meshConsumer, "sn-0111000000000000a", "sn-0111000000000000f", 1)))
	if got := diagLines(p); len(got) != 1 || !strings.HasPrefix(got[0], "error PL240 consumer.mesh: service network arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-0111000000000000f is not shared with account checkout") {
		t.Errorf("diagnostics %q", got)
	}

	// Subnet b (use1-az4) for the orders configuration, whose gateway has
	// subnets in use1-az1 and use1-az2: with payments, its owner, in the
	// manifest plink reads the gateway there.
	twoZones := ordersDB(ordersRCFG, "    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]\n")
	e.srv.Sandbox.ResetCalls()
	p = e.lintPlan(latticeManifest(t, true, twoZones))
	want = []string{"error PL241 consumer.orders-db: subnets subnet-0210000000000000b (use1-az4) are in Availability Zones where resource gateway rgw-0111000000000000a of " + ordersRCFG + " has no subnet; AWS refuses the endpoint there | use subnets in use1-az1, use1-az2 (AZ ids), or give the resource gateway subnets in those zones (account 111111111111)"}
	if got := diagLines(p); !slices.Equal(got, want) {
		t.Errorf("diagnostics\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := lattice(); n != 2 {
		t.Errorf("%d VPC Lattice calls, want 2 (GetResourceConfiguration, GetResourceGateway)", n)
	}
	// Without the owner plink cannot see the gateway: no zone check, no call.
	e.srv.Sandbox.ResetCalls()
	p = e.lintPlan(latticeManifest(t, false, twoZones))
	if got := diagLines(p); len(got) != 0 {
		t.Errorf("diagnostics without the owner %q", got)
	}
	if n := lattice(); n != 1 {
		t.Errorf("%d VPC Lattice calls without the owner, want 1", n)
	}
	// Shared through the organization: nothing to say.
	if got := diagLines(e.lintPlan(fixedManifest(t, meshConsumer))); len(got) != 0 {
		t.Errorf("diagnostics for the shared network %q", got)
	}

	// Denied: the plan says it could not check, and goes on.
	e.srv.Sandbox.Inject(sandbox.Fault{Action: "GetResourceConfiguration", Code: "AccessDeniedException", Status: 403, Times: -1})
	p = e.lintPlan(fixedManifest(t, ordersDB(ordersRCFG, "    subnetIds: [subnet-0210000000000000a]\n")))
	if got := diagLines(p); len(got) != 1 || !strings.HasPrefix(got[0], "info PL130 consumer.orders-db: could not check that resource configuration "+ordersRCFG+" is shared with account checkout (222222222222): AccessDeniedException") || p.HasErrors() {
		t.Errorf("diagnostics when denied %q", got)
	}
	e.srv.Sandbox.ClearFaults()
	// The gateway cannot be read in the owner's account: likewise.
	e.srv.Sandbox.Inject(sandbox.Fault{Action: "GetResourceGateway", Code: "AccessDeniedException", Status: 403, Times: -1})
	p = e.lintPlan(latticeManifest(t, true, twoZones))
	if got := diagLines(p); len(got) != 1 || !strings.HasPrefix(got[0], "info PL130 consumer.orders-db: could not read the Availability Zones of resource gateway rgw-0111000000000000a of "+ordersRCFG+" in its owner's account 111111111111: AccessDeniedException") {
		t.Errorf("diagnostics when the gateway is denied %q", got)
	}
	e.srv.Sandbox.ClearFaults()

	// Without the lints' reads (apply, drift, status) no VPC Lattice call
	// is made, and the plan says nothing of sharing.
	e.srv.Sandbox.ResetCalls()
	if got := diagLines(e.planOf(fixedManifest(t, ordersDB(privateRCFG, "    subnetIds: [subnet-0210000000000000a]\n")))); len(got) != 0 || lattice() != 0 {
		t.Errorf("without the lints' reads: %d calls, diagnostics %q", lattice(), got)
	}

	// A manifest without Resource or ServiceNetwork consumers makes no
	// VPC Lattice call.
	e.srv.Sandbox.ResetCalls()
	e.lintPlan(fixedManifest(t, sqsConsumer+"    subnetIds: [subnet-0210000000000000a]\n"))
	if n := lattice(); n != 0 {
		t.Errorf("%d VPC Lattice calls for an interface consumer", n)
	}
}

// The state matrix for Resource and ServiceNetwork endpoints (the rows of
// TestStateMatrixEndpoint that apply to endpoints without acceptance):
// each type forced into each state AWS reports, crossed with the manifest
// declaring it as it is, changed, or removed.
func TestStateMatrixLatticeEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("state matrix against the sandbox")
	}
	table := map[string]map[string]want{
		"pending":   {"declared": {"", 0}, "changed": {plan.Update, 2}, "removed": {plan.Delete, 2}},
		"available": {"declared": {"", 0}, "changed": {plan.Update, 2}, "removed": {plan.Delete, 2}},
		// a rejected or failed endpoint carries no traffic: replaced
		"rejected": {"declared": {plan.Replace, 2}, "changed": {plan.Replace, 2}, "removed": {plan.Delete, 2}},
		"failed":   {"declared": {plan.Replace, 2}, "changed": {plan.Replace, 2}, "removed": {plan.Delete, 2}},
		// going or gone: created anew, and nothing to delete
		"deleting": {"declared": {plan.Create, 2}, "changed": {plan.Create, 2}, "removed": {"", 0}},
		"deleted":  {"declared": {plan.Create, 2}, "changed": {plan.Create, 2}, "removed": {"", 0}},
	}
	consumers := map[string]string{
		"Resource":       ordersDB(ordersRCFG, "    subnetIds: [subnet-0210000000000000a]\n"),
		"ServiceNetwork": meshConsumer,
	}
	addrs := map[string]string{"Resource": "consumer.orders-db", "ServiceNetwork": "consumer.mesh"}
	intents := []string{"declared", "changed", "removed"}
	for _, typ := range []string{"Resource", "ServiceNetwork"} {
		for _, state := range []string{"pending", "available", "rejected", "failed", "deleting", "deleted"} {
			for _, in := range intents {
				w := table[state][in]
				t.Run(typ+"/"+state+"/"+in, func(t *testing.T) {
					t.Parallel()
					e := newEnv(t)
					path := fixedManifest(t, consumers[typ])
					res := e.apply(path)
					id := res.Created[addrs[typ]]
					m, err := manifest.Load(path)
					if err != nil {
						t.Fatal(err)
					}
					switch in {
					case "changed":
						m.Consumers[0].Tags = map[string]string{"tier": "gold"}
					case "removed":
						m.Consumers = nil
					}
					if err := e.srv.Sandbox.ForceEndpointState(id, state); err != nil {
						t.Fatal(err)
					}
					p := e.planManifest(m)
					checkRow(t, p, addrs[typ], w)
					if w.exit == 2 && state != "pending" {
						e.applyPlan(t, m, p)
						if again := e.planManifest(m); again.HasChanges() || again.HasErrors() {
							t.Errorf("not converged after one apply: %s", summary(again))
						}
					}
				})
			}
		}
	}
}

// PL230 counts interface and Gateway Load Balancer endpoints: Resource and
// ServiceNetwork endpoints in the VPC have quotas of their own.
func TestE2ELatticeEndpointsOutsideTheInterfaceQuota(t *testing.T) {
	e := newEnv(t)
	e.planOpts.EndpointsPerVPC = 1
	lattice := ordersDB(ordersRCFG, "    subnetIds: [subnet-0210000000000000a]\n") + meshConsumer
	p := e.planOf(fixedManifest(t, sqsConsumer+"    subnetIds: [subnet-0210000000000000a]\n"+lattice))
	if slices.Contains(diagCodes(p), plan.CodeQuotaEndpoints) {
		t.Errorf("PL230 with one interface endpoint: %+v", p.Diagnostics)
	}
	e.apply(fixedManifest(t, lattice))
	p = e.planOf(fixedManifest(t, sqsConsumer+"    subnetIds: [subnet-0210000000000000a]\n"+strings.Replace(sqsConsumer, "checkout-sqs", "checkout-sqs2", 1)+
		"    subnetIds: [subnet-0210000000000000b]\n"+lattice))
	if !slices.Contains(diagCodes(p), plan.CodeQuotaEndpoints) {
		t.Errorf("no PL230 with two interface endpoints: %+v", p.Diagnostics)
	}
}
