package drift_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// The drift side of the state matrix: every state AWS reports for an
// endpoint (and its connection), an endpoint service and a load balancer,
// crossed with what the manifest says of the resource, each with the drift
// verdict and the exit code. Every row runs through the real SDK against a
// sandbox of its own; the sandbox puts the resource into the state
// (sandbox.ForceEndpointState and friends) the way AWS would report it.

const (
	mxNLB      = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"
	mxOtherNLB = "arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/net/analytics-ingest/031000000005c0c1"
)

// Manifest parts; a row's manifest is the header and the parts it names.
const (
	mxHeader = `version: 1
project: matrix
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
  checkout: { id: "222222222222" }
  analytics: { id: "333333333333" }
`
	mxProvider = `  - name: api
    account: payments
    networkLoadBalancerArns: ["` + mxNLB + `"]
    acceptanceRequired: true
    allowedPrincipals: [{ account: checkout }, { account: analytics }]
`
	mxWeb = `  - name: web
    account: checkout
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    securityGroupIds: [sg-02100000000000001]
    provider: api
`
	// s3 keeps analytics in every manifest, so its account-region is read.
	mxS3 = `  - name: s3
    account: analytics
    vpcId: vpc-03100000000000001
    subnetIds: [subnet-0310000000000000a]
    securityGroupIds: [sg-03100000000000001]
    serviceName: com.amazonaws.us-east-1.s3
`
)

// mxManifest joins providers and consumers under the header.
func mxManifest(providers, consumers []string) string {
	out := mxHeader
	if len(providers) > 0 {
		out += "providers:\n" + strings.Join(providers, "")
	}
	if len(consumers) > 0 {
		out += "consumers:\n" + strings.Join(consumers, "")
	}
	return out
}

func mxAdoptedProvider(id string, nlb string) string {
	return fmt.Sprintf("  - name: api\n    account: payments\n    networkLoadBalancerArns: [%q]\n    adopt: %s\n", nlb, id)
}

func mxAdoptedEndpoint(id string) string {
	return fmt.Sprintf(`  - name: an
    account: analytics
    vpcId: vpc-03100000000000001
    subnetIds: [subnet-0310000000000000b]
    securityGroupIds: [sg-03100000000000001]
    provider: api
    adopt: %s
`, id)
}

// mxWorld is one row's sandbox.
type mxWorld struct {
	t   *testing.T
	ctx context.Context
	srv *sandboxtest.Server
}

func (w *mxWorld) parse(text string) *manifest.Manifest {
	w.t.Helper()
	m, err := manifest.Parse("matrix.yaml", []byte(text))
	if err != nil {
		w.t.Fatalf("manifest: %v\n%s", err, text)
	}
	return m
}

func (w *mxWorld) read(m *manifest.Manifest) *live.Snapshot {
	w.t.Helper()
	src := live.APISourceFunc(func(_ context.Context, account, region string) (live.EC2API, live.ELBAPI, error) {
		c := w.srv.Clients(w.t, account, region)
		return c.EC2, c.ELB, nil
	})
	s, err := live.ReadAPIs(w.ctx, m, src, live.ReadOptions{})
	if err != nil {
		w.t.Fatalf("read: %v", err)
	}
	return s
}

// apply converges the sandbox to the manifest text.
func (w *mxWorld) apply(text string) {
	w.t.Helper()
	m := w.parse(text)
	clients := apply.ClientsFunc(func(_ context.Context, account, region string) (apply.EC2API, error) {
		return w.srv.Clients(w.t, account, region).EC2, nil
	})
	if _, err := apply.Run(w.ctx, plan.Compute(m, w.read(m), plan.Options{}), clients, apply.Options{PollInterval: time.Millisecond}); err != nil {
		w.t.Fatalf("apply: %v", err)
	}
}

func (w *mxWorld) drift(text string) *drift.Report {
	w.t.Helper()
	m := w.parse(text)
	s := w.read(m)
	return drift.Build(m, s, plan.Compute(m, s, plan.Options{}))
}

// tagged returns the id of the live resource plink tagged with name.
func (w *mxWorld) tagged(name string) string {
	w.t.Helper()
	m := w.parse(mxManifest([]string{mxProvider}, []string{mxWeb, mxS3}))
	s := w.read(m)
	for _, sv := range s.Services {
		if sv.Tags[live.TagName] == name {
			return sv.ID
		}
	}
	for _, ep := range s.Endpoints {
		if ep.Tags[live.TagName] == name {
			return ep.ID
		}
	}
	w.t.Fatalf("no live resource tagged %s", name)
	return ""
}

