package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

const (
	tTopic = "arn:aws:sns:us-east-1:111111111111:events"
	tSvc   = "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/vpce-svc-0abc"
)

// TestEvalPublish: the policy evaluation of lint PL117, statement by
// statement, as IAM evaluates a resource policy for vpce.amazonaws.com's
// sns:Publish on the topic with aws:SourceAccount and aws:SourceArn.
func TestEvalPublish(t *testing.T) {
	known := publishRequest{topic: tTopic, account: "111111111111", serviceARN: tSvc}
	fresh := publishRequest{topic: tTopic, account: "111111111111", serviceARN: "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/" + newServiceID, newService: true}
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	allow := func(extra string) string {
		return stmt(`{"Effect":"Allow","Principal":{"Service":"vpce.amazonaws.com"},"Action":"sns:Publish","Resource":"` + tTopic + `"` + extra + `}`)
	}
	for _, c := range []struct {
		name    string
		policy  string
		req     publishRequest
		allowed bool
		denied  bool
		maybe   bool
		note    string
	}{
		{name: "the service", policy: allow(""), req: known, allowed: true},
		{name: "a single statement object", policy: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, req: known, allowed: true},
		{name: "AWS *", policy: stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"SNS:Pub*","Resource":"arn:aws:sns:*:111111111111:ev?nts"}`), req: known, allowed: true},
		{name: "service in a list, action sns:*", policy: stmt(`{"Effect":"Allow","Principal":{"Service":["s3.amazonaws.com","VPCE.amazonaws.com"]},"Action":["sns:Subscribe","sns:*"],"Resource":["` + tTopic + `"]}`), req: known, allowed: true},
		{name: "another principal", policy: stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sns:Publish","Resource":"` + tTopic + `"}`), req: known, note: ""},
		{name: "another action", policy: stmt(`{"Effect":"Allow","Principal":"*","Action":"sns:Subscribe","Resource":"` + tTopic + `"}`), req: known},
		{name: "another topic", policy: stmt(`{"Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:111111111111:other"}`), req: known},
		{name: "NotPrincipal without the service", policy: stmt(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::222222222222:root"},"NotAction":"sns:Delete*","NotResource":"arn:aws:sns:*:*:other"}`), req: known, allowed: true},
		{name: "NotPrincipal with the service", policy: stmt(`{"Effect":"Allow","NotPrincipal":{"Service":"vpce.amazonaws.com"},"Action":"*","Resource":"*"}`), req: known},
		{name: "NotAction naming Publish", policy: stmt(`{"Effect":"Allow","Principal":"*","NotAction":"sns:Publish","Resource":"*"}`), req: known},
		{name: "no principal", policy: stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`), req: known},
		{name: "no resource", policy: stmt(`{"Effect":"Allow","Principal":"*","Action":"*"}`), req: known},
		{name: "the account and the service", policy: allow(`,"Condition":{"StringEquals":{"AWS:SourceAccount":"111111111111"},"ArnEquals":{"aws:SourceArn":"` + tSvc + `"}}`), req: known, allowed: true},
		{name: "ArnLike per part", policy: allow(`,"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:*:111111111111:vpc-endpoint-service/*"}}`), req: known, allowed: true},
		{name: "ArnLike does not cross parts", policy: allow(`,"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:*"}}`), req: known,
			note: "allows it only if ArnLike aws:SourceArn arn:aws:ec2:* holds, which it does not for its endpoint service " + tSvc},
		{name: "an ARN of another shape", policy: allow(`,"Condition":{"ArnEquals":{"aws:SourceArn":"vpce-svc-0abc"}}`), req: known},
		{name: "StringLike, IgnoreCase, ForAnyValue", policy: allow(`,"Condition":{"StringLike":{"aws:SourceArn":"*vpce-svc-0a*"},"StringEqualsIgnoreCase":{"aws:SourceArn":"` + strings.ToUpper(tSvc) + `"},"ForAnyValue:StringEquals":{"aws:SourceAccount":["1","111111111111"]}}`), req: known, allowed: true},
		{name: "another account", policy: allow(`,"Condition":{"StringEquals":{"aws:SourceAccount":222222222222}}`), req: known,
			note: "allows it only if StringEquals aws:SourceAccount 222222222222 holds, which it does not for the provider's account 111111111111"},
		{name: "not this account", policy: allow(`,"Condition":{"StringNotEquals":{"aws:SourceAccount":"111111111111"}}`), req: known},
		{name: "not another account", policy: allow(`,"Condition":{"StringNotEqualsIgnoreCase":{"aws:SourceAccount":"2"},"ArnNotLike":{"aws:SourceArn":"arn:aws:ec2:*:*:vpc-endpoint/*"},"StringNotLike":{"aws:SourceArn":"x*"}}`), req: known, allowed: true},
		{name: "a service of a known id, not this one", policy: allow(`,"Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/vpce-svc-0other"}}`), req: known},
		{name: "a new service and an id", policy: allow(`,"Condition":{"ArnEquals":{"aws:SourceArn":"` + tSvc + `"}}`), req: fresh,
			note: "which it does not for its endpoint service, which this plan creates (a new id, matched only by a wildcard)"},
		{name: "a new service and a wildcard", policy: allow(`,"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/*"}}`), req: fresh, allowed: true},
		{name: "Null keys", policy: allow(`,"Condition":{"Null":{"aws:SourceAccount":"false","aws:SourceOwner":"true"}}`), req: known, allowed: true},
		{name: "Null: the account absent", policy: allow(`,"Condition":{"Null":{"aws:SourceArn":"true"}}`), req: known,
			note: "Null aws:SourceArn true holds, which it does not: vpce.amazonaws.com sets aws:SourceArn"},
		{name: "SourceOwner: absent", policy: allow(`,"Condition":{"Null":{"aws:SourceOwner":"false"}}`), req: known, note: "which it never does"},
		{name: "SourceOwner IfExists", policy: allow(`,"Condition":{"StringEqualsIfExists":{"aws:SourceOwner":"222222222222"},"ForAllValues:StringEquals":{"aws:SourceOwner":"2"},"StringNotEquals":{"AWS:SourceOwner":"2"}}`), req: known, allowed: true},
		{name: "a key plink cannot tell", policy: allow(`,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}`), req: known, maybe: true,
			note: "allows it only if StringEquals aws:PrincipalOrgID o-123 holds, which plink cannot tell for vpce.amazonaws.com's notifications"},
		{name: "an operator plink does not evaluate", policy: allow(`,"Condition":{"DateGreaterThan":{"aws:SourceAccount":"2020"}}`), req: known, maybe: true,
			note: "which plink cannot evaluate (operator DateGreaterThan)"},
		{name: "unknown, then false", policy: allow(`,"Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceAccount":"2"}}`), req: known,
			note: "StringEquals aws:SourceAccount 2 holds, which it does not for the provider's account 111111111111, and Bool aws:SecureTransport true holds, which plink cannot evaluate"},
		{name: "a deny", policy: stmt(`{"Sid":"a","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":{"Service":"vpce.amazonaws.com"},"Action":"sns:Publish","Resource":"*"}`),
			req: known, allowed: true, denied: true},
		{name: "a deny that may apply", policy: stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Sid":"org","Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-1"}}}`),
			req: known, allowed: true, note: `statement "org" may deny it`},
		{name: "a deny that does not apply", policy: stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceAccount":"111111111111"}}}`),
			req: known, allowed: true},
	} {
		v, err := evalPublish(c.policy, c.req)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if v.allowed != c.allowed || (len(v.denies) > 0) != c.denied || v.maybe != c.maybe {
			t.Errorf("%s: %+v, want allowed %v, denied %v, maybe %v", c.name, v, c.allowed, c.denied, c.maybe)
		}
		if notes := strings.Join(v.notes, "; "); !strings.Contains(notes, c.note) {
			t.Errorf("%s: notes %q lack %q", c.name, notes, c.note)
		}
	}
}

