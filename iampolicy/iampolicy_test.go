package iampolicy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./iampolicy -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (rerun with -update if intended)\n--- got ---\n%s", name, got)
	}
}

func loadTestManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load("testdata/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGoldens(t *testing.T) {
	m := loadTestManifest(t)
	for _, mode := range Modes {
		for _, withManifest := range []bool{true, false} {
			var mm *manifest.Manifest
			name := string(mode) + "-any.json"
			if withManifest {
				mm = m
				name = string(mode) + ".json"
			}
			docs, err := For(mode, mm)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := JSON(&buf, docs); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())
		}
	}
	op, err := MarshalDocument(*Operator(m))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "operator.json", op)
}

func TestReadersNeverWrite(t *testing.T) {
	m := loadTestManifest(t)
	for _, mode := range []Mode{Plan, Drift, Export} {
		docs, _ := For(mode, m)
		for alias, d := range docs {
			for _, a := range d.Actions() {
				verb := a[strings.IndexByte(a, ':')+1:]
				if !strings.HasPrefix(verb, "Describe") && !strings.HasPrefix(verb, "Get") {
					t.Errorf("%s policy for %s allows %s", mode, alias, a)
				}
			}
		}
	}
}

func TestApplyScoping(t *testing.T) {
	m := loadTestManifest(t)
	docs, err := For(Apply, m)
	if err != nil {
		t.Fatal(err)
	}
	for alias, d := range docs {
		id := m.Accounts[alias].ID
		for _, s := range d.Statement {
			for _, r := range s.Resource {
				if r != "*" && !strings.Contains(r, ":"+id+":") {
					t.Errorf("%s/%s: resource %s outside the account", alias, s.Sid, r)
				}
				// PlinkDecodeDenialReasons: sts:DecodeAuthorizationMessage
				// has no resource types; it changes nothing.
				if r == "*" && !slices.Contains([]string{"PlinkRead", "PlinkLeaseRead", "PlinkDecodeDenialReasons"}, s.Sid) {
					t.Errorf("%s/%s: Resource * on a write", alias, s.Sid)
				}
			}
			if strings.HasPrefix(s.Sid, "PlinkCreate") && s.Condition["StringEquals"]["aws:RequestTag/plink:project"][0] != "payments-privatelink" {
				t.Errorf("%s/%s: create without the project request tag", alias, s.Sid)
			}
			if strings.HasPrefix(s.Sid, "PlinkManageOwn") && s.Condition["StringEquals"]["aws:ResourceTag/plink:project"][0] != "payments-privatelink" {
				t.Errorf("%s/%s: modify without the project resource tag", alias, s.Sid)
			}
		}
	}
	// The lease: in the first provider's account and region only, on the
	// project's placement group and its shards' only, tagged with the
	// project.
	for alias, d := range docs {
		var sids []string
		for _, s := range d.Statement {
			if !strings.HasPrefix(s.Sid, "PlinkLease") {
				continue
			}
			sids = append(sids, s.Sid)
			if s.Sid != "PlinkLeaseRead" && !slices.Equal(s.Resource, []string{"arn:aws:ec2:us-east-1:111111111111:placement-group/plink-lease-payments-privatelink",
				"arn:aws:ec2:us-east-1:111111111111:placement-group/plink-lease-payments-privatelink.shard.*"}) {
				t.Errorf("%s/%s: resources %v", alias, s.Sid, s.Resource)
			}
			want := map[string]string{"PlinkLeaseCreate": "aws:RequestTag/plink:project", "PlinkLeaseManage": "aws:ResourceTag/plink:project",
				"PlinkLeaseWithdraw": "aws:ResourceTag/plink:project"}[s.Sid]
			if want != "" && !slices.Equal(s.Condition["StringEquals"][want], []string{"payments-privatelink"}) {
				t.Errorf("%s/%s: condition %v, want %s", alias, s.Sid, s.Condition, want)
			}
		}
		if alias == "payments" && len(sids) != 5 || alias != "payments" && len(sids) != 0 {
			t.Errorf("%s: lease statements %v; only payments (the first provider's account) holds the lease", alias, sids)
		}
	}
	// checkout only consumes: no service creation, but its subnets by ARN.
	co := docs["checkout"]
	for _, s := range co.Statement {
		if s.Sid == "PlinkCreateEndpointServices" {
			t.Error("checkout may create endpoint services")
		}
		if s.Sid == "PlinkUseEndpointNetwork" && !slices.Contains(s.Resource, "arn:aws:ec2:us-west-2:222222222222:subnet/subnet-0220000000000000a") {
			t.Errorf("network statement lacks the us-west-2 subnet: %v", s.Resource)
		}
	}
	// Adopted ids by ARN.
	found := false
	for _, s := range docs["analytics"].Statement {
		if s.Sid == "PlinkAdoptResources" {
			found = slices.Contains(s.Resource, "arn:aws:ec2:us-east-1:333333333333:vpc-endpoint-service/vpce-svc-0123456789abcdef0") && slices.Contains(s.Action, "ec2:CreateTags")
		}
	}
	if !found {
		t.Error("analytics has no statement for its adopted service")
	}
}