// foreignService creates an endpoint service by hand (no plink tags) on
// the load balancer of account and returns its id.
func (w *mxWorld) foreignService(account, nlb string) string {
	w.t.Helper()
	out, err := w.srv.Clients(w.t, account).EC2.CreateVpcEndpointServiceConfiguration(w.ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
		NetworkLoadBalancerArns: []string{nlb}, AcceptanceRequired: aws.Bool(true)})
	if err != nil {
		w.t.Fatal(err)
	}
	return aws.ToString(out.ServiceConfiguration.ServiceId)
}

// foreignEndpoint creates an endpoint by hand (no plink tags) in analytics
// to the service plink made for provider api; accept says whether the
// provider accepts it.
func (w *mxWorld) foreignEndpoint(accept bool) string {
	w.t.Helper()
	svcID := w.tagged("api")
	pay := w.srv.Clients(w.t, "payments").EC2
	cfg, err := pay.DescribeVpcEndpointServiceConfigurations(w.ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{svcID}})
	if err != nil || len(cfg.ServiceConfigurations) != 1 {
		w.t.Fatalf("describe %s: %v", svcID, err)
	}
	out, err := w.srv.Clients(w.t, "analytics").EC2.CreateVpcEndpoint(w.ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String("vpc-03100000000000001"),
		ServiceName: cfg.ServiceConfigurations[0].ServiceName, SubnetIds: []string{"subnet-0310000000000000b"}, SecurityGroupIds: []string{"sg-03100000000000001"}})
	if err != nil {
		w.t.Fatal(err)
	}
	id := aws.ToString(out.VpcEndpoint.VpcEndpointId)
	if accept {
		if _, err := pay.AcceptVpcEndpointConnections(w.ctx, &ec2.AcceptVpcEndpointConnectionsInput{ServiceId: aws.String(svcID), VpcEndpointIds: []string{id}}); err != nil {
			w.t.Fatal(err)
		}
	}
	return id
}

// epWant is a verdict: the kinds of drift items about the resource, and
// the exit code.
type epWant struct {
	kinds []drift.Kind
	exit  int
}

// mxStates is one state's verdicts by intent: declared in the manifest,
// removed from it (still tagged), not ours (untagged, undeclared), adopted
// by id.
type mxStates struct {
	state                           string
	declared, removed, notOurs, adp epWant
}

type mxRow struct {
	name string
	// setup brings the sandbox to the row's state and returns the manifest
	// drift runs with and the id of the resource under test.
	setup func(w *mxWorld) (manifest string, id string)
	// address is the top-level address of the resource under test, when
	// the manifest has one.
	address string
	want    []drift.Kind // kinds of the items about the resource; none: no drift
	exit    int
}

