package pricing

import "testing"

func TestMonthly(t *testing.T) {
	var zero Table
	if got := zero.Monthly("us-east-1", 3); got != 3*0.01*730 {
		t.Errorf("zero table, 3 AZs: got %g, want %g", got, 3*0.01*730.0)
	}
	tb := Table{PerAZHour: map[string]float64{"eu-west-1": 0.011}, Default: 0.02, HoursPerMonth: 720}
	for _, c := range []struct {
		region string
		azs    int
		want   float64
	}{
		{"eu-west-1", 2, 2 * 0.011 * 720},
		{"us-west-2", 1, 0.02 * 720},
		{"us-west-2", -2, -2 * 0.02 * 720},
	} {
		if got := tb.Monthly(c.region, c.azs); got != c.want {
			t.Errorf("Monthly(%s, %d) = %g, want %g", c.region, c.azs, got, c.want)
		}
	}
}

func TestBilled(t *testing.T) {
	for typ, want := range map[string]bool{"Interface": true, "GatewayLoadBalancer": true, "Gateway": false, "Resource": false, "ServiceNetwork": false, "": false} {
		if got := Billed(typ); got != want {
			t.Errorf("Billed(%q) = %v, want %v", typ, got, want)
		}
	}
}
