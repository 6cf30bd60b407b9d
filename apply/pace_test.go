package apply

import "testing"

func TestBucketOfFollowsAWSThrottlingCategories(t *testing.T) {
	for action, want := range map[string]string{
		"CreateVpcEndpoint":                        "endpoint",
		"ModifyVpcEndpoint":                        "endpoint",
		"DeleteVpcEndpoints":                       "endpoint",
		"AcceptVpcEndpointConnections":             "accept",
		"RejectVpcEndpointConnections":             "accept",
		"CreateTags":                               "tags",
		"DeleteTags":                               "tags",
		"DescribeVpcEndpoints":                     "describe",
		"CreateVpcEndpointServiceConfiguration":    "service",
		"ModifyVpcEndpointServicePermissions":      "service",
		"DeleteVpcEndpointConnectionNotifications": "service",
	} {
		if got := bucketOf(action); got != want {
			t.Errorf("bucketOf(%s) = %s, want %s", action, got, want)
		}
		if _, ok := awsBuckets[bucketOf(action)]; !ok {
			t.Errorf("bucket %s of %s has no rate", bucketOf(action), action)
		}
	}
}

func TestLimiterOnlyWhenPacing(t *testing.T) {
	off := newRunner(nil, &schedule{}, nil, Options{})
	if off.limiter("a", "us-east-1", "CreateVpcEndpoint") != nil {
		t.Fatal("a limiter without Options.Pace")
	}
	on := newRunner(nil, &schedule{}, nil, Options{Pace: true})
	l := on.limiter("a", "us-east-1", "CreateVpcEndpoint")
	if l == nil || l.Burst() != 4 || float64(l.Limit()) != 0.3*paceMargin {
		t.Fatalf("CreateVpcEndpoint limiter = %v, want burst 4 at %.0f%% of 0.3/s", l, 100*paceMargin)
	}
	if on.limiter("a", "us-east-1", "DeleteVpcEndpoints") != l {
		t.Fatal("endpoint calls of one account-region must share one bucket")
	}
	if on.limiter("a", "us-west-2", "CreateVpcEndpoint") == l {
		t.Fatal("buckets are per region")
	}
}
