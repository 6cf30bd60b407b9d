package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// seed puts an owned service with two endpoints (one per consumer account)
// into the fake world and returns a plan removing all of it.
func removalPlan(w *fakeWorld) *plan.Plan {
	w.services["vpce-svc-old"] = &fakeService{account: "111111111111", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-old", "svc-old"), principals: []string{pCheck}}
	w.endpoints["vpce-web"] = &fakeEndpoint{account: "222222222222", region: "us-east-1", serviceID: "vpce-svc-old", ep: fakeEndpointVal("vpce-web", "available")}
	w.endpoints["vpce-stray"] = &fakeEndpoint{account: "333333333333", region: "us-east-1", serviceID: "vpce-svc-old", ep: fakeEndpointVal("vpce-stray", "available")}
	w.notifs["vpce-nfn-1"] = nil
	return &plan.Plan{Project: "demo", Changes: []plan.Change{
		{Address: "provider.api.connection[vpce-stray]", Kind: plan.KindConnection, Action: plan.Reject, Account: "payments", Region: "us-east-1",
			Parent: "provider.api", ParentID: "vpce-svc-old", ID: "vpce-stray", Before: &plan.Values{EndpointID: "vpce-stray"}},
		{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Delete, Account: "checkout", Region: "us-east-1", ID: "vpce-web",
			Before: &plan.Values{ServiceName: "svc-old", VPCID: "vpc-1"}},
		{Address: "provider.api.principal[" + pCheck + "]", Kind: plan.KindPrincipal, Action: plan.Delete, Account: "payments", Region: "us-east-1",
			Parent: "provider.api", ParentID: "vpce-svc-old", ID: pCheck, Before: &plan.Values{Principal: pCheck}},
		{Address: "provider.api.notification[0]", Kind: plan.KindNotification, Action: plan.Delete, Account: "payments", Region: "us-east-1",
			Parent: "provider.api", ParentID: "vpce-svc-old", ID: "vpce-nfn-1"},
		{Address: "provider.api", Kind: plan.KindService, Action: plan.Delete, Account: "payments", Region: "us-east-1", ID: "vpce-svc-old",
			Before: &plan.Values{ServiceName: "svc-old"}},
	}}
}

func TestRemovalsInReverseOrder(t *testing.T) {
	w := newFakeWorld()
	res, err := run(t, w, removalPlan(w), fastOpts())
	if err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
	acts := w.actions(true)
	order := []string{"RejectVpcEndpointConnections", "DeleteVpcEndpoints", "ModifyVpcEndpointServicePermissions", "DeleteVpcEndpointServiceConfigurations"}
	for i := 1; i < len(order); i++ {
		if indexOf(acts, order[i-1]) < 0 || indexOf(acts, order[i-1]) > indexOf(acts, order[i]) {
			t.Errorf("%s must come before %s: %v", order[i-1], order[i], acts)
		}
	}
	if indexOf(acts, "DeleteVpcEndpointConnectionNotifications") > indexOf(acts, "DeleteVpcEndpointServiceConfigurations") {
		t.Errorf("notification deleted after its service: %v", acts)
	}
	if in := w.callsOf("ModifyVpcEndpointServicePermissions")[0].Input.(*ec2.ModifyVpcEndpointServicePermissionsInput); len(in.RemoveAllowedPrincipals) != 1 {
		t.Errorf("permissions: %+v", in)
	}
	if len(w.services) != 0 || len(w.endpoints) != 1 {
		t.Errorf("left: %d services, %d endpoints (the rejected stray must stay)", len(w.services), len(w.endpoints))
	}
	if s := res.Summary(); s.Destroyed != 4 || s.Rejected != 1 {
		t.Errorf("summary %+v", s)
	}
}

// A service whose connections the plan did not reject (they connected
// after the plan was made) is not deleted, and nothing is rejected behind
// the plan's back.
func TestServiceDeleteRefusesUnplannedConnections(t *testing.T) {
	w := newFakeWorld()
	p := removalPlan(w)
	p.Changes = p.Changes[4:] // only the service delete: the stray and web are still connected
	res, err := run(t, w, p, fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("err = %v, want ErrFailed", err)
	}
	if rej := w.callsOf("RejectVpcEndpointConnections"); len(rej) != 0 {
		t.Errorf("reject calls %+v", rej)
	}
	if del := w.callsOf("DeleteVpcEndpointServiceConfigurations"); len(del) != 0 {
		t.Errorf("delete calls %+v", del)
	}
	c := statusOf(t, res, "provider.api")
	if c.Error == nil || c.Error.Code != "UnplannedConnections" || !strings.Contains(c.Error.Message, "vpce-stray") || !strings.Contains(c.Error.Hint, "plink plan") {
		t.Errorf("provider.api: %+v %+v", c, c.Error)
	}
}

func TestRemovalFailureStopsDependents(t *testing.T) {
	w := newFakeWorld()
	p := removalPlan(w)
	w.unsuccessful["vpce-web"] = "InvalidVpcEndpoint.InUse"
	res, err := run(t, w, p, fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	if c := statusOf(t, res, "consumer.web"); c.Status != StatusFailed || c.Error.Code != "InvalidVpcEndpoint.InUse" || c.Error.Call != "DeleteVpcEndpoints" {
		t.Errorf("consumer.web %+v %+v", c, c.Error)
	}
	for _, a := range []string{"provider.api.principal[" + pCheck + "]", "provider.api"} {
		if c := statusOf(t, res, a); c.Status != StatusNotAttempted {
			t.Errorf("%s: %s", a, c.Status)
		}
	}
	if c := statusOf(t, res, "provider.api.connection[vpce-stray]"); c.Status != StatusDone {
		t.Errorf("reject: %s", c.Status)
	}
}

func TestUpdatesMapToModifyCalls(t *testing.T) {
	w := newFakeWorld()
	w.services["vpce-svc-1"] = &fakeService{account: "111111111111", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-1", "svc-1")}
	w.endpoints["vpce-1"] = &fakeEndpoint{account: "222222222222", region: "us-east-1", serviceID: "vpce-svc-1", ep: fakeEndpointVal("vpce-1", "available")}
	w.endpoints["vpce-2"] = &fakeEndpoint{account: "222222222222", region: "us-east-1", serviceID: "vpce-svc-1", ep: fakeEndpointVal("vpce-2", "available")}
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{
		{Address: "provider.api", Kind: plan.KindService, Action: plan.Update, Account: "payments", Region: "us-east-1", ID: "vpce-svc-1",
			Before: &plan.Values{ServiceName: "svc-1", NetworkLoadBalancerARNs: []string{"nlb-a", "nlb-b"}, AcceptanceRequired: aws.Bool(true),
				PrivateDNSName: aws.String("a.example.com"), SupportedIPAddressTypes: []string{"ipv4"}, SupportedRegions: []string{"us-west-2"},
				Tags: map[string]string{live.TagProject: "demo", live.TagName: "api", "keep": "1", "old": "x", "chg": "a"}},
			After: &plan.Values{ServiceName: "svc-1", NetworkLoadBalancerARNs: []string{"nlb-b", "nlb-c"}, AcceptanceRequired: aws.Bool(false),
				SupportedIPAddressTypes: []string{"ipv4", "ipv6"}, GatewayLoadBalancerARNs: nil,
				Tags: map[string]string{"keep": "1", "chg": "b", "new": "y"}}},
		{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Update, Account: "checkout", Region: "us-east-1", ID: "vpce-1",
			Before: &plan.Values{ServiceName: "svc-1", SubnetIDs: []string{"s-a", "s-b"}, SecurityGroupIDs: []string{"sg-1"}, Policy: `{"a":1}`,
				PrivateDNSEnabled: aws.Bool(false), DNSRecordIPType: "ipv4", IPAddressType: "ipv4"},
			After: &plan.Values{ServiceName: "svc-1", SubnetIDs: []string{"s-b", "s-c"}, SecurityGroupIDs: []string{"sg-2"},
				PrivateDNSEnabled: aws.Bool(true), DNSRecordIPType: "dualstack", IPAddressType: "dualstack"}},
		{Address: "consumer.api", Kind: plan.KindEndpoint, Action: plan.Update, Account: "checkout", Region: "us-east-1", ID: "vpce-2",
			Before: &plan.Values{ServiceName: "svc-1", Policy: ""}, After: &plan.Values{ServiceName: "svc-1", Policy: `{"b":2}`}},
		{Address: "provider.api.notification[0]", Kind: plan.KindNotification, Action: plan.Update, Account: "payments", Region: "us-east-1",
			Parent: "provider.api", ParentID: "vpce-svc-1", ID: "vpce-nfn-9", After: &plan.Values{TopicARN: "arn:t", Events: []string{"Accept"}}},
	}}
	res, err := run(t, w, p, fastOpts())
	if err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
	svc := w.callsOf("ModifyVpcEndpointServiceConfiguration")[0].Input.(*ec2.ModifyVpcEndpointServiceConfigurationInput)
	if strings.Join(svc.AddNetworkLoadBalancerArns, ",") != "nlb-c" || strings.Join(svc.RemoveNetworkLoadBalancerArns, ",") != "nlb-a" ||
		aws.ToBool(svc.AcceptanceRequired) || svc.AcceptanceRequired == nil || !aws.ToBool(svc.RemovePrivateDnsName) ||
		strings.Join(svc.AddSupportedIpAddressTypes, ",") != "ipv6" || strings.Join(svc.RemoveSupportedRegions, ",") != "us-west-2" {
		t.Errorf("service modify: %+v", svc)
	}
	var web, api *ec2.ModifyVpcEndpointInput
	for _, c := range w.callsOf("ModifyVpcEndpoint") {
		in := c.Input.(*ec2.ModifyVpcEndpointInput)
		if aws.ToString(in.VpcEndpointId) == "vpce-1" {
			web = in
		} else {
			api = in
		}
	}
	if web == nil || strings.Join(web.AddSubnetIds, ",") != "s-c" || strings.Join(web.RemoveSubnetIds, ",") != "s-a" ||
		strings.Join(web.AddSecurityGroupIds, ",") != "sg-2" || strings.Join(web.RemoveSecurityGroupIds, ",") != "sg-1" ||
		!aws.ToBool(web.ResetPolicy) || web.PolicyDocument != nil || !aws.ToBool(web.PrivateDnsEnabled) ||
		web.DnsOptions == nil || web.DnsOptions.DnsRecordIpType != "dualstack" || web.IpAddressType != "dualstack" {
		t.Errorf("endpoint modify: %+v", web)
	}
	if api == nil || aws.ToString(api.PolicyDocument) != `{"b":2}` || api.ResetPolicy != nil {
		t.Errorf("policy set: %+v", api)
	}
	var created, deleted []string
	for _, c := range w.callsOf("CreateTags") {
		for _, tg := range c.Input.(*ec2.CreateTagsInput).Tags {
			created = append(created, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
	}
	for _, c := range w.callsOf("DeleteTags") {
		for _, tg := range c.Input.(*ec2.DeleteTagsInput).Tags {
			deleted = append(deleted, aws.ToString(tg.Key))
		}
	}
	if strings.Join(created, ",") != "chg=b,new=y" || strings.Join(deleted, ",") != "old" {
		t.Errorf("tags: set %v, deleted %v (plink tags must never be deleted)", created, deleted)
	}
	n := w.callsOf("ModifyVpcEndpointConnectionNotification")[0].Input.(*ec2.ModifyVpcEndpointConnectionNotificationInput)
	if aws.ToString(n.ConnectionNotificationId) != "vpce-nfn-9" || strings.Join(n.ConnectionEvents, ",") != "Accept" {
		t.Errorf("notification modify: %+v", n)
	}
	if s := res.Summary(); s.Changed != 4 {
		t.Errorf("summary %+v", s)
	}
}

func TestUpdateWithoutDifferenceMakesNoCall(t *testing.T) {
	w := newFakeWorld()
	v := &plan.Values{ServiceName: "svc", SubnetIDs: []string{"a"}, Tags: map[string]string{"x": "1"}}
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{{Address: "consumer.x", Kind: plan.KindEndpoint, Action: plan.Update,
		Account: "checkout", Region: "us-east-1", ID: "vpce-x", Before: v, After: v}}}
	if _, err := run(t, w, p, fastOpts()); err != nil {
		t.Fatal(err)
	}
	if acts := w.actions(false); len(acts) != 0 {
		t.Errorf("calls: %v", acts)
	}
}

func TestAdoptTagsExistingResources(t *testing.T) {
	w := newFakeWorld()
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{
		{Address: "provider.legacy", Kind: plan.KindService, Action: plan.Adopt, Account: "payments", Region: "us-east-1", ID: "vpce-svc-legacy",
			Before: &plan.Values{AcceptanceRequired: aws.Bool(false), Tags: map[string]string{"Name": "legacy"}},
			After:  &plan.Values{AcceptanceRequired: aws.Bool(true), Tags: map[string]string{"Name": "legacy", "team": "a"}}},
		{Address: "consumer.legacy", Kind: plan.KindEndpoint, Action: plan.Adopt, Account: "checkout", Region: "us-east-1", ID: "vpce-legacy",
			Before: &plan.Values{}, After: &plan.Values{}},
	}}
	w.services["vpce-svc-legacy"] = &fakeService{account: "111111111111", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-legacy", "legacy")}
	res, err := run(t, w, p, fastOpts())
	if err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
	tagged := map[string]map[string]string{}
	for _, c := range w.callsOf("CreateTags") {
		in := c.Input.(*ec2.CreateTagsInput)
		tagged[in.Resources[0]] = tagsMap(in.Tags)
	}
	if tg := tagged["vpce-svc-legacy"]; tg[live.TagProject] != "demo" || tg[live.TagName] != "legacy" || tg["team"] != "a" || tg["Name"] != "" {
		t.Errorf("service adopt tags %v (unchanged tags are not rewritten)", tg)
	}
	if tg := tagged["vpce-legacy"]; tg[live.TagName] != "legacy" {
		t.Errorf("endpoint adopt tags %v", tg)
	}
	if len(w.callsOf("ModifyVpcEndpointServiceConfiguration")) != 1 || len(w.callsOf("DeleteTags")) != 0 {
		t.Errorf("adopt must apply attribute updates and delete no tag: %v", w.actions(true))
	}
	if s := res.Summary(); s.Adopted != 2 || s.Changed != 0 {
		t.Errorf("summary %+v", s)
	}
}

func TestReplaceEndpointCreatesThenDeletes(t *testing.T) {
	w := newFakeWorld()
	w.services["vpce-svc-1"] = &fakeService{account: "111111111111", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-1", "svc-1")}
	w.endpoints["vpce-old"] = &fakeEndpoint{account: "222222222222", region: "us-east-1", serviceID: "vpce-svc-1", ep: fakeEndpointVal("vpce-old", "available")}
	w.services["vpce-svc-1"].cfg.AcceptanceRequired = aws.Bool(false)
	after := &plan.Values{ServiceName: "svc-1", VPCID: "vpc-1", SubnetIDs: []string{"a"}, PrivateDNSEnabled: aws.Bool(true)}
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Replace,
		Account: "checkout", Region: "us-east-1", ID: "vpce-old", ReplaceReasons: []string{"subnetIds"},
		Before: &plan.Values{ServiceName: "svc-1", VPCID: "vpc-1", SubnetIDs: []string{"a"}, PrivateDNSEnabled: aws.Bool(true)}, After: after}}}
	res, err := run(t, w, p, fastOpts())
	if err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
	acts := w.actions(true)
	if strings.Join(acts, ",") != "CreateVpcEndpoint,DeleteVpcEndpoints,ModifyVpcEndpoint" {
		t.Errorf("replace order %v: create, delete old, then private DNS on the new one", acts)
	}
	in := w.callsOf("CreateVpcEndpoint")[0].Input.(*ec2.CreateVpcEndpointInput)
	if aws.ToBool(in.PrivateDnsEnabled) {
		t.Error("the replacement must start without private DNS while the old one has it")
	}
	if tok := aws.ToString(in.ClientToken); tok == ClientToken("demo", "consumer.web", "create", in) {
		t.Error("a replace's token must differ from a plain create's")
	}
	if _, ok := w.endpoints["vpce-old"]; ok {
		t.Error("old endpoint not deleted")
	}
	if s := res.Summary(); s.Added != 1 || s.Destroyed != 1 || res.Created["consumer.web"] == "vpce-old" {
		t.Errorf("summary %+v created %v", s, res.Created)
	}
}

func TestReplaceNotDeletingOldWhenNewFails(t *testing.T) {
	w := newFakeWorld()
	w.endpoints["vpce-old"] = &fakeEndpoint{account: "222222222222", region: "us-east-1", ep: fakeEndpointVal("vpce-old", "available")}
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Replace,
		Account: "checkout", Region: "us-east-1", ID: "vpce-old", Before: &plan.Values{ServiceName: "gone"}, After: &plan.Values{ServiceName: "missing"}}}}
	res, err := run(t, w, p, fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	if c := statusOf(t, res, "consumer.web"); c.Status != StatusFailed || c.Error.Code != "InvalidServiceName" || !strings.Contains(c.Error.Hint, "allowedPrincipals") {
		t.Errorf("%+v %+v", c, c.Error)
	}
	if len(w.callsOf("DeleteVpcEndpoints")) != 0 {
		t.Error("old endpoint deleted although its replacement failed")
	}
}