func TestDriftStateMatrix(t *testing.T) {
	full := mxManifest([]string{mxProvider}, []string{mxWeb, mxS3})
	noWeb := mxManifest([]string{mxProvider}, []string{mxS3})
	svcOnly := mxManifest([]string{mxProvider}, []string{mxS3})
	s3Only := mxManifest(nil, []string{mxS3})
	K := func(ks ...drift.Kind) []drift.Kind { return ks }
	var rows []mxRow

	// Endpoints (and their connections), by state × intent.
	none := epWant{nil, 0}
	endpointTable := []mxStates{
		// An undeclared connection left pendingAcceptance (rejectUndeclared
		// false: plan only warns PL030) is drift: its owner waits.
		{"pendingAcceptance", epWant{K(drift.PendingConnection), 2}, epWant{K(drift.Unmanaged), 2}, epWant{K(drift.PendingConnection), 2}, epWant{K(drift.NotAdopted, drift.PendingConnection), 2}},
		{"pending", none, epWant{K(drift.Unmanaged), 2}, none, epWant{K(drift.NotAdopted), 2}},
		{"available", none, epWant{K(drift.Unmanaged), 2}, epWant{K(drift.UndeclaredConnection), 2}, epWant{K(drift.NotAdopted), 2}},
		{"rejected", epWant{K(drift.Changed), 2}, epWant{K(drift.Unmanaged), 2}, none, epWant{K(drift.Changed), 2}},
		{"expired", epWant{K(drift.Changed), 2}, epWant{K(drift.Unmanaged), 2}, none, epWant{K(drift.Changed), 2}},
		{"failed", epWant{K(drift.Changed), 2}, epWant{K(drift.Unmanaged), 2}, none, epWant{K(drift.Changed), 2}},
		{"deleting", epWant{K(drift.Missing), 2}, none, none, epWant{K(drift.Missing), 2}},
		{"deleted", epWant{K(drift.Missing), 2}, none, none, epWant{K(drift.Missing), 2}},
	}
	for _, e := range endpointTable {
		state := e.state
		rows = append(rows,
			mxRow{name: "endpoint " + state + " declared", address: "consumer.web", want: e.declared.kinds, exit: e.declared.exit,
				setup: func(w *mxWorld) (string, string) {
					w.apply(full)
					id := w.tagged("web")
					w.force("endpoint", id, state)
					return full, id
				}},
			mxRow{name: "endpoint " + state + " removed from the manifest", address: "consumer.web", want: e.removed.kinds, exit: e.removed.exit,
				setup: func(w *mxWorld) (string, string) {
					w.apply(full)
					id := w.tagged("web")
					w.force("endpoint", id, state)
					return noWeb, id
				}},
			mxRow{name: "endpoint " + state + " not ours", want: e.notOurs.kinds, exit: e.notOurs.exit,
				setup: func(w *mxWorld) (string, string) {
					w.apply(full)
					id := w.foreignEndpoint(true)
					w.force("endpoint", id, state)
					return full, id
				}},
			mxRow{name: "endpoint " + state + " adopted", address: "consumer.an", want: e.adp.kinds, exit: e.adp.exit,
				setup: func(w *mxWorld) (string, string) {
					w.apply(full)
					id := w.foreignEndpoint(true)
					w.force("endpoint", id, state)
					return mxManifest([]string{mxProvider}, []string{mxWeb, mxS3, mxAdoptedEndpoint(id)}), id
				}},
		)
	}
	// An endpoint deleted by hand with the API (gone at once with the
	// sandbox's zero delays).
	rows = append(rows, mxRow{name: "endpoint deleted by hand, declared", address: "consumer.web", want: K(drift.Missing), exit: 2,
		setup: func(w *mxWorld) (string, string) {
			w.apply(full)
			id := w.tagged("web")
			if _, err := w.srv.Clients(w.t, "checkout").EC2.DeleteVpcEndpoints(w.ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}}); err != nil {
				w.t.Fatal(err)
			}
			return full, id
		}})

	// Endpoint services, by state × intent. Service rows declare no
	// consumer of the service: deleting a service rejects its connections,
	// which the endpoint rows cover.
	serviceTable := []mxStates{
		{"Pending", none, epWant{K(drift.Unmanaged), 2}, none, epWant{K(drift.NotAdopted), 2}},
		{"Available", none, epWant{K(drift.Unmanaged), 2}, none, epWant{K(drift.NotAdopted), 2}},
		{"Deleting", epWant{K(drift.Missing), 2}, none, none, epWant{K(drift.Missing), 2}},
		{"Deleted", epWant{K(drift.Missing), 2}, none, none, epWant{K(drift.Missing), 2}},
		// A failed adopted service is replaced, so it is not adopted.
		{"Failed", epWant{K(drift.Changed), 2}, epWant{K(drift.Unmanaged), 2}, none, epWant{K(drift.Changed), 2}},
	}
	for _, e := range serviceTable {
		state := e.state
		rows = append(rows,
			mxRow{name: "service " + state + " declared", address: "provider.api", want: e.declared.kinds, exit: e.declared.exit,
				setup: func(w *mxWorld) (string, string) {
					w.apply(svcOnly)
					id := w.tagged("api")
					w.force("service", id, state)
					return svcOnly, id
				}},
			mxRow{name: "service " + state + " removed from the manifest", address: "provider.api", want: e.removed.kinds, exit: e.removed.exit,
				setup: func(w *mxWorld) (string, string) {
					w.apply(svcOnly)
					id := w.tagged("api")
					w.force("service", id, state)
					return s3Only, id
				}},
			mxRow{name: "service " + state + " not ours", want: e.notOurs.kinds, exit: e.notOurs.exit,
				setup: func(w *mxWorld) (string, string) {
					w.apply(svcOnly)
					id := w.foreignService("analytics", mxOtherNLB)
					w.force("service", id, state)
					return svcOnly, id
				}},
			mxRow{name: "service " + state + " adopted", address: "provider.api", want: e.adp.kinds, exit: e.adp.exit,
				setup: func(w *mxWorld) (string, string) {
					w.apply(s3Only)
					id := w.foreignService("payments", mxNLB)
					w.force("service", id, state)
					return mxManifest([]string{mxAdoptedProvider(id, mxNLB)}, []string{mxS3}), id
				}},
		)
	}
	// Issue 9 item 3: an adopted service deleted by hand (gone at once with
	// the sandbox's zero delays) is missing, not "No drift".
	rows = append(rows, mxRow{name: "service deleted by hand, adopted", address: "provider.api", want: K(drift.Missing), exit: 2,
		setup: func(w *mxWorld) (string, string) {
			w.apply(s3Only)
			id := w.foreignService("payments", mxNLB)
			if _, err := w.srv.Clients(w.t, "payments").EC2.DeleteVpcEndpointServiceConfigurations(w.ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{id}}); err != nil {
				w.t.Fatal(err)
			}
			return mxManifest([]string{mxAdoptedProvider(id, mxNLB)}, []string{mxS3}), id
		}})

	// A load balancer gone, by intent (issue 9 item 4: it is drift, exit 2,
	// though the plan cannot be made).
	rows = append(rows,
		mxRow{name: "load balancer gone, declared", address: "provider.api", want: K(drift.LoadBalancerMissing), exit: 2,
			setup: func(w *mxWorld) (string, string) {
				w.apply(svcOnly)
				w.force("load-balancer", mxNLB, "")
				return svcOnly, w.tagged("api")
			}},
		mxRow{name: "load balancer gone, removed from the manifest", address: "provider.api", want: K(drift.Unmanaged), exit: 2,
			setup: func(w *mxWorld) (string, string) {
				w.apply(svcOnly)
				id := w.tagged("api")
				w.force("load-balancer", mxNLB, "")
				return s3Only, id
			}},
		mxRow{name: "load balancer gone, adopted", address: "provider.api", want: K(drift.LoadBalancerMissing, drift.NotAdopted), exit: 2,
			setup: func(w *mxWorld) (string, string) {
				w.apply(s3Only)
				id := w.foreignService("payments", mxNLB)
				w.force("load-balancer", mxNLB, "")
				return mxManifest([]string{mxAdoptedProvider(id, mxNLB)}, []string{mxS3}), id
			}},
		mxRow{name: "load balancer gone, not ours", exit: 0,
			setup: func(w *mxWorld) (string, string) {
				w.apply(svcOnly)
				id := w.foreignService("analytics", mxOtherNLB)
				w.force("load-balancer", mxOtherNLB, "")
				return svcOnly, id
			}},
	)

	// Every state the sandbox (and AWS) can report is a row.
	for _, st := range sandbox.EndpointStates {
		if !slices.ContainsFunc(endpointTable, func(e mxStates) bool { return e.state == st }) {
			t.Errorf("endpoint state %s has no row", st)
		}
	}
	for _, st := range sandbox.ServiceStates {
		if !slices.ContainsFunc(serviceTable, func(e mxStates) bool { return e.state == st }) {
			t.Errorf("service state %s has no row", st)
		}
	}

	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			w := &mxWorld{t: t, ctx: context.Background(), srv: sandboxtest.Start(t)}
			text, id := row.setup(w)
			r := w.drift(text)
			var got []drift.Kind
			for _, it := range r.Items {
				if it.ID == id || strings.Contains(it.Address, id) || (row.address != "" && (it.Resource == row.address || strings.HasPrefix(it.Resource, row.address+"["))) {
					if !slices.Contains(got, it.Kind) {
						got = append(got, it.Kind)
					}
				}
			}
			sortKinds(got)
			want := slices.Clone(row.want)
			sortKinds(want)
			if !slices.Equal(got, want) || r.ExitCode() != row.exit || len(r.Errors) > 0 {
				var buf bytes.Buffer
				_ = drift.Text(&buf, r)
				t.Errorf("kinds %v exit %d, want %v exit %d\n%s", got, r.ExitCode(), want, row.exit, buf.String())
			}
			for _, it := range r.Items {
				if it.Hint == "" && it.Severity == drift.SeverityError {
					t.Errorf("%s %s has no hint", it.Kind, it.Address)
				}
			}
		})
	}
}

