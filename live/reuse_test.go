package live

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestReadTakesTheNetworkOfAPriorRead: with ReadOptions.Network, subnets,
// VPCs, security groups and load balancers come from the prior read and
// are not described again, and the snapshot is the one a full read makes;
// an account-region where the prior read failed a call is read in full.
func TestReadTakesTheNetworkOfAPriorRead(t *testing.T) {
	network := []string{callSubnets, callVPCs, callGroups, callLBs}
	prior, err := read(t, world(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(prior.Subnets) == 0 || len(prior.VPCs) == 0 || len(prior.SecurityGroups) == 0 || len(prior.LoadBalancers) == 0 {
		t.Fatalf("the test world has no network to take: %d subnets, %d VPCs, %d groups, %d LBs",
			len(prior.Subnets), len(prior.VPCs), len(prior.SecurityGroups), len(prior.LoadBalancers))
	}
	fs := world()
	again, err := read(t, fs, ReadOptions{Network: prior})
	if err != nil {
		t.Fatal(err)
	}
	for scope, f := range fs {
		for _, c := range f.calls {
			if slices.Contains(network, callName(c)) {
				t.Errorf("%s: %s described again", scope, c)
			}
		}
	}
	a, _ := json.Marshal(prior)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Errorf("the snapshot with the network taken differs from a full read:\n%s\n%s", a, b)
	}

	// A prior read that failed in checkout/us-east-1: read there in full.
	failed := *prior
	failed.Failures = append(slices.Clone(prior.Failures), Failure{Account: "checkout", AccountID: "222222222222", Region: "us-east-1", Call: callSubnets, Error: "connection reset"})
	fs = world()
	if _, err := read(t, fs, ReadOptions{Network: &failed}); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(fs["checkout/us-east-1"].calls, func(c string) bool { return callName(c) == callSubnets }) {
		t.Error("checkout/us-east-1, where the prior read failed, was not read in full")
	}
	if slices.ContainsFunc(fs["payments/us-east-1"].calls, func(c string) bool { return callName(c) == callSubnets }) {
		t.Error("payments/us-east-1 described its subnets again")
	}
}