func TestReplaceInPriorScope(t *testing.T) {
	w := newFakeWorld()
	w.services["vpce-svc-1"] = &fakeService{account: "111111111111", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-1", "svc-1")}
	w.endpoints["vpce-old"] = &fakeEndpoint{account: "333333333333", region: "us-west-2", serviceID: "vpce-svc-1", ep: fakeEndpointVal("vpce-old", "available")}
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Replace,
		Account: "checkout", AccountID: "222222222222", Region: "us-east-1", ID: "vpce-old", ReplaceReasons: []string{"account", "region"},
		PriorAccount: "analytics", PriorAccountID: "333333333333", PriorRegion: "us-west-2",
		Before: &plan.Values{ServiceName: "svc-1"}, After: &plan.Values{ServiceName: "svc-1"}}}}
	if res, err := run(t, w, p, fastOpts()); err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
	d := w.callsOf("DeleteVpcEndpoints")
	if len(d) != 1 || d[0].Account != "333333333333" || d[0].Region != "us-west-2" {
		t.Errorf("old endpoint must be deleted where it lived: %+v", d)
	}
}

func TestPrincipalBatchFallsBackToSingles(t *testing.T) {
	w := newFakeWorld()
	w.services["vpce-svc-1"] = &fakeService{account: "111111111111", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-1", "svc-1")}
	var ch []plan.Change
	for _, arn := range []string{pCheck, "bogus", pAnal} {
		ch = append(ch, plan.Change{Address: "provider.api.principal[" + arn + "]", Kind: plan.KindPrincipal, Action: plan.Create, Account: "payments",
			Region: "us-east-1", Parent: "provider.api", ParentID: "vpce-svc-1", After: &plan.Values{Principal: arn}})
	}
	res, err := run(t, w, &plan.Plan{Project: "demo", Changes: ch}, fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	if s := res.Summary(); s.Done != 2 || s.Failed != 1 {
		t.Errorf("summary %+v", s)
	}
	if c := statusOf(t, res, "provider.api.principal[bogus]"); c.Error == nil || c.Error.Code != "InvalidPrincipal" {
		t.Errorf("bogus: %+v", c)
	}
	if got := w.services["vpce-svc-1"].principals; len(got) != 2 {
		t.Errorf("principals %v", got)
	}
}

func TestRunRejectsUnusablePlans(t *testing.T) {
	w := newFakeWorld()
	cases := []struct {
		name string
		p    *plan.Plan
		want string
	}{
		{"nil", nil, "no plan given"},
		{"diagnostics", &plan.Plan{Project: "demo", Diagnostics: []plan.Diagnostic{{Severity: plan.SeverityError, Address: "consumer.x", Message: "subnet in no AZ of the service"}}},
			"1 error diagnostic(s) and cannot be applied"},
		{"no project", &plan.Plan{}, "names no project"},
		{"unknown action", &plan.Plan{Project: "d", Changes: []plan.Change{{Address: "provider.x.principal[a]", Kind: plan.KindPrincipal, Action: plan.Accept, Parent: "provider.x"}}},
			"change provider.x.principal[a]: apply does not know how to accept a principal"},
		{"no parent", &plan.Plan{Project: "d", Changes: []plan.Change{{Address: "provider.x.principal[a]", Kind: plan.KindPrincipal, Action: plan.Create}}},
			"has no parent provider"},
		{"duplicate", &plan.Plan{Project: "d", Changes: []plan.Change{{Address: "consumer.a", Kind: plan.KindEndpoint, Action: plan.Delete},
			{Address: "consumer.a", Kind: plan.KindEndpoint, Action: plan.Delete}}}, "appears twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), tc.p, w.clients(), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := Run(context.Background(), &plan.Plan{Project: "d"}, nil, Options{}); err == nil {
		t.Error("nil clients accepted")
	}
	if len(w.actions(false)) != 0 {
		t.Error("calls made for an unusable plan")
	}
}

func TestClientErrorsAndMissingValues(t *testing.T) {
	w := newFakeWorld()
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{
		{Address: "consumer.nocreds", Kind: plan.KindEndpoint, Action: plan.Create, Account: "unknown", Region: "us-east-1",
			After: &plan.Values{ServiceName: "x"}},
		{Address: "consumer.noafter", Kind: plan.KindEndpoint, Action: plan.Create, Account: "checkout", Region: "us-east-1"},
		{Address: "consumer.noid", Kind: plan.KindEndpoint, Action: plan.Delete, Account: "checkout", Region: "us-east-1"},
		{Address: "provider.x.notification[0]", Kind: plan.KindNotification, Action: plan.Create, Account: "payments", Region: "us-east-1",
			Parent: "provider.x", After: &plan.Values{TopicARN: "t"}},
	}}
	res, err := run(t, w, p, fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	want := map[string]string{"consumer.nocreds": "ClientError", "consumer.noafter": "InvalidPlan", "consumer.noid": "InvalidPlan",
		"provider.x.notification[0]": "InvalidPlan"}
	for a, code := range want {
		c := statusOf(t, res, a)
		if c.Status != StatusFailed || c.Error.Code != code || c.Error.Hint == "" {
			t.Errorf("%s: %+v %+v", a, c, c.Error)
		}
	}
	if c := statusOf(t, res, "consumer.nocreds"); !strings.Contains(c.Error.Hint, "account unknown") {
		t.Errorf("hint %q", c.Error.Hint)
	}
}

func TestWaitTimeout(t *testing.T) {
	w := newFakeWorld()
	w.pendingDescribes = 1 << 30
	opts := fastOpts()
	opts.ServiceTimeout = 5 * opts.PollInterval
	res, err := run(t, w, fullPlan(), opts)
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	c := statusOf(t, res, "provider.api")
	if c.Status != StatusFailed || c.Error.Code != "Timeout" || !strings.Contains(c.Error.Message, "still Pending") ||
		!strings.Contains(c.Message, "created vpce-svc-") || res.Created["provider.api"] == "" {
		t.Errorf("%+v %+v", c, c.Error)
	}
}

func TestCanceledContext(t *testing.T) {
	w := newFakeWorld()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, fullPlan(), w.clients(), fastOpts())
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	for _, c := range res.Changes {
		if c.Status != StatusNotAttempted {
			t.Errorf("%s: %s", c.Address, c.Status)
		}
	}
	if c := statusOf(t, res, "provider.api"); !strings.Contains(c.Reason, "interrupted") {
		t.Errorf("reason %q", c.Reason)
	}
	if len(w.actions(false)) != 0 {
		t.Error("calls made after cancel")
	}
}

func TestParallelismOption(t *testing.T) {
	w := newFakeWorld()
	opts := fastOpts()
	opts.Parallelism = 1
	if _, err := run(t, w, fullPlan(), opts); err != nil {
		t.Fatal(err)
	}
	r := newRunner(&plan.Plan{}, &schedule{}, w.clients(), Options{})
	c := &plan.Change{Account: "a", Region: "r"}
	if cap(r.sem(c, classEndpoint)) != 4 || cap(r.sem(c, classService)) != 10 || cap(r.sem(c, classDescribe)) != 20 {
		t.Error("default bounds must be AWS's burst sizes")
	}
}

func TestWriteSummaryFailureReport(t *testing.T) {
	r := &Result{Changes: []ChangeResult{
		{Address: "provider.api", Action: plan.Create, Account: "payments", AccountID: "111111111111", Region: "us-east-1", Status: StatusDone, Message: "created vpce-svc-1"},
		{Address: "consumer.web", Action: plan.Create, Account: "checkout", AccountID: "222222222222", Region: "us-east-1", Status: StatusFailed,
			Message: "created vpce-1", Error: &Error{Call: "wait", Code: "Timeout", Message: "still pending", Hint: "raise it"}},
		{Address: "provider.api.connection[consumer.web]", Action: plan.Accept, Account: "payments", AccountID: "111111111111", Region: "us-east-1",
			Status: StatusNotAttempted, Reason: "depends on consumer.web, which failed"},
		{Address: "consumer.other", Action: plan.Delete, Status: StatusExcluded, Reason: "not targeted"},
	}}
	var b bytes.Buffer
	if err := WriteSummary(&b, r); err != nil {
		t.Fatal(err)
	}
	want := `Apply failed: 1 failed, 1 not attempted, 1 done (1 added, 0 changed, 0 destroyed, 0 accepted, 0 rejected).

Done:
  + provider.api (payments 111111111111, us-east-1): created vpce-svc-1

Failed:
  + consumer.web (checkout 222222222222, us-east-1)
      done before the failure: created vpce-1
      error: wait: Timeout: still pending
      hint: raise it

Not attempted:
  > provider.api.connection[consumer.web] (payments 111111111111, us-east-1): depends on consumer.web, which failed

1 change outside the targets was not applied.

Nothing is rolled back. Run plink plan again: it plans from live state, and apply finishes the job.
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if err := WriteSummary(failWriter{}, r); err == nil {
		t.Error("write error not returned")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestErrorHints(t *testing.T) {
	c := &plan.Change{Account: "checkout", AccountID: "222222222222", Region: "us-east-1"}
	for code, want := range map[string]string{
		"UnauthorizedOperation":          "lack ec2:CreateVpcEndpoint",
		"InvalidServiceName":             "supportedRegions",
		"InvalidSubnetID.NotFound":       "does not exist in account checkout",
		"DuplicateSubnetsInSameZone":     "one subnet per Availability Zone",
		"IdempotentParameterMismatch":    "client token",
		"ExistingVpcEndpointConnections": "reject them",
		"VpcEndpointLimitExceeded":       "Service Quotas",
		"RequestLimitExceeded":           "--parallelism",
		"InvalidVpcEndpointId.NotFound":  "gone",
		"InvalidParameterValue":          "check the manifest entry",
		"Timeout":                        "raise the timeout",
		"Canceled":                       "what is left",
		"InvalidVpcEndpointState":        "state",
		"SomethingElse":                  "plan again",
	} {
		if h := hint(code, "CreateVpcEndpoint", c); !strings.Contains(h, want) {
			t.Errorf("%s: %q lacks %q", code, h, want)
		}
	}
	e := toError("X", c, context.Canceled)
	if e.Code != "Canceled" {
		t.Errorf("%+v", e)
	}
	if e := toError("X", c, context.DeadlineExceeded); e.Code != "Timeout" {
		t.Errorf("%+v", e)
	}
	if e := toError("X", c, errors.New("dial tcp: refused")); e.Code != "ClientError" || e.Error() != "X: ClientError: dial tcp: refused" {
		t.Errorf("%+v", e)
	}
}

func TestResultAndEventJSON(t *testing.T) {
	r := &Result{Project: "demo", Changes: []ChangeResult{{Address: "consumer.web", Kind: plan.KindEndpoint, Action: plan.Create,
		Status: StatusFailed, Error: &Error{Call: "CreateVpcEndpoint", Code: "X", Message: "m", Hint: "h"}}}, Created: map[string]string{"provider.api": "vpce-svc-1"}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"status":"failed"`, `"code":"X"`, `"hint":"h"`, `"created":{"provider.api":"vpce-svc-1"}`, `"kind":"endpoint"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	e, _ := json.Marshal(Event{Address: "consumer.web", Action: plan.Create, Progress: ProgressWaiting, Message: "waiting", Elapsed: 1500})
	if !strings.Contains(string(e), `"phase":"waiting"`) || !strings.Contains(string(e), `"elapsedNs":1500`) {
		t.Errorf("event json %s", e)
	}
}