func sortKinds(ks []drift.Kind) { sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] }) }

// force puts a resource into a state through the sandbox's control API.
func (w *mxWorld) force(kind, id, state string) {
	w.t.Helper()
	var err error
	switch kind {
	case "endpoint":
		err = w.srv.Sandbox.ForceEndpointState(id, state)
	case "service":
		err = w.srv.Sandbox.ForceServiceState(id, state)
	case "load-balancer":
		err = w.srv.Sandbox.ForceLoadBalancerState(id, state)
	}
	if err != nil {
		w.t.Fatal(err)
	}
}

// Issue 9 item 11: a provider deleted by hand with a declared consumer
// still pointing at it. The drift names what is missing and what the
// manifest declares, never "the manifest says (none)", and the consumer's
// endpoint (rejected when its service went) names its state.
func TestDriftMissingProviderSaysWhatIsDeclared(t *testing.T) {
	w := &mxWorld{t: t, ctx: context.Background(), srv: sandboxtest.Start(t)}
	full := mxManifest([]string{mxProvider}, []string{mxWeb, mxS3})
	w.apply(full)
	epID := w.tagged("web")
	if err := w.srv.Sandbox.ForceServiceState(w.tagged("api"), "Deleted"); err != nil {
		t.Fatal(err)
	}
	r := w.drift(full)
	var buf bytes.Buffer
	_ = drift.Text(&buf, r)
	out := buf.String()
	if r.ExitCode() != 2 || strings.Contains(out, "(none)") {
		t.Errorf("exit %d, want 2 and no (none):\n%s", r.ExitCode(), out)
	}
	for _, want := range []string{
		"provider.api (declared in payments 111111111111 region us-east-1 with load balancer net/payments-api)",
		"endpoint " + epID + " is rejected: the provider rejected the connection",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("drift lacks %q:\n%s", want, out)
		}
	}
}

