package manifest

import (
	"maps"
	"reflect"
	"testing"
)

const defaultTagsYAML = `version: 1
project: p
defaults:
  region: us-east-1
  tags:
    team: core
    tier: bronze
accounts:
  a: { id: "111111111111" }
providers:
  - name: plain
    account: a
    networkLoadBalancerArns:
      - arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/plain/0000000000000001
  - name: gold
    account: a
    networkLoadBalancerArns:
      - arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/gold/0000000000000002
    tags:
      tier: gold
consumers:
  - name: plain
    account: a
    vpcId: vpc-00000000000000001
    subnetIds: [subnet-0000000000000000a]
    provider: plain
  - name: own
    account: a
    vpcId: vpc-00000000000000001
    subnetIds: [subnet-0000000000000000a]
    provider: gold
    tags:
      app: shop
`

// TestDefaultTagsShared: a provider or consumer without tags of its own
// has defaults.tags itself (one map for all, not a copy each); one with
// its own has them merged over the defaults in a map of its own, which
// leaves defaults.tags as written.
func TestDefaultTagsShared(t *testing.T) {
	m, err := Parse("p.yaml", []byte(defaultTagsYAML))
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{"team": "core", "tier": "bronze"}
	if !maps.Equal(m.Defaults.Tags, defaults) {
		t.Fatalf("defaults.tags = %v", m.Defaults.Tags)
	}
	same := func(a, b map[string]string) bool {
		return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
	}
	for _, tags := range []map[string]string{m.Providers[0].Tags, m.Consumers[0].Tags} {
		if !same(tags, m.Defaults.Tags) {
			t.Errorf("tags %v are a copy of defaults.tags, want the map itself", tags)
		}
	}
	if g := m.Providers[1].Tags; same(g, m.Defaults.Tags) || !maps.Equal(g, map[string]string{"team": "core", "tier": "gold"}) {
		t.Errorf("gold's tags = %v (shared: %v), want its own merged over the defaults", g, same(g, m.Defaults.Tags))
	}
	if o := m.Consumers[1].Tags; same(o, m.Defaults.Tags) || !maps.Equal(o, map[string]string{"team": "core", "tier": "bronze", "app": "shop"}) {
		t.Errorf("own's tags = %v, want its own merged over the defaults", o)
	}
}
