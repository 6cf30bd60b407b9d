package campaign

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/live"
)

// Foreign is what the campaign puts in the accounts before a run, as other
// tools and other projects would: resources plink must leave alone, with
// their fingerprints when seeded.
type Foreign map[string]string // id → Fingerprint

// SeedForeign creates, with the accounts' own credentials: untagged
// endpoints to AWS STS in two random VPCs, an endpoint tagged as another
// project's with a plink:name the topology also uses (use-0), and, when
// free names a load balancer the run's topologies leave alone, an endpoint
// service of another project named svc-0 with a pending connection from
// the checkout account. It waits until none is pending and returns their
// fingerprints.
func (e *Env) SeedForeign(ctx context.Context, rng *rand.Rand, free []int) (Foreign, error) {
	other := fmt.Sprintf("foreign-%d", rng.Intn(1000))
	var made []Resource
	endpoint := func(alias, region, service string, tags map[string]string) error {
		vpc, sg, subnets := vpcOf(alias, region)
		in := &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String(service), SubnetIds: subnets[:1],
			SecurityGroupIds: []string{sg}, VpcEndpointType: ec2types.VpcEndpointTypeInterface, PrivateDnsEnabled: aws.Bool(false),
			TagSpecifications: tagSpec(ec2types.ResourceTypeVpcEndpoint, tags),
			// a create retried after a reset makes no second endpoint
			ClientToken: aws.String(fmt.Sprintf("%s-%d", other, len(made)))}
		out, err := e.Reader.EC2(alias, region).CreateVpcEndpoint(ctx, in)
		if err != nil {
			return fmt.Errorf("campaign: seeding a foreign endpoint in %s/%s: %w", alias, region, err)
		}
		made = append(made, Resource{Kind: "endpoint", ID: aws.ToString(out.VpcEndpoint.VpcEndpointId), Account: alias, Region: region})
		return nil
	}
	for range 2 {
		a, r := accounts[rng.Intn(len(accounts))].alias, regions[rng.Intn(len(regions))]
		if err := endpoint(a, r, "com.amazonaws."+r+".sts", map[string]string{"owner": "another-team"}); err != nil {
			return nil, err
		}
	}
	a, r := accounts[rng.Intn(len(accounts))].alias, regions[rng.Intn(len(regions))]
	if err := endpoint(a, r, "com.amazonaws."+r+".sts", map[string]string{live.TagProject: other, live.TagName: "use-0"}); err != nil {
		return nil, err
	}
	if len(free) > 0 {
		lb := NLBs[free[rng.Intn(len(free))]]
		c := e.Reader.EC2(lb.account, lb.region)
		out, err := c.CreateVpcEndpointServiceConfiguration(ctx, &ec2.CreateVpcEndpointServiceConfigurationInput{
			NetworkLoadBalancerArns: []string{lb.arn}, AcceptanceRequired: aws.Bool(true), ClientToken: aws.String(other + "-svc"),
			TagSpecifications: tagSpec(ec2types.ResourceTypeVpcEndpointService, map[string]string{live.TagProject: other, live.TagName: "svc-0"})})
		if err != nil {
			return nil, fmt.Errorf("campaign: seeding a foreign service in %s/%s: %w", lb.account, lb.region, err)
		}
		svc := out.ServiceConfiguration
		made = append(made, Resource{Kind: "service", ID: aws.ToString(svc.ServiceId), Account: lb.account, Region: lb.region})
		// The new service may not be visible yet (eventual consistency).
		if err := untilFound(ctx, func() error {
			_, err := c.ModifyVpcEndpointServicePermissions(ctx, &ec2.ModifyVpcEndpointServicePermissionsInput{
				ServiceId: svc.ServiceId, AddAllowedPrincipals: []string{"arn:aws:iam::222222222222:root"}})
			return err
		}); err != nil {
			return nil, fmt.Errorf("campaign: seeding a foreign service's principal: %w", err)
		}
		// The service must be Available before an endpoint can connect.
		if err := e.waitFor(ctx, made[len(made)-1:], func(r Resource) bool { return r.Usable() }); err != nil {
			return nil, err
		}
		if err := untilFound(ctx, func() error {
			return endpoint("checkout", lb.region, aws.ToString(svc.ServiceName), map[string]string{"owner": "another-team"})
		}); err != nil {
			return nil, err
		}
	}
	if err := e.waitFor(ctx, made, func(r Resource) bool { return r.State != "pending" && r.State != "Pending" }); err != nil {
		return nil, err
	}
	e.Proxy.mu.Lock()
	e.seeded = e.Proxy.seq // the seeding's own calls touch them, of course
	e.Proxy.mu.Unlock()
	return e.fingerprints(ctx, made)
}

