package plan

import "testing"

func TestAcceptedConsumer(t *testing.T) {
	for _, tc := range []struct {
		ch   Change
		want string
	}{
		{Change{Kind: KindConnection, Action: Accept, Reason: "endpoint of consumer.web, created by this plan"}, "consumer.web"},
		{Change{Kind: KindConnection, Action: Accept, Reason: "endpoint of consumer.web, created by this plan; account 111122223333 is in connections.acceptFrom"}, "consumer.web"},
		{Change{Kind: KindConnection, Action: Accept, Reason: "endpoint of consumer.api"}, "consumer.api"},
		{Change{Kind: KindConnection, Action: Accept, Reason: "account 111122223333 is in connections.acceptFrom"}, ""},
		{Change{Kind: KindConnection, Action: Reject, Reason: "endpoint of consumer.api"}, ""},
		{Change{Kind: KindEndpoint, Action: Accept, Reason: "endpoint of consumer.api"}, ""},
	} {
		if got := AcceptedConsumer(tc.ch); got != tc.want {
			t.Errorf("AcceptedConsumer(%s %s %q) = %q, want %q", tc.ch.Kind, tc.ch.Action, tc.ch.Reason, got, tc.want)
		}
	}
}
