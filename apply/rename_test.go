package apply

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// TestRenameRewritesOnlyPlinkName: an update whose plink:name differs
// between before and after (a rename through renamedFrom) writes the new
// plink:name with CreateTags and nothing else of plink's own; plink:project
// is never written, and a change of plink:name alone makes no Modify call.
func TestRenameRewritesOnlyPlinkName(t *testing.T) {
	w := newFakeWorld()
	w.services["vpce-svc-1"] = &fakeService{account: "111111111111", region: "us-east-1", cfg: fakeServiceCfg("vpce-svc-1", "svc-1")}
	w.endpoints["vpce-1"] = &fakeEndpoint{account: "222222222222", region: "us-east-1", serviceID: "vpce-svc-1", ep: fakeEndpointVal("vpce-1", "available")}
	w.endpoints["vpce-2"] = &fakeEndpoint{account: "222222222222", region: "us-east-1", serviceID: "vpce-svc-1", ep: fakeEndpointVal("vpce-2", "available")}
	tags := func(project, name string, extra ...string) map[string]string {
		m := map[string]string{live.TagProject: project, live.TagName: name}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	p := &plan.Plan{Project: "demo", Changes: []plan.Change{
		{Address: "provider.api-v2", Kind: plan.KindService, Action: plan.Update, Account: "payments", Region: "us-east-1", ID: "vpce-svc-1",
			Before: &plan.Values{ServiceName: "svc-1", AcceptanceRequired: aws.Bool(true), Tags: tags("demo", "api", "team", "a")},
			After:  &plan.Values{ServiceName: "svc-1", AcceptanceRequired: aws.Bool(true), Tags: tags("demo", "api-v2", "team", "b")}},
		{Address: "consumer.web-v2", Kind: plan.KindEndpoint, Action: plan.Update, Account: "checkout", Region: "us-east-1", ID: "vpce-1",
			Before: &plan.Values{ServiceName: "svc-1", Tags: tags("demo", "web")},
			After:  &plan.Values{ServiceName: "svc-1", Tags: tags("demo", "web-v2")}},
		// plink:project is never rewritten, nor a plink:name that after lacks
		{Address: "consumer.odd", Kind: plan.KindEndpoint, Action: plan.Update, Account: "checkout", Region: "us-east-1", ID: "vpce-2",
			Before: &plan.Values{ServiceName: "svc-1", Tags: tags("demo", "odd")},
			After:  &plan.Values{ServiceName: "svc-1", Tags: map[string]string{live.TagProject: "other", "x": "1"}}},
	}}
	res, err := run(t, w, p, fastOpts())
	if err != nil {
		t.Fatalf("%v %+v", err, res.Changes)
	}
	var created []string
	for _, c := range w.callsOf("CreateTags") {
		in := c.Input.(*ec2.CreateTagsInput)
		for _, tg := range in.Tags {
			created = append(created, in.Resources[0]+":"+aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
	}
	sort.Strings(created)
	want := "vpce-1:plink:name=web-v2,vpce-2:x=1,vpce-svc-1:plink:name=api-v2,vpce-svc-1:team=b"
	if got := strings.Join(created, ","); got != want {
		t.Errorf("CreateTags wrote\n %s\nwant\n %s", got, want)
	}
	if n := len(w.callsOf("DeleteTags")); n != 0 {
		t.Errorf("%d DeleteTags calls; plink tags are never deleted", n)
	}
	for _, a := range []string{"ModifyVpcEndpoint", "ModifyVpcEndpointServiceConfiguration"} {
		if n := len(w.callsOf(a)); n != 0 {
			t.Errorf("%d %s calls for a tag-only change", n, a)
		}
	}
	if s := res.Summary(); s.Changed != 3 {
		t.Errorf("summary %+v", s)
	}
}

func TestRenamesTo(t *testing.T) {
	for _, tc := range []struct {
		key           string
		before, after map[string]string
		want          bool
	}{
		{live.TagName, map[string]string{live.TagName: "a"}, map[string]string{live.TagName: "b"}, true},
		{live.TagName, map[string]string{live.TagName: "a"}, map[string]string{live.TagName: "a"}, false},
		{live.TagName, nil, map[string]string{live.TagName: "b"}, false},
		{live.TagName, map[string]string{live.TagName: "a"}, map[string]string{live.TagName: ""}, false},
		{live.TagProject, map[string]string{live.TagProject: "a"}, map[string]string{live.TagProject: "b"}, false},
	} {
		if got := renamesTo(tc.key, tc.before, tc.after); got != tc.want {
			t.Errorf("renamesTo(%s, %v, %v) = %v", tc.key, tc.before, tc.after, got)
		}
	}
}
