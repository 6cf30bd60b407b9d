package campaign

import (
	"context"
	"errors"
	"math/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
)

func newTestEnv(t *testing.T) *Env {
	t.Helper()
	env, err := NewEnv(sandbox.Options{AutoVerifyPrivateDNS: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env
}

// small is a topology with one provider and one consumer in another account.
func small(project string) Topology {
	return Topology{Project: project, Providers: []Provider{{Name: "svc-0", NLB: 0, Acceptance: true, RejectUndeclared: true, Tag: "a"}},
		Consumers: []Consumer{{Name: "use-0", Account: "checkout", Region: "us-east-1", Provider: "svc-0", Subnets: 2, Tag: "a"}}, Serial: 1}
}

// TestGeneratedManifestsLoad: every generated and mutated topology is a
// manifest plink loads without errors.
func TestGeneratedManifestsLoad(t *testing.T) {
	env := newTestEnv(t)
	rng := rand.New(rand.NewSource(7))
	for i := range 200 {
		top := Generate(rng, "gen", allNLBs())
		if i%2 == 1 {
			top = top.Mutate(rng)
		}
		path, err := env.Write(top, "m.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := manifest.Load(path); err != nil {
			t.Fatalf("topology %s does not load: %v\n%s", top, err, top.YAML())
		}
	}
}

// TestCheckFindsEachViolation: the checks see a duplicate, a lost
// resource, a touched foreign resource and a rejected declared endpoint,
// each made by hand after a converged apply.
func TestCheckFindsEachViolation(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	rng := rand.New(rand.NewSource(1))
	top := small("chk")
	foreign, err := env.SeedForeign(ctx, rng, unused(top))
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	path, err := env.step(ctx, &res, top, "m.yaml")
	if err != nil || res.Applies[0] != 1 {
		t.Fatalf("converge: %v, applies %v, %v", err, res.Applies, res.ApplyErrors)
	}
	exp := []Expect{{Project: "chk", Topology: top}}
	if v, err := env.Check(ctx, exp, foreign); err != nil || !v.OK() {
		t.Fatalf("a converged run fails the checks: %v %+v", err, v)
	}
	if left, err := env.Matches(ctx, path); err != nil || left != "" {
		t.Fatalf("a converged run still plans: %q %v", left, err)
	}

	inv, err := env.Reader.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ours, svc Resource
	for _, r := range inv.Project("chk") {
		if r.Kind == "endpoint" {
			ours = r
		} else {
			svc = r
		}
	}
	checkout := env.Reader.EC2("checkout", "us-east-1")
	payments := env.Reader.EC2("payments", "us-east-1")

	// A second endpoint named use-0 by the project: a duplicate.
	svcName := strings.TrimPrefix(strings.Fields(ours.Detail)[0], "service=")
	vpc, sg, subnets := vpcOf("checkout", "us-east-1")
	dup, err := checkout.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String(svcName),
		SubnetIds: subnets[2:], SecurityGroupIds: []string{sg}, VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		TagSpecifications: tagSpec(ec2types.ResourceTypeVpcEndpoint, map[string]string{live.TagProject: "chk", live.TagName: "use-0"})})
	if err != nil {
		t.Fatal(err)
	}
	v, err := env.Check(ctx, exp, foreign)
	if err != nil || v.Duplicates != 1 {
		t.Fatalf("duplicate not seen: %v %+v", err, v)
	}

	// The declared endpoint rejected by its provider.
	if _, err := payments.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: aws.String(svc.ID),
		VpcEndpointIds: []string{ours.ID}}); err != nil {
		t.Fatal(err)
	}
	if v, err = env.Check(ctx, exp, foreign); err != nil || v.DeclaredRejected != 1 {
		t.Fatalf("rejected declared endpoint not seen: %v %+v", err, v)
	}

	// Both endpoints deleted: use-0 is lost.
	if _, err := checkout.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{ours.ID, aws.ToString(dup.VpcEndpoint.VpcEndpointId)}}); err != nil {
		t.Fatal(err)
	}
	if v, err = env.Check(ctx, exp, foreign); err != nil || v.Lost != 1 || v.Duplicates != 0 {
		t.Fatalf("lost endpoint not seen: %v %+v", err, v)
	}

	// A foreign endpoint's tags changed, and another deleted.
	var ids []string
	for id := range foreign {
		if strings.HasPrefix(id, "vpce-") && !strings.HasPrefix(id, "vpce-svc-") {
			ids = append(ids, id)
		}
	}
	if len(ids) < 2 {
		t.Fatalf("seeded %d foreign endpoints, want at least 2", len(ids))
	}
	r, _ := inv.ByID(ids[0])
	if _, err := env.Reader.EC2(r.Account, r.Region).CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids[:1],
		Tags: []ec2types.Tag{{Key: aws.String("touched"), Value: aws.String("yes")}}}); err != nil {
		t.Fatal(err)
	}
	r, _ = inv.ByID(ids[1])
	if _, err := env.Reader.EC2(r.Account, r.Region).DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: ids[1:2]}); err != nil {
		t.Fatal(err)
	}
	if v, err = env.Check(ctx, exp, foreign); err != nil || v.ForeignTouched != 2 {
		t.Fatalf("touched foreign endpoints not seen: %v %+v", err, v)
	}
}

