package quota

import "testing"

func TestEffective(t *testing.T) {
	if got, want := (Table{}).Effective(), (Table{EndpointsPerVPC: 50, GatewayEndpointsPerRegion: 20}); got != want {
		t.Errorf("zero table: got %+v, want %+v", got, want)
	}
	if got := (Table{EndpointsPerVPC: 120, GatewayEndpointsPerRegion: -1}).Effective(); got.EndpointsPerVPC != 120 || got.GatewayEndpointsPerRegion != 20 {
		t.Errorf("a raised quota is kept, a negative one is the default: got %+v", got)
	}
}