func TestErrors(t *testing.T) {
	if _, err := For("nuke", nil); err == nil || err.Error() != `unknown mode "nuke": valid modes are plan, apply, destroy, drift, export, connections and status` {
		t.Errorf("error %v", err)
	}
	if m, err := ParseMode("destroy"); err != nil || m != Destroy {
		t.Errorf("ParseMode(destroy) = %q, %v", m, err)
	}
	if d, a := docsJSON(t, Destroy), docsJSON(t, Apply); d != a {
		t.Errorf("--for destroy is not apply's policy:\n%s", d)
	}
	if _, err := ParseMode("Plan"); err == nil {
		t.Error("ParseMode accepted a capitalized mode")
	}
	if _, err := For(Plan, &manifest.Manifest{Project: "p"}); err == nil || !strings.Contains(err.Error(), "no accounts") {
		t.Errorf("error %v", err)
	}
	if Operator(nil) != nil || Operator(&manifest.Manifest{Accounts: map[string]*manifest.Account{"a": {ID: "111111111111", Profile: "x"}}}) != nil {
		t.Error("operator policy without roles")
	}
	if err := JSON(failWriter{}, map[string]Document{}); err == nil {
		t.Error("JSON: no error from a failing writer")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestDocumentsAreValidJSONPolicies(t *testing.T) {
	docs, _ := For(Apply, loadTestManifest(t))
	for alias, d := range docs {
		data, err := MarshalDocument(d)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if back["Version"] != "2012-10-17" {
			t.Errorf("%s: Version %v", alias, back["Version"])
		}
		sids := map[string]bool{}
		for _, s := range d.Statement {
			if sids[s.Sid] {
				t.Errorf("%s: duplicate Sid %s", alias, s.Sid)
			}
			sids[s.Sid] = true
			if len(s.Action) == 0 || len(s.Resource) == 0 {
				t.Errorf("%s/%s: empty Action or Resource", alias, s.Sid)
			}
		}
	}
}

// allowed is a small model of IAM's evaluation of one identity policy, for
// these unit tests only (the sandbox evaluates the printed policies for
// real in sandbox_test.go): action and resource globs, and the condition
// operators plink writes.
func allowed(d Document, action, resource string, ctx map[string]string) bool {
	for _, s := range d.Statement {
		if s.Effect != "Allow" || !slices.Contains(s.Action, action) {
			continue
		}
		if !slices.ContainsFunc(s.Resource, func(p string) bool { return glob(p, resource) }) {
			continue
		}
		if conditionsHold(s.Condition, ctx) {
			return true
		}
	}
	return false
}

func conditionsHold(c map[string]map[string][]string, ctx map[string]string) bool {
	for op, kv := range c {
		for key, vals := range kv {
			v, ok := ctx[key]
			var hold bool
			switch op {
			case "StringEquals":
				hold = ok && slices.Contains(vals, v)
			case "StringEqualsIfExists":
				hold = !ok || slices.Contains(vals, v)
			case "StringLike", "ArnEquals", "ArnLike":
				hold = ok && slices.ContainsFunc(vals, func(p string) bool { return glob(p, v) })
			case "Null":
				hold = (vals[0] == "true") == !ok
			// ForAllValues: the context's (one) value, if any, must match.
			case "ForAllValues:StringEquals":
				hold = !ok || slices.Contains(vals, v)
			case "ForAllValues:StringLike":
				hold = !ok || slices.ContainsFunc(vals, func(p string) bool { return glob(p, v) })
			case "ForAllValues:StringNotLike":
				hold = !ok || !slices.ContainsFunc(vals, func(p string) bool { return glob(p, v) })
			default:
				panic("the test model does not know the operator " + op)
			}
			if !hold {
				return false
			}
		}
	}
	return true
}

func glob(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

const project = "payments-privatelink"

func applyDocs(t *testing.T, mode Mode) map[string]Document {
	t.Helper()
	docs, err := For(mode, loadTestManifest(t))
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// ModifyVpcEndpoint authorizes the subnets, security groups and route
// tables it removes, which come from live state: a subnet dropped from the
// manifest, the VPC's default security group, an adopted endpoint's own.
func TestModifyEndpointMayRemoveWhatLiveHolds(t *testing.T) {
	co := applyDocs(t, Apply)["checkout"]
	vpc := map[string]string{"ec2:Vpc": "arn:aws:ec2:us-east-1:222222222222:vpc/vpc-02100000000000001"}
	for _, r := range []string{
		"arn:aws:ec2:us-east-1:222222222222:subnet/subnet-0210000000000000c",     // no longer declared
		"arn:aws:ec2:us-east-1:222222222222:security-group/sg-0210000000000000d", // the VPC's default group
	} {
		if !allowed(co, "ec2:ModifyVpcEndpoint", r, vpc) {
			t.Errorf("ModifyVpcEndpoint cannot remove %s in the consumer's VPC", r)
		}
		if allowed(co, "ec2:ModifyVpcEndpoint", r, map[string]string{"ec2:Vpc": "arn:aws:ec2:us-east-1:222222222222:vpc/vpc-0ffffffffffffffff"}) {
			t.Errorf("ModifyVpcEndpoint may use %s in a VPC no consumer uses", r)
		}
		if allowed(co, "ec2:CreateVpcEndpoint", r, vpc) {
			t.Errorf("CreateVpcEndpoint may use %s, which the manifest does not name", r)
		}
	}
	// AWS sets no ec2:Vpc on the route tables of ModifyVpcEndpoint
	// (awsauthz): a route table added by hand is removable in a region
	// with gateway consumers, whatever its VPC (the endpoint, tagged with
	// the project, is in the consumer's), and in no other region.
	rt := "arn:aws:ec2:us-east-1:222222222222:route-table/rtb-0210000000000000e"
	if !allowed(co, "ec2:ModifyVpcEndpoint", rt, nil) {
		t.Errorf("ModifyVpcEndpoint cannot remove %s", rt)
	}
	if allowed(co, "ec2:CreateVpcEndpoint", rt, vpc) {
		t.Errorf("CreateVpcEndpoint may use %s, which the manifest does not name", rt)
	}
	if west := "arn:aws:ec2:us-west-2:222222222222:route-table/rtb-0220000000000000e"; allowed(co, "ec2:ModifyVpcEndpoint", west, nil) {
		t.Errorf("ModifyVpcEndpoint may use %s: checkout has no gateway endpoint in us-west-2", west)
	}
}

// vpce:AllowMultiRegion: wherever AWS requires it (creating and deleting
// cross-region endpoints and services with supported regions, removing a
// region, deciding cross-region connections), on the account's own
// endpoints and services, never on "*".
func TestMultiRegionWhereAWSRequiresIt(t *testing.T) {
	m := loadTestManifest(t)
	for _, mode := range []Mode{Apply, Connections} {
		docs := applyDocs(t, mode)
		for alias, d := range docs {
			id := m.Accounts[alias].ID
			for _, region := range []string{"us-east-1", "us-west-2"} {
				// connections: only where the account has a service that
				// supports other regions (analytics' legacy-ingest does
				// not, so it decides no cross-region connection).
				multi := slices.ContainsFunc(m.Providers, func(p *manifest.Provider) bool {
					return p.Account == alias && len(p.SupportedRegions) > 0 && cmp.Or(p.Region, m.Defaults.Region) == region
				})
				svc := "arn:aws:ec2:" + region + ":" + id + ":vpc-endpoint-service/vpce-svc-0aaaaaaaaaaaaaaaa"
				ep := "arn:aws:ec2:" + region + ":" + id + ":vpc-endpoint/vpce-0aaaaaaaaaaaaaaaa"
				wantSvc := mode == Apply || multi
				if got := allowed(d, "vpce:AllowMultiRegion", svc, nil); got != wantSvc {
					t.Errorf("%s/%s: vpce:AllowMultiRegion on %s = %v, want %v", mode, alias, svc, got, wantSvc)
				}
				if got := allowed(d, "vpce:AllowMultiRegion", ep, nil); got != (mode == Apply) {
					t.Errorf("%s/%s: vpce:AllowMultiRegion on %s = %v", mode, alias, ep, got)
				}
			}
			if allowed(d, "vpce:AllowMultiRegion", "arn:aws:ec2:us-east-1:999999999999:vpc-endpoint/vpce-0aaaaaaaaaaaaaaaa", nil) {
				t.Errorf("%s/%s: vpce:AllowMultiRegion on another account's endpoint", mode, alias)
			}
			for _, s := range d.Statement {
				if slices.Contains(s.Action, "vpce:AllowMultiRegion") && slices.Contains(s.Resource, "*") {
					t.Errorf("%s/%s: vpce:AllowMultiRegion on *", mode, alias)
				}
			}
		}
	}
	for alias, d := range applyDocs(t, Plan) {
		if d.Allows("vpce:AllowMultiRegion") {
			t.Errorf("%s: the plan (read-only) policy allows vpce:AllowMultiRegion", alias)
		}
	}
}

// CreateVpcEndpoint only to the services the manifest declares: its
// providers (by owner account and their regions' service names) and the
// services it names.
func TestCreateEndpointOnlyToDeclaredServices(t *testing.T) {
	docs := applyDocs(t, Apply)
	co := docs["checkout"]
	ep := "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*"
	req := func(name, owner string) map[string]string {
		return map[string]string{"aws:RequestTag/plink:project": project, "ec2:VpceServiceName": name, "ec2:VpceServiceOwner": owner}
	}
	for _, c := range []struct {
		name, owner string
		want        bool
	}{
		{"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef1", "111111111111", true}, // payments-api, created by plink
		{"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", "333333333333", true}, // legacy-ingest, adopted
		{"com.amazonaws.us-east-1.s3", "amazon", true},                                    // named
		{"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef1", "999999999999", false},
		{"com.amazonaws.vpce.us-east-1.vpce-svc-0fffffffffffffff0", "333333333333", false}, // analytics' other services
		{"com.amazonaws.us-east-1.dynamodb", "amazon", false},
		{"com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef1", "111111111111", false},
	} {
		if got := allowed(co, "ec2:CreateVpcEndpoint", ep, req(c.name, c.owner)); got != c.want {
			t.Errorf("CreateVpcEndpoint to %s of %s: allowed %v, want %v", c.name, c.owner, got, c.want)
		}
	}
	other := req("com.amazonaws.us-east-1.s3", "amazon")
	other["aws:RequestTag/plink:project"] = "someone-else"
	if allowed(co, "ec2:CreateVpcEndpoint", ep, other) {
		t.Error("CreateVpcEndpoint tagged for another project")
	}
}

// With the live name of payments-api's service (plink iam-policy --live),
// CreateVpcEndpoint reaches that service only: not another service of the
// same owner in the same region (another project's), which the policy
// without live state must allow since the service's id is not known
// before it exists.
func TestCreateEndpointPinnedByLiveName(t *testing.T) {
	m := loadTestManifest(t)
	const mine, theirs = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef1", "com.amazonaws.vpce.us-east-1.vpce-svc-0ddddddddddddddd1"
	ep := "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*"
	req := func(name string) map[string]string {
		return map[string]string{"aws:RequestTag/plink:project": project, "ec2:VpceServiceName": name, "ec2:VpceServiceOwner": "111111111111"}
	}
	static, err := For(Apply, m)
	if err != nil {
		t.Fatal(err)
	}
	if !allowed(static["checkout"], "ec2:CreateVpcEndpoint", ep, req(theirs)) {
		t.Fatal("without live state, any service of payments in us-east-1 must be allowed (its id is not known)")
	}
	if got := Unpinned(m, Live{}); !slices.Equal(got, []string{"payments-api (111111111111, us-east-1)"}) {
		t.Errorf("Unpinned without live state = %v", got)
	}
	lv := Live{ServiceNames: map[string]string{"payments-api": mine}}
	pinned, err := ForLive(Apply, m, lv)
	if err != nil {
		t.Fatal(err)
	}
	co := pinned["checkout"]
	if !allowed(co, "ec2:CreateVpcEndpoint", ep, req(mine)) || !allowed(co, "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-west-2:222222222222:vpc-endpoint/*", req(mine)) {
		t.Error("the live service's name must be allowed where its consumers are")
	}
	if allowed(co, "ec2:CreateVpcEndpoint", ep, req(theirs)) {
		t.Error("with the live name, another service of the same owner must be refused")
	}
	// Each region's endpoints get the services consumed from that region
	// only: checkout's S3 gateway endpoint is in us-east-1, so no
	// us-west-2 endpoint may be created to S3.
	s3 := map[string]string{"aws:RequestTag/plink:project": project, "ec2:VpceServiceName": "com.amazonaws.us-east-1.s3", "ec2:VpceServiceOwner": "amazon"}
	if !allowed(co, "ec2:CreateVpcEndpoint", ep, s3) || allowed(co, "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-west-2:222222222222:vpc-endpoint/*", s3) {
		t.Error("the S3 endpoint must be allowed in us-east-1, where checkout-s3 is, and in no other region")
	}
	for _, s := range co.Statement {
		if strings.HasPrefix(s.Sid, "PlinkCreateEndpointsUs") {
			t.Errorf("a pattern statement is left though every provider is pinned: %+v", s)
		}
	}
	if got := Unpinned(m, lv); len(got) != 0 {
		t.Errorf("Unpinned = %v, want none", got)
	}
	if Unpinned(nil, lv) != nil {
		t.Error("Unpinned without a manifest")
	}
}

// ServiceNames takes the names of the services a plan keeps, not of those
// it creates or replaces.
func TestServiceNamesFromAPlan(t *testing.T) {
	p := &plan.Plan{Changes: []plan.Change{
		{Kind: plan.KindService, Address: "provider.kept", Action: plan.NoOp, After: &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-1"}},
		{Kind: plan.KindService, Address: "provider.changed", Action: plan.Update, After: &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-2"}},
		{Kind: plan.KindService, Address: "provider.adopted", Action: plan.Adopt, After: &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-3"}},
		{Kind: plan.KindService, Address: "provider.new", Action: plan.Create, After: &plan.Values{}},
		{Kind: plan.KindService, Address: "provider.replaced", Action: plan.Replace, After: &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-4"}},
		{Kind: plan.KindEndpoint, Address: "consumer.c", Action: plan.NoOp, After: &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-1"}},
	}}
	got := ServiceNames(p)
	want := map[string]string{"kept": "com.amazonaws.vpce.us-east-1.vpce-svc-1", "changed": "com.amazonaws.vpce.us-east-1.vpce-svc-2",
		"adopted": "com.amazonaws.vpce.us-east-1.vpce-svc-3"}
	if len(got) != len(want) {
		t.Fatalf("ServiceNames = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("ServiceNames[%s] = %q, want %q", k, got[k], v)
		}
	}
}

// Accounts that only consume decide no connections and create no
// notifications; grants for calls plink never makes are gone.
func TestConsumerOnlyAccountsAndUnusedGrants(t *testing.T) {
	for mode, docs := range map[Mode]map[string]Document{Apply: applyDocs(t, Apply), Connections: applyDocs(t, Connections)} {
		for _, a := range []string{"ec2:AcceptVpcEndpointConnections", "ec2:RejectVpcEndpointConnections",
			"ec2:CreateVpcEndpointConnectionNotification", "ec2:StartVpcEndpointServicePrivateDnsVerification"} {
			if docs["checkout"].Allows(a) {
				t.Errorf("%s: checkout, which only consumes, is allowed %s", mode, a)
			}
		}
	}
	for _, mode := range Modes {
		for alias, d := range applyDocs(t, mode) {
			// (StartVpcEndpointServicePrivateDnsVerification: only for
			// providers with privateDns, which this manifest has none of.)
			for _, a := range []string{"elasticloadbalancing:DescribeTags", "ec2:StartVpcEndpointServicePrivateDnsVerification", "sts:GetCallerIdentity"} {
				if d.Allows(a) {
					t.Errorf("%s/%s allows %s, which plink does not need for this manifest", mode, alias, a)
				}
			}
		}
	}
}

// Creates only in the regions where the account has entries of that kind:
// analytics provides in us-east-1 and consumes in us-west-2.
func TestCreatesOnlyWhereTheAccountHasEntries(t *testing.T) {
	an := applyDocs(t, Apply)["analytics"]
	tag := map[string]string{"aws:RequestTag/plink:project": project}
	if !allowed(an, "ec2:CreateVpcEndpointServiceConfiguration", "arn:aws:ec2:us-east-1:333333333333:vpc-endpoint-service/*", tag) {
		t.Error("analytics cannot create its service in us-east-1")
	}
	if allowed(an, "ec2:CreateVpcEndpointServiceConfiguration", "arn:aws:ec2:us-west-2:333333333333:vpc-endpoint-service/*", tag) {
		t.Error("analytics may create services in us-west-2, where it only consumes")
	}
	req := map[string]string{"aws:RequestTag/plink:project": project, "ec2:VpceServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef1", "ec2:VpceServiceOwner": "111111111111"}
	if !allowed(an, "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-west-2:333333333333:vpc-endpoint/*", req) {
		t.Error("analytics cannot create its endpoint in us-west-2")
	}
	if allowed(an, "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:333333333333:vpc-endpoint/*", req) {
		t.Error("analytics may create endpoints in us-east-1, where it only provides")
	}
	if allowed(an, "ec2:CreateTags", "arn:aws:ec2:us-east-1:333333333333:vpc-endpoint/vpce-1", map[string]string{"ec2:CreateAction": "CreateVpcEndpoint"}) {
		t.Error("analytics may tag endpoints on create in us-east-1")
	}
}

// Retagging a resource of the project may set any tag but plink:project,
// which it may only set to the project itself.
func TestRetagCannotMoveAResourceToAnotherProject(t *testing.T) {
	for alias, d := range applyDocs(t, Apply) {
		id := loadTestManifest(t).Accounts[alias].ID
		for _, res := range []string{"arn:aws:ec2:us-east-1:" + id + ":vpc-endpoint/vpce-1", "arn:aws:ec2:us-east-1:" + id + ":vpc-endpoint-service/vpce-svc-1"} {
			own := map[string]string{"aws:ResourceTag/plink:project": project}
			with := func(v string) map[string]string {
				c := map[string]string{"aws:ResourceTag/plink:project": project}
				if v != "" {
					c["aws:RequestTag/plink:project"] = v
				}
				return c
			}
			if !allowed(d, "ec2:CreateTags", res, own) || !allowed(d, "ec2:CreateTags", res, with(project)) {
				t.Errorf("%s: cannot retag %s", alias, res)
			}
			if allowed(d, "ec2:CreateTags", res, with("another-project")) {
				t.Errorf("%s: CreateTags may rewrite plink:project of %s", alias, res)
			}
			if allowed(d, "ec2:CreateTags", res, map[string]string{"aws:ResourceTag/plink:project": "another-project"}) {
				t.Errorf("%s: CreateTags on another project's %s", alias, res)
			}
		}
		if alias == "payments" {
			pg := "arn:aws:ec2:us-east-1:111111111111:placement-group/plink-lease-payments-privatelink"
			if allowed(d, "ec2:CreateTags", pg, map[string]string{"aws:ResourceTag/plink:project": project, "aws:RequestTag/plink:project": "x"}) {
				t.Error("the lease's CreateTags may rewrite plink:project")
			}
		}
	}
	// Adoption tags an untagged resource: with this project only.
	an := applyDocs(t, Apply)["analytics"]
	svc := "arn:aws:ec2:us-east-1:333333333333:vpc-endpoint-service/vpce-svc-0123456789abcdef0"
	if !allowed(an, "ec2:CreateTags", svc, map[string]string{"aws:RequestTag/plink:project": project}) ||
		allowed(an, "ec2:CreateTags", svc, map[string]string{"aws:RequestTag/plink:project": "x"}) {
		t.Error("adoption tags with another project, or not with this one")
	}
}

// Connection notifications are changed and deleted on the project's
// services only, and the permissions read on the account's own services.
func TestNotificationsAndPermissionReadsScoped(t *testing.T) {
	docs := applyDocs(t, Apply)
	pay := docs["payments"]
	svc := "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/vpce-svc-1"
	for _, a := range []string{"ec2:ModifyVpcEndpointConnectionNotification", "ec2:DeleteVpcEndpointConnectionNotifications"} {
		if !allowed(pay, a, svc, map[string]string{"aws:ResourceTag/plink:project": project}) {
			t.Errorf("payments cannot %s on its service", a)
		}
		if allowed(pay, a, svc, map[string]string{"aws:ResourceTag/plink:project": "x"}) || allowed(pay, a, "*", nil) {
			t.Errorf("%s is allowed beyond the project's services", a)
		}
	}
	for _, mode := range []Mode{Plan, Drift, Export, Apply} {
		d := applyDocs(t, mode)["payments"]
		if !allowed(d, "ec2:DescribeVpcEndpointServicePermissions", svc, map[string]string{"aws:RequestedRegion": "us-east-1"}) {
			t.Errorf("%s: cannot read the permissions of the account's service", mode)
		}
		if allowed(d, "ec2:DescribeVpcEndpointServicePermissions", "arn:aws:ec2:us-east-1:999999999999:vpc-endpoint-service/vpce-svc-1", map[string]string{"aws:RequestedRegion": "us-east-1"}) {
			t.Errorf("%s: reads the permissions of another account's service", mode)
		}
	}
}

// docsJSON is the policy of mode for the test manifest, as printed.
func docsJSON(t *testing.T, mode Mode) string {
	t.Helper()
	docs, err := For(mode, loadTestManifest(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := JSON(&b, docs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Issue 20's calls are granted where the manifest needs them, scoped: a
// provider with privateDns gets the Route 53 reads and TXT writes under
// its domain and the verification; tags on its principals' permissions
// only the keys declared (removal: any but plink's); a Resource consumer's
// account reads its target by ARN and creates endpoints that name no
// service; the owner of the resource configuration reads its gateways.
func TestIssue20Grants(t *testing.T) {
	m, err := manifest.Parse("m.yaml", []byte(`version: 1
project: p20
defaults: { region: us-east-1 }
accounts:
  payments: { id: "111111111111" }
  checkout: { id: "222222222222" }
providers:
  - name: ledger
    account: payments
    networkLoadBalancerArns: ["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/ledger/011000000005c0c3"]
    privateDns: { name: ledger.payments.example.net, route53HostedZoneId: Z0PAYMENTSNET01 }
    payerResponsibility: ServiceOwner
    allowedPrincipals: [{ account: checkout, tags: { team: checkout } }]
consumers:
  - name: orders-db
    account: checkout
    type: Resource
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    resourceConfigurationArn: arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a
`))
	if err != nil {
		t.Fatal(err)
	}
	apply, err := For(Apply, m)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := For(Plan, m)
	if err != nil {
		t.Fatal(err)
	}
	pay, co := apply["payments"], apply["checkout"]
	zone := "arn:aws:route53:::hostedzone/Z0PAYMENTSNET01"
	txt := func(name string) map[string]string {
		return map[string]string{"route53:ChangeResourceRecordSetsRecordTypes": "TXT", "route53:ChangeResourceRecordSetsNormalizedRecordNames": name}
	}
	svc := "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/vpce-svc-0aaaaaaaaaaaaaaaa"
	own := map[string]string{"aws:ResourceTag/plink:project": "p20"}
	perm := "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service-permission/vpce-svc-perm-0aaaaaaaaaaaaaaaa"
	for _, c := range []struct {
		what        string
		d           Document
		action, arn string
		ctx         map[string]string
		want        bool
	}{
		{"find the zone", plan["payments"], "route53:ListHostedZonesByName", "*", nil, true},
		{"read the record", plan["payments"], "route53:ListResourceRecordSets", zone, nil, true},
		{"read another zone", plan["payments"], "route53:ListResourceRecordSets", "arn:aws:route53:::hostedzone/Z0OTHER", nil, false},
		{"write the TXT record", pay, "route53:ChangeResourceRecordSets", zone, txt("_abc.ledger.payments.example.net"), true},
		{"write a record outside the domain", pay, "route53:ChangeResourceRecordSets", zone, txt("www.example.net"), false},
		{"write another type", pay, "route53:ChangeResourceRecordSets", zone, map[string]string{"route53:ChangeResourceRecordSetsRecordTypes": "A",
			"route53:ChangeResourceRecordSetsNormalizedRecordNames": "_abc.ledger.payments.example.net"}, false},
		{"wait for the change", pay, "route53:GetChange", "arn:aws:route53:::change/C1", nil, true},
		{"verify the name", pay, "ec2:StartVpcEndpointServicePrivateDnsVerification", svc, own, true},
		{"set the payer", pay, "ec2:ModifyVpcEndpointServicePayerResponsibility", svc, own, true},
		{"the payer of another project's service", pay, "ec2:ModifyVpcEndpointServicePayerResponsibility", svc, map[string]string{"aws:ResourceTag/plink:project": "x"}, false},
		{"tag a permission", pay, "ec2:CreateTags", perm, map[string]string{"aws:TagKeys": "team"}, true},
		{"tag a permission with a key not declared", pay, "ec2:CreateTags", perm, map[string]string{"aws:TagKeys": "plink:project"}, false},
		{"untag a permission", pay, "ec2:DeleteTags", perm, map[string]string{"aws:TagKeys": "old"}, true},
		{"untag plink's key", pay, "ec2:DeleteTags", perm, map[string]string{"aws:TagKeys": "plink:project"}, false},
		{"read the target", plan["checkout"], "vpc-lattice:GetResourceConfiguration", "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a", nil, true},
		{"read another target", plan["checkout"], "vpc-lattice:GetResourceConfiguration", "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000b", nil, false},
		{"the owner reads the gateway", plan["payments"], "vpc-lattice:GetResourceGateway", "arn:aws:vpc-lattice:us-east-1:111111111111:resourcegateway/rgw-0111000000000000a", nil, true},
		{"a Resource endpoint", co, "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*", map[string]string{"aws:RequestTag/plink:project": "p20"}, true},
		{"an endpoint to a service", co, "ec2:CreateVpcEndpoint", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*",
			map[string]string{"aws:RequestTag/plink:project": "p20", "ec2:VpceServiceName": "com.amazonaws.us-east-1.s3"}, false},
	} {
		if got := allowed(c.d, c.action, c.arn, c.ctx); got != c.want {
			t.Errorf("%s: %s on %s = %v, want %v", c.what, c.action, c.arn, got, c.want)
		}
	}
}

// With live state read (Live.Read), the apply policy grants changes,
// deletes, retags and vpce:AllowMultiRegion on the project's endpoints
// and services only where the manifest declares them or the plan changes
// them, and vpce:AllowMultiRegion only on cross-region ones; without it,
// wherever plink reads (a resource that left the manifest is deleted
// where it is).
func TestLivePolicyOnlyWhereNeeded(t *testing.T) {
	m := loadTestManifest(t)
	static, err := For(Apply, m)
	if err != nil {
		t.Fatal(err)
	}
	lv := Live{Read: true, Touched: map[string]map[string]bool{"analytics": {"us-west-2 vpc-endpoint-service": true}},
		MultiRegion: map[string]map[string]bool{"analytics": {"us-west-2 vpc-endpoint-service": true}}}
	docs, err := ForLive(Apply, m, lv)
	if err != nil {
		t.Fatal(err)
	}
	own := map[string]string{"aws:ResourceTag/plink:project": project}
	for _, c := range []struct {
		what, alias, action, arn string
		static, live             bool
	}{
		{"checkout consumes only: no service to delete", "checkout", "ec2:DeleteVpcEndpointServiceConfigurations", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint-service/vpce-svc-1", true, false},
		{"checkout consumes only: no service permissions to read", "checkout", "ec2:DescribeVpcEndpointServicePermissions", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint-service/vpce-svc-1", true, false},
		{"payments has no consumer in us-west-2", "payments", "ec2:DeleteVpcEndpoints", "arn:aws:ec2:us-west-2:111111111111:vpc-endpoint/vpce-1", true, false},
		{"checkout's endpoint in us-east-1 is not cross-region", "checkout", "vpce:AllowMultiRegion", "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/vpce-1", true, false},
		{"checkout's endpoint in us-west-2 is", "checkout", "vpce:AllowMultiRegion", "arn:aws:ec2:us-west-2:222222222222:vpc-endpoint/vpce-1", true, true},
		{"payments-api supports us-west-2", "payments", "vpce:AllowMultiRegion", "arn:aws:ec2:us-east-1:111111111111:vpc-endpoint-service/vpce-svc-1", true, true},
		{"analytics' legacy-ingest does not", "analytics", "vpce:AllowMultiRegion", "arn:aws:ec2:us-east-1:333333333333:vpc-endpoint-service/vpce-svc-1", true, false},
		{"a cross-region service the plan deletes (live)", "analytics", "vpce:AllowMultiRegion", "arn:aws:ec2:us-west-2:333333333333:vpc-endpoint-service/vpce-svc-1", true, true},
		{"and its delete", "analytics", "ec2:DeleteVpcEndpointServiceConfigurations", "arn:aws:ec2:us-west-2:333333333333:vpc-endpoint-service/vpce-svc-1", true, true},
	} {
		ctx := own
		if c.action == "vpce:AllowMultiRegion" || c.action == "ec2:DescribeVpcEndpointServicePermissions" {
			ctx = map[string]string{"aws:RequestedRegion": strings.Split(c.arn, ":")[3]}
		}
		if got := allowed(static[c.alias], c.action, c.arn, ctx); got != c.static {
			t.Errorf("without live state, %s: %s on %s = %v, want %v", c.what, c.action, c.arn, got, c.static)
		}
		if got := allowed(docs[c.alias], c.action, c.arn, ctx); got != c.live {
			t.Errorf("with live state, %s: %s on %s = %v, want %v", c.what, c.action, c.arn, got, c.live)
		}
	}
}