// TestKeepSeesAReplacement: an id the update should have kept but that
// changed counts as lost.
func TestKeepSeesAReplacement(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	top := small("keep")
	var res Result
	if _, err := env.step(ctx, &res, top, "m.yaml"); err != nil {
		t.Fatal(err)
	}
	keep, err := env.KeepIDs(ctx, "keep", top, top, nil)
	if err != nil || len(keep) != 2 {
		t.Fatalf("keep %v %v, want the service and the endpoint", keep, err)
	}
	keep["use-0"] = "vpce-00000000000000000"
	v, err := env.Check(ctx, []Expect{{Project: "keep", Topology: top, Keep: keep}}, Foreign{})
	if err != nil || v.Lost != 1 {
		t.Fatalf("a replaced endpoint is not counted lost: %v %+v", err, v)
	}
}

// TestProxyDropAndServeThenDrop: Drop never reaches the sandbox,
// ServeThenDrop does, and both leave the client without a reply.
func TestProxyDropAndServeThenDrop(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	c := env.Reader.EC2("checkout", "us-east-1")
	vpc, sg, subnets := vpcOf("checkout", "us-east-1")
	create := func(token string) error {
		_, err := c.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(vpc), ServiceName: aws.String("com.amazonaws.us-east-1.sts"),
			SubnetIds: subnets[:1], SecurityGroupIds: []string{sg}, VpcEndpointType: ec2types.VpcEndpointTypeInterface, ClientToken: aws.String(token)},
			func(o *ec2.Options) { o.RetryMaxAttempts = 1 })
		return err
	}
	count := func() int {
		out, err := c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.VpcEndpoints)
	}
	after := 0
	env.Proxy.AfterServe = func(int) { after++ }
	for _, tc := range []struct {
		act     HookAction
		created int
	}{{Drop, 0}, {ServeThenDrop, 1}, {Pass, 1}} {
		env.Proxy.Hook = func(int, string) HookAction { return tc.act }
		before := count()
		err := create("t" + time.Now().String())
		if (err == nil) != (tc.act == Pass) {
			t.Errorf("action %d: error %v", tc.act, err)
		}
		if got := count() - before; got != tc.created {
			t.Errorf("action %d: %d endpoints created, want %d", tc.act, got, tc.created)
		}
	}
	if after != 1 {
		t.Errorf("AfterServe ran %d times, want 1", after)
	}
	ms := env.Proxy.Mutations()
	if len(ms) != 3 || ms[0].Status != 0 || ms[1].Status != http.StatusOK || ms[2].Status != http.StatusOK {
		t.Errorf("mutation log %+v", ms)
	}
}

// TestPlanErrorsStopConverge: a manifest plink refuses is the campaign's
// bug, reported as such at once, not retried.
func TestPlanErrorsStopConverge(t *testing.T) {
	env := newTestEnv(t)
	top := small("bad")
	top.Consumers[0].Region = "us-west-2" // cross-region
	path, err := env.Write(top, "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// supportedRegions is written from the consumers; drop it by hand.
	pl, err := env.Pipeline(path)
	if err != nil {
		t.Fatal(err)
	}
	pl.m.Providers[0].SupportedRegions = nil
	n, _, err := pl.Converge(context.Background())
	if !errors.Is(err, ErrPlanErrors) || n != 1 {
		t.Fatalf("converge: %d applies, %v; want 1 and ErrPlanErrors", n, err)
	}
}

// TestWriteTable: the table has a row per kind and the wall time.
func TestWriteTable(t *testing.T) {
	rs := []Result{
		{Kind: KindFaults, Applies: []int{1, 1}, Took: time.Second},
		{Kind: KindFaults, Applies: []int{2}, Verdict: Verdict{Duplicates: 1, Problems: []string{"x"}}},
		{Kind: KindKills, Applies: []int{1}, Killed: true, Verdict: Verdict{LeasesLeft: 1, Problems: []string{"y"}}},
	}
	var b strings.Builder
	if err := WriteTable(&b, Summarize(rs), time.Minute); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"1:2 2:1", "faults", "kills", "wall time", "1m0s"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	figs := Summarize(rs)
	if figs[0].Failed != 1 || figs[0].Duplicates != 1 || figs[1].Killed != 1 || figs[1].LeasesLeft != 1 {
		t.Errorf("figures %+v", figs)
	}
}