// Issue 9 item 5: two load balancers, one in a/b/c and one in a/b, cover
// a/b/c together: no drift, run after run. Deleting the a/b/c one is a
// real loss, named for the consumer with a subnet in that AZ, and exit 2 (not 1,
// though the plan cannot be made: issue 9 item 4).
func TestDriftLoadBalancerCoverageIsTheUnion(t *testing.T) {
	const nlbAB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-ab/011000000005c0ab"
	world := sandbox.DefaultWorld()
	for i := range world.Accounts {
		if world.Accounts[i].Alias != "payments" {
			continue
		}
		rw := world.Accounts[i].Regions["us-east-1"]
		rw.LoadBalancers = append(rw.LoadBalancers, sandbox.LoadBalancer{Arn: nlbAB, Type: "network", VpcID: "vpc-01100000000000001",
			Subnets: []string{"subnet-0110000000000000a", "subnet-0110000000000000b"}})
		world.Accounts[i].Regions["us-east-1"] = rw
	}
	w := &mxWorld{t: t, ctx: context.Background(), srv: sandboxtest.StartWorld(t, world)}
	provider := strings.Replace(mxProvider, `["`+mxNLB+`"]`, `["`+mxNLB+`", "`+nlbAB+`"]`, 1)
	// web uses subnets a, b and c of checkout.
	web := strings.Replace(mxWeb, "subnet-0210000000000000b]", "subnet-0210000000000000b, subnet-0210000000000000c]", 1)
	text := mxManifest([]string{provider}, []string{web, mxS3})
	w.apply(text)
	for run := 0; run < 2; run++ {
		if r := w.drift(text); r.ExitCode() != 0 {
			var buf bytes.Buffer
			_ = drift.Text(&buf, r)
			t.Fatalf("run %d: exit %d, want no drift\n%s", run, r.ExitCode(), buf.String())
		}
	}

	w.force("load-balancer", mxNLB, "")
	r := w.drift(text)
	var buf bytes.Buffer
	_ = drift.Text(&buf, r)
	kinds := map[string]drift.Kind{}
	for _, it := range r.Items {
		kinds[it.Address] = it.Kind
		if it.Kind == drift.LoadBalancerZoneLost && it.Address == "consumer.web" && !strings.Contains(it.Message, "use1-az4 (subnet-0210000000000000b)") {
			// payments' us-east-1c is use1-az4, checkout's us-east-1b
			t.Errorf("zone loss does not name the AZ id and the subnet there: %s", it.Message)
		}
	}
	if r.ExitCode() != 2 || len(r.Errors) > 0 || kinds["consumer.web"] != drift.LoadBalancerZoneLost || kinds["provider.api"] != drift.LoadBalancerMissing {
		t.Errorf("exit %d, errors %v, kinds %v; want exit 2 with the load balancer missing and web's zone lost\n%s", r.ExitCode(), r.Errors, kinds, buf.String())
	}
}
