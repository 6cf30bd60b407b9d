package check_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/iampolicy/check"
)

// ec2:DescribeNetworkInterfaces is asked about only in the account-regions
// where a consumer fixes its endpoint's addresses, as plink reads it.
func TestCheckReadsAddressesOnlyWhereFixed(t *testing.T) {
	for _, tc := range []struct {
		name, manifest string
		want           []string
	}{
		{"no fixed addresses", v1, nil},
		{"checkout fixes an address", strings.Replace(v1, "    provider: payments-api\n",
			"    provider: payments-api\n    ipAddresses: { subnet-0210000000000000a: { ipv4: 10.21.0.100 } }\n", 1), []string{"checkout us-east-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			m := w.manifest(tc.manifest)
			w.attach(m, iampolicy.Plan, nil)
			r := w.resolver(m)
			rep, err := check.Run(context.Background(), r, check.Options{Mode: iampolicy.Plan, Manifest: m, Plan: planOf(m, r)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, res := range rep.Results {
				if res.Call == "ec2:DescribeNetworkInterfaces" {
					if res.Status != check.Allowed {
						t.Errorf("%+v", res)
					}
					got = append(got, res.Account+" "+res.Region)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("DescribeNetworkInterfaces asked in %q, want %q", got, tc.want)
			}
		})
	}
}
