package sandbox_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/sandbox"
)

// AWS keeps ClientTokens for a while after the resource they created is
// deleted: the same create is answered with that resource, deleted, until the
// retention (Options.ClientTokenRetention) passes. Checked in memory and
// across a state file, where deleted endpoints are dropped from the state.
func TestClientTokenOutlivesDeletedResource(t *testing.T) {
	for _, persist := range []bool{false, true} {
		t.Run(map[bool]string{false: "in memory", true: "state file"}[persist], func(t *testing.T) {
			clk := newClock()
			opts := sandbox.Options{Clock: clk.Now, EndpointAvailableDelay: time.Minute}
			if persist {
				opts.StatePath = filepath.Join(t.TempDir(), "state.json")
			}
			srv := start(t, opts)
			prov := srv.Clients(t, "payments").EC2
			cons := srv.Clients(t, "checkout").EC2
			stok := func(in *ec2.CreateVpcEndpointServiceConfigurationInput) {
				in.ClientToken = aws.String("svc-token")
				in.AcceptanceRequired = aws.Bool(false)
			}
			svc := createService(t, prov, stok)
			allow(t, prov, *svc.ServiceId, "*")
			etok := func(in *ec2.CreateVpcEndpointInput) { in.ClientToken = aws.String("ep-token") }
			ep, err := createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast(), etok)
			must(t, err)
			id := *ep.VpcEndpointId
			del, err := cons.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
			must(t, err)
			if len(del.Unsuccessful) != 0 {
				t.Fatalf("delete: %+v", del.Unsuccessful)
			}
			again := func() *types.VpcEndpoint {
				t.Helper()
				ep, err := createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast(), etok)
				must(t, err)
				return ep
			}
			// While it is being deleted, and once it is gone, the token
			// answers with it.
			if got := again(); *got.VpcEndpointId != id || got.State != "deleting" {
				t.Fatalf("while deleting: %s %s", *got.VpcEndpointId, got.State)
			}
			clk.Advance(2 * time.Minute)
			if persist {
				must(t, srv.Sandbox.Save()) // drops the gone endpoint from the state
				srv = start(t, opts)        // and a new sandbox reads the token record
				cons = srv.Clients(t, "checkout").EC2
			}
			if got := again(); *got.VpcEndpointId != id || got.State != "deleted" {
				t.Fatalf("after deletion: %s %s, want %s deleted", *got.VpcEndpointId, got.State, id)
			}
			_, err = cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
			wantCode(t, err, "InvalidVpcEndpointId.NotFound")
			all, err := cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
			must(t, err)
			if len(all.VpcEndpoints) != 0 {
				t.Fatalf("answering with the deleted endpoint made one: %+v", all.VpcEndpoints)
			}
			// Other parameters with the token are still a mismatch.
			_, err = createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, checkoutSubnetsEast()[:2], etok)
			wantCode(t, err, "IdempotentParameterMismatch")

			// A deleted service, likewise.
			prov = srv.Clients(t, "payments").EC2
			dsv, err := prov.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
			must(t, err)
			if len(dsv.Unsuccessful) != 0 {
				t.Fatalf("delete service: %+v", dsv.Unsuccessful)
			}
			if got := createService(t, prov, stok); *got.ServiceId != *svc.ServiceId || got.ServiceState != types.ServiceStateDeleted {
				t.Fatalf("deleted service: %s %s, want %s Deleted", *got.ServiceId, got.ServiceState, *svc.ServiceId)
			}

			// After the retention the token is forgotten: a new resource.
			clk.Advance(sandbox.DefaultClientTokenRetention)
			if persist {
				must(t, srv.Sandbox.Save())
			}
			svc2 := createService(t, prov, stok)
			if *svc2.ServiceId == *svc.ServiceId || svc2.ServiceState != types.ServiceStateAvailable {
				t.Fatalf("after retention: %s %s", *svc2.ServiceId, svc2.ServiceState)
			}
			allow(t, prov, *svc2.ServiceId, "*")
			ep2, err := createEndpoint(cons, checkoutVPCEast, *svc2.ServiceName, checkoutSubnetsEast(), etok)
			must(t, err)
			if *ep2.VpcEndpointId == id || ep2.State != "pending" {
				t.Fatalf("after retention: %s %s", *ep2.VpcEndpointId, ep2.State)
			}
		})
	}
}

func TestClientTokenRetentionOption(t *testing.T) {
	for _, tc := range []struct {
		retention, after time.Duration
		same             bool
	}{
		{time.Hour, 59 * time.Minute, true},
		{time.Hour, time.Hour, false},
		{-1, 0, false}, // forgotten at deletion
	} {
		clk := newClock()
		srv := start(t, sandbox.Options{Clock: clk.Now, ClientTokenRetention: tc.retention})
		prov := srv.Clients(t, "payments").EC2
		tok := func(in *ec2.CreateVpcEndpointServiceConfigurationInput) { in.ClientToken = aws.String("t") }
		svc := createService(t, prov, tok)
		_, err := prov.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{*svc.ServiceId}})
		must(t, err)
		clk.Advance(tc.after)
		got := createService(t, prov, tok)
		if same := *got.ServiceId == *svc.ServiceId; same != tc.same {
			t.Errorf("retention %s, %s after deletion: answered with the deleted service = %v, want %v", tc.retention, tc.after, same, tc.same)
		}
	}
}