// untilFound retries f while it fails with a NotFound error, for at most
// a minute: what was just created may not be visible yet.
func untilFound(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := f()
		var ae smithy.APIError
		if err == nil || !errors.As(err, &ae) || !strings.Contains(ae.ErrorCode(), "NotFound") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tagSpec(rt ec2types.ResourceType, tags map[string]string) []ec2types.TagSpecification {
	spec := ec2types.TagSpecification{ResourceType: rt}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range tags {
			if !yield(k) {
				return
			}
		}
	}) {
		spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return []ec2types.TagSpecification{spec}
}

// describe re-reads resources by id in their owner accounts.
func (e *Env) describe(ctx context.Context, rs []Resource) ([]Resource, error) {
	var out []Resource
	for _, r := range rs {
		c := e.Reader.EC2(r.Account, r.Region)
		var got []Resource
		var err error
		if r.Kind == "endpoint" {
			got, err = readEndpoints(ctx, c, r.Account, r.Region, []string{r.ID})
		} else {
			got, err = readServices(ctx, c, r.Account, r.Region, []string{r.ID})
		}
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// waitFor polls rs until ok holds for all of them (the sandbox's
// consistency delay may hide them at first), for at most a minute.
func (e *Env) waitFor(ctx context.Context, rs []Resource, ok func(Resource) bool) error {
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := e.describe(ctx, rs)
		if err == nil && len(got) == len(rs) && !slices.ContainsFunc(got, func(r Resource) bool { return !ok(r) }) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("campaign: seeded resources did not settle within a minute: %v (%v)", got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *Env) fingerprints(ctx context.Context, rs []Resource) (Foreign, error) {
	got, err := e.describe(ctx, rs)
	if err != nil {
		return nil, err
	}
	f := Foreign{}
	for _, r := range got {
		f[r.ID] = r.Fingerprint()
	}
	return f, nil
}

// Expect is what one project's manifest promises after a run.
type Expect struct {
	Project  string
	Topology Topology
	// Keep maps plink:name to the id that must still serve it: a resource
	// the last manifest kept and whose change was not a replace.
	Keep map[string]string
}

// Verdict counts invariant violations; Problems say what each was.
type Verdict struct {
	Duplicates, Lost, ForeignTouched, DeclaredRejected, NotConverged int
	// LeasesLeft counts applies that exited 0 and left the project's
	// lease behind (kill runs, where plink runs as a process).
	LeasesLeft int
	Problems   []string
}

// OK reports whether no invariant was violated.
func (v Verdict) OK() bool { return len(v.Problems) == 0 }

func (v *Verdict) add(n *int, format string, a ...any) {
	*n++
	v.Problems = append(v.Problems, fmt.Sprintf(format, a...))
}

// Check reads every account after a run and checks the invariants for each
// expectation: no plink:name twice among the project's live resources,
// every declared resource present and usable (and the kept ones with their
// ids), no declared endpoint rejected (in live state, or by any
// RejectVpcEndpointConnections the proxy saw answered 200), and every
// foreign resource unchanged and named by no successful mutating call.
func (e *Env) Check(ctx context.Context, exps []Expect, foreign Foreign) (Verdict, error) {
	var v Verdict
	time.Sleep(e.Options.ConsistencyDelay) // what is new is visible to reads
	inv, err := e.Reader.Read(ctx)
	if err != nil {
		return v, err
	}
	muts := e.Proxy.Mutations()
	rejected := map[string]bool{}
	for _, m := range muts {
		if m.Action == "RejectVpcEndpointConnections" && m.Status == 200 {
			for _, id := range m.IDs {
				rejected[id] = true
			}
		}
	}
	for _, x := range exps {
		byName := map[string][]Resource{}
		for _, r := range inv.Project(x.Project) {
			if r.Present() {
				byName[r.Kind+" "+r.Tags[live.TagName]] = append(byName[r.Kind+" "+r.Tags[live.TagName]], r)
			}
			// Not only present ones: a declared endpoint rejected and then
			// replaced was still rejected (names are never reused).
			if r.Kind == "endpoint" && (r.State == "rejected" || rejected[r.ID]) && x.declares(r) {
				v.add(&v.DeclaredRejected, "%s: declared endpoint rejected: %s", x.Project, r)
			}
		}
		for key, rs := range byName {
			if len(rs) > 1 {
				v.add(&v.Duplicates, "%s: %s is served by %d live resources: %v", x.Project, key, len(rs), rs)
			}
		}
		providers, consumers := x.Topology.Names()
		for _, want := range append(prefixed("service ", providers), prefixed("endpoint ", consumers)...) {
			rs := byName[want]
			switch {
			case len(rs) == 0:
				v.add(&v.Lost, "%s: %s is declared but has no live resource", x.Project, want)
			case !slices.ContainsFunc(rs, Resource.Usable):
				v.add(&v.NotConverged, "%s: %s is not available: %v", x.Project, want, rs)
			}
			_, name, _ := cut(want)
			if id, ok := x.Keep[name]; ok && len(rs) > 0 && !slices.ContainsFunc(rs, func(r Resource) bool { return r.ID == id }) {
				v.add(&v.Lost, "%s: %s was %s and should have been kept, now %v", x.Project, want, id, rs)
			}
		}
		for key, rs := range byName {
			_, name, _ := cut(key)
			if !slices.Contains(providers, name) && !slices.Contains(consumers, name) {
				v.add(&v.NotConverged, "%s: %s is no longer declared but still live: %v", x.Project, key, rs)
			}
		}
	}
	touched := map[string]bool{}
	for _, m := range muts {
		for _, id := range m.IDs {
			if _, ok := foreign[id]; ok && m.Seq > e.seeded && m.Status == 200 && !touched[id] {
				touched[id] = true
				v.add(&v.ForeignTouched, "foreign %s named by a successful %s", id, m.Action)
			}
		}
	}
	for id, before := range foreign {
		r, ok := inv.ByID(id)
		switch {
		case !ok && !touched[id]:
			v.add(&v.ForeignTouched, "foreign %s is gone", id)
		case r.Fingerprint() != before && !touched[id]:
			v.add(&v.ForeignTouched, "foreign %s changed:\n  before %s\n  after  %s", id, before, r.Fingerprint())
		}
	}
	return v, nil
}

// declares reports whether r is an endpoint the expectation's manifest
// declares (by its plink tags).
func (x Expect) declares(r Resource) bool {
	_, consumers := x.Topology.Names()
	return r.Tags[live.TagProject] == x.Project && slices.Contains(consumers, r.Tags[live.TagName])
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

func cut(key string) (kind, name string, ok bool) {
	for i := range key {
		if key[i] == ' ' {
			return key[:i], key[i+1:], true
		}
	}
	return "", key, false
}

// KeepIDs returns, for every name both a and b declare, the id of its live
// resource now, unless the plan for b replaces it (replaced lists those
// names).
func (e *Env) KeepIDs(ctx context.Context, project string, a, b Topology, replaced []string) (map[string]string, error) {
	time.Sleep(e.Options.ConsistencyDelay)
	inv, err := e.Reader.Read(ctx)
	if err != nil {
		return nil, err
	}
	ap, ac := a.Names()
	bp, bc := b.Names()
	keep := map[string]string{}
	for _, r := range inv.Project(project) {
		name := r.Tags[live.TagName]
		if !r.Present() || slices.Contains(replaced, name) {
			continue
		}
		both := (r.Kind == "service" && slices.Contains(ap, name) && slices.Contains(bp, name)) ||
			(r.Kind == "endpoint" && slices.Contains(ac, name) && slices.Contains(bc, name))
		if both {
			keep[name] = r.ID
		}
	}
	return keep, nil
}
