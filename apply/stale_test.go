package apply

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// A create answered with a deleted resource (AWS keeps the ClientToken of a
// deleted resource for a while) is made again with a token salted by the
// deleted id, deterministically, and the run says so.
func TestCreateAnsweredWithDeletedResource(t *testing.T) {
	w := newFakeWorld()
	w.stale["CreateVpcEndpointServiceConfiguration"] = 1
	w.stale["CreateVpcEndpoint"] = 1
	opts := fastOpts()
	var events []Event
	opts.Events = func(e Event) { events = append(events, e) }
	res, err := run(t, w, fullPlan(), opts)
	if err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}

	creates := w.callsOf("CreateVpcEndpointServiceConfiguration")
	if len(creates) != 2 {
		t.Fatalf("service creates: %d, want 2", len(creates))
	}
	first, second := creates[0].Input.(*ec2.CreateVpcEndpointServiceConfigurationInput), creates[1].Input.(*ec2.CreateVpcEndpointServiceConfigurationInput)
	c := statusOf(t, res, "provider.api")
	deleted := strings.TrimSuffix(c.Message[strings.Index(c.Message, "had made ")+len("had made "):], " for it, deleted since)")
	params := *second
	params.ClientToken = nil
	if got, want := aws.ToString(second.ClientToken), ClientToken("demo", "provider.api", "create after:"+deleted, &params); got != want || got == aws.ToString(first.ClientToken) {
		t.Errorf("second token %s, want %s (first %s)", got, want, aws.ToString(first.ClientToken))
	}
	if c.Status != StatusDone || c.ID == deleted || res.Created["provider.api"] != c.ID {
		t.Errorf("provider.api: %+v", c)
	}

	said := map[string]bool{}
	for _, e := range events {
		if strings.Contains(e.Message, "made by an earlier run is") && !strings.Contains(e.Message, "token") {
			said[e.Address] = true
		}
	}
	eps := 0
	for _, addr := range []string{"consumer.web", "consumer.west"} {
		c := statusOf(t, res, addr)
		if c.Status != StatusDone {
			t.Errorf("%s: %+v", addr, c)
		}
		if strings.Contains(c.Message, "deleted since)") {
			eps++
			if !said[addr] {
				t.Errorf("%s: no event says the create was answered with a deleted endpoint", addr)
			}
		}
	}
	if eps != 1 || !said["provider.api"] || len(w.callsOf("CreateVpcEndpoint")) != 3 {
		t.Errorf("endpoints created anew: %d, events %v, endpoint creates %d", eps, said, len(w.callsOf("CreateVpcEndpoint")))
	}
}

// A create whose every token is answered with a deleted resource (only a
// broken API does that: the last try's token is one nobody used) gives up
// after maxStaleTokens salted tokens and a fresh one, with an error that
// says what happened.
func TestCreateGivesUpOnStaleTokens(t *testing.T) {
	w := newFakeWorld()
	w.stale["CreateVpcEndpoint"] = 1 << 20
	res, err := run(t, w, fullPlan(), fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	for _, addr := range []string{"consumer.web", "consumer.west"} {
		c := statusOf(t, res, addr)
		if c.Status != StatusFailed || c.Error.Code != "StaleClientToken" || c.Error.Hint == "" ||
			!strings.Contains(c.Error.Message, "answered with a deleted endpoint") {
			t.Errorf("%s: %+v %+v", addr, c, c.Error)
		}
	}
	if n := len(w.callsOf("CreateVpcEndpoint")); n != 2*(maxStaleTokens+2) {
		t.Errorf("CreateVpcEndpoint calls: %d, want %d", n, 2*(maxStaleTokens+2))
	}
}

// Past maxStaleTokens answers with deleted resources, a create's purpose
// takes a fresh salt: a destroy-and-apply loop does not stop working until
// AWS forgets the tokens (TestDestroyApplyCycles in internal/cli runs one).
func TestFreshPurposePastTheStaleBound(t *testing.T) {
	short := saltedPurpose("create", []string{"vpce-1"}, freshSalt)
	if short != "create after:vpce-1" {
		t.Errorf("salted purpose %q", short)
	}
	long := make([]string, maxStaleTokens+1)
	a, b := saltedPurpose("create", long, freshSalt), saltedPurpose("create", long, freshSalt)
	if a == b || !strings.HasPrefix(a, "create fresh:") {
		t.Errorf("fresh purposes %q and %q", a, b)
	}
}