func TestEvalPublishRefusesMalformedPolicies(t *testing.T) {
	for policy, want := range map[string]string{
		`{`:                        "unexpected end of JSON input",
		`{"Version":"2012-10-17"}`: "no Statement",
		`{"Statement":null}`:       "no Statement",
		`{"Statement":[1]}`:        "Statement: json: cannot unmarshal",
		`{"Statement":"x"}`:        "Statement: json: cannot unmarshal",
		`{"Statement":[{"Principal":{"AWS":{"a":1}}}]}`:                                                                       "statement 1: Principal: AWS: want a string or a list of strings",
		`{"Statement":[{"Principal":7}]}`:                                                                                     "statement 1: Principal: json: cannot unmarshal number",
		`{"Statement":[{"Sid":"s","NotPrincipal":[1]}]}`:                                                                      `statement "s": NotPrincipal: json: cannot unmarshal array`,
		`{"Statement":[{"Principal":"*","Action":[{}]}]}`:                                                                     "statement 1: Action: want a string or a list of strings",
		`{"Statement":[{"Principal":"*","Action":"*","NotResource":[null]}]}`:                                                 "statement 1: NotResource: want a string or a list of strings",
		`{"Statement":[{"Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":{}}}}]}`: "statement 1: Condition StringEquals aws:SourceAccount: want a string",
		`{"Statement":[{"Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"1}}}]}`: "unexpected end of JSON input",
	} {
		_, err := evalPublish(policy, publishRequest{topic: tTopic, account: "111111111111", serviceARN: tSvc})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", policy, err, want)
		}
	}
}

func TestStringList(t *testing.T) {
	for raw, want := range map[string]string{`"a"`: "a", `["a", 1, true]`: "a,1,true", `1234567890123`: "1234567890123"} {
		got, err := stringList(json.RawMessage(raw))
		if err != nil || strings.Join(got, ",") != want {
			t.Errorf("%s: %v %v", raw, got, err)
		}
	}
	for _, raw := range []string{`{`, `{}`, `[[]]`, `null`} {
		if got, err := stringList(json.RawMessage(raw)); err == nil {
			t.Errorf("%s: %v, want an error", raw, got)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		fold bool
		want bool
	}{
		{"*", "", false, true}, {"", "", false, true}, {"", "a", false, false}, {"a*b*c", "axxbyyc", false, true},
		{"a*b*c", "axxbyy", false, false}, {"a?c", "abc", false, true}, {"a?c", "ac", false, false}, {"SNS:*", "sns:Publish", true, true},
		{"SNS:*", "sns:Publish", false, false}, {"*x", "xxx", false, true}, {"a**", "a", false, true},
	} {
		if got := glob(c.p, c.s, c.fold); got != c.want {
			t.Errorf("glob(%q, %q, %v) = %v", c.p, c.s, c.fold, got)
		}
	}
}

// TestTopicLintPlanned: the lint on snapshots: a provider created by this
// plan (its service id not known), a topic that may not let the service
// publish (a condition plink cannot tell), a deny and no allow, a policy
// that does not parse, a topic not read, an unknown account, a provider
// that names a topic twice, a read error without an AWS code, destroy.
func TestTopicLintPlanned(t *testing.T) {
	m := &manifest.Manifest{Version: 1, Project: "p", Defaults: manifest.Defaults{Region: "us-east-1"},
		Accounts: map[string]*manifest.Account{"payments": {Alias: "payments", ID: "111111111111"}},
		Providers: []*manifest.Provider{{Name: "api", Account: "payments",
			NetworkLoadBalancerARNs: []string{"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/0123456789abcdef"},
			Notifications: []manifest.Notification{{TopicARN: tTopic + "-id"}, {TopicARN: tTopic + "-maybe"}, {TopicARN: tTopic + "-deny"},
				{TopicARN: tTopic + "-bad"}, {TopicARN: tTopic + "-unread"}, {TopicARN: tTopic + "-id"}, {TopicARN: tTopic + "-throttled"}}},
			{Name: "stray", Account: "nobody", Notifications: []manifest.Notification{{TopicARN: tTopic + "-id"}}}}}
	pol := func(s string) string { return `{"Statement":[` + s + `]}` }
	s := &live.Snapshot{Scopes: []live.Scope{{Account: "payments", AccountID: "111111111111", Region: "us-east-1"}},
		Topics: []live.Topic{
			{ARN: tTopic + "-id", Account: "payments", AccountID: "111111111111", Region: "us-east-1",
				Policy: pol(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"ArnEquals":{"aws:SourceArn":"` + tSvc + `"}}}`)},
			{ARN: tTopic + "-maybe", Account: "payments", AccountID: "111111111111", Region: "us-east-1",
				Policy: pol(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}`)},
			{ARN: tTopic + "-deny", Account: "payments", AccountID: "111111111111", Region: "us-east-1",
				Policy: pol(`{"Sid":"d","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}`)},
			{ARN: tTopic + "-bad", Account: "payments", AccountID: "111111111111", Region: "us-east-1", Policy: `{"Statement":[{"Principal":1}]}`},
			{ARN: tTopic + "-throttled", Account: "payments", AccountID: "111111111111", Region: "us-east-1", Error: "operation error SNS: GetTopicAttributes, exceeded maximum number of attempts"},
		}}
	p := Compute(m, s, Options{})
	got := map[string]Diagnostic{}
	for _, d := range p.Diagnostics {
		if d.Code == CodeTopicClosed {
			if _, dup := got[d.Address]; dup {
				t.Errorf("two PL117 for %s", d.Address)
			}
			got[d.Address] = d
		}
	}
	for addr, want := range map[string][]string{
		"provider.api.notification[0]": {"warning", "would never receive provider.api's connection notifications", "which this plan creates (a new id, matched only by a wildcard)"},
		"provider.api.notification[1]": {"warning", "may never receive provider.api's connection notifications: no statement of its access policy lets vpce.amazonaws.com publish (sns:Publish) for certain: statement 1 allows it only if StringEquals aws:SourceVpc vpc-1 holds, which plink cannot tell"},
		"provider.api.notification[2]": {"warning", `its access policy denies vpce.amazonaws.com sns:Publish: statement "d" denies it`,
			`narrow statement "d" of the topic's access policy so that it does not deny vpce.amazonaws.com sns:Publish on the topic, and add this statement to it (SNS SetTopicAttributes, attribute Policy): {"Sid":"AllowPrivateLinkNotifications"`},
		"provider.api.notification[3]": {"info", "could not check whether SNS topic " + tTopic + "-bad lets vpce.amazonaws.com publish provider.api's connection notifications: its policy does not parse: statement 1: Principal: json: cannot unmarshal number",
			"the topic's policy must let vpce.amazonaws.com publish, with a statement like: {"},
		"provider.api.notification[6]": {"info", "failed: operation error SNS: GetTopicAttributes, exceeded maximum number of attempts", "run plan again to check it; its policy must let"},
	} {
		d, ok := got[addr]
		if !ok {
			t.Errorf("%s: no PL117; have %v", addr, got)
			continue
		}
		delete(got, addr)
		if string(d.Severity) != want[0] {
			t.Errorf("%s: severity %s, want %s", addr, d.Severity, want[0])
		}
		for _, w := range want[1:] {
			if !strings.Contains(d.Message+"\n"+d.Hint, w) {
				t.Errorf("%s: %s\nhint: %s\nlacks %s", addr, d.Message, d.Hint, w)
			}
		}
	}
	for addr, d := range got {
		t.Errorf("unexpected %s: %s", addr, d.Message)
	}
	// Once the service exists, a condition on its ARN is decided by its id.
	s.Services = []live.Service{{AccountID: "111111111111", Region: "us-east-1", ID: "vpce-svc-0abc", State: "Available", Type: "Interface",
		NetworkLoadBalancerARNs: m.Providers[0].NetworkLoadBalancerARNs, Tags: map[string]string{live.TagProject: "p", live.TagName: "api"}}}
	for _, d := range Compute(m, s, Options{}).Diagnostics {
		if d.Code == CodeTopicClosed && d.Address == "provider.api.notification[0]" {
			t.Errorf("a condition on the live service's ARN: %s", d.Message)
		}
	}
	if d := Compute(m, s, Options{Destroy: true}).Diagnostics; strings.Contains(codesOf(d), CodeTopicClosed) {
		t.Errorf("destroy plan lints topics: %s", codesOf(d))
	}
	if TopicStatement("arn:x", "", "r", "1") != `{"Sid":"AllowPrivateLinkNotifications","Effect":"Allow","Principal":{"Service":"vpce.amazonaws.com"},"Action":"SNS:Publish","Resource":"arn:x","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:r:1:vpc-endpoint-service/*"},"StringEquals":{"aws:SourceAccount":"1"}}}` {
		t.Errorf("TopicStatement without a partition: %s", TopicStatement("arn:x", "", "r", "1"))
	}
}

func codesOf(ds []Diagnostic) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Code)
	}
	return strings.Join(out, " ")
}
