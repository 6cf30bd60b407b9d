package awsauthz

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var rePerm = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)

// TestRowsWellFormed checks every row names known resource types, cites a
// source, and is consistent in what it says about dependent permissions.
func TestRowsWellFormed(t *testing.T) {
	services := []string{"ec2", "elasticloadbalancing", "sts", "cloudwatch", "sns", "vpce", "route53", "vpc-lattice"}
	pages := []string{PageEC2, PagePrivateLink, PageELB, PageSTS, PageCloudWatch, PageSNS, PageRoute53, PageLattice}
	seen := map[string]bool{}
	for _, a := range Actions() {
		p := a.Permission()
		if seen[strings.ToLower(p)] {
			t.Errorf("%s: duplicate row", p)
		}
		seen[strings.ToLower(p)] = true
		if !slices.Contains(services, a.Service) || !rePerm.MatchString(p) {
			t.Errorf("%s: service must be one of %v and the name an API action", p, services)
		}
		if !strings.HasPrefix(a.Source, "https://docs.aws.amazon.com/") {
			t.Errorf("%s: source %q must be an AWS documentation URL", p, a.Source)
		}
		if len(a.Rows) == 0 {
			t.Errorf("%s: no rows (a row with Type \"\" means Resource \"*\")", p)
		}
		for _, r := range a.Rows {
			if r.Type == "" {
				if len(a.Rows) != 1 || len(r.Keys) != 0 {
					t.Errorf("%s: a \"*\" row must be the action's only row and carry no keys", p)
				}
				continue
			}
			if _, ok := Types[r.Type]; !ok {
				t.Errorf("%s: unknown resource type %q", p, r.Type)
			}
			for _, k := range r.Keys {
				if !strings.Contains(k, ":") {
					t.Errorf("%s: key %q is not prefix:name", p, k)
				}
			}
		}
		for _, d := range a.Dependent {
			if !rePerm.MatchString(d) {
				t.Errorf("%s: dependent %q is not service:Action", p, d)
			}
		}
		if (a.MultiRegion != "") != slices.Contains(a.Dependent, AllowMultiRegion) {
			t.Errorf("%s: MultiRegion says when %s is checked iff it is a dependent permission", p, AllowMultiRegion)
		}
		if !slices.Contains(pages, a.Data) {
			t.Errorf("%s: Data %q must name the page of the reference's data the row was checked against", p, a.Data)
		}
		for _, k := range a.Keys {
			if !strings.Contains(k, ":") {
				t.Errorf("%s: key %q is not prefix:name", p, k)
			}
		}
		if a.Access == "" {
			t.Errorf("%s: access level missing", p)
		}
	}
	for name, rt := range Types {
		// Route 53's are global (no region, no account); IAM's have no
		// region.
		vars := 4 - boolInt(rt.Service == "iam") - 2*boolInt(rt.Service == "route53")
		if !strings.HasPrefix(rt.ARN, "arn:${Partition}:"+rt.Service+":") || strings.Count(rt.ARN, "${") != vars {
			t.Errorf("type %s: ARN template %q", name, rt.ARN)
		}
		if len(rt.Keys) == 0 && rt.Service != "route53" { // the reference lists none for Route 53's
			t.Errorf("type %s: no condition keys", name)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestLookupFormatAndKeys(t *testing.T) {
	a, ok := Lookup("EC2", "createvpcendpoint")
	if !ok || a.Name != "CreateVpcEndpoint" {
		t.Fatalf("Lookup is case-insensitive: %v %v", a.Name, ok)
	}
	if _, ok := Lookup("ec2", "RunInstances"); ok {
		t.Fatal("RunInstances has no row")
	}
	row, ok := a.Row("vpc-endpoint")
	if !ok || !row.Required {
		t.Fatal("vpc-endpoint row must be required")
	}
	keys := a.KeysFor("vpc-endpoint")
	for _, k := range []string{"aws:RequestTag/plink:project", "aws:TagKeys", "ec2:VpceServiceName", "ec2:VpceServiceOwner", "ec2:Region"} {
		if !KeyAllowed(keys, k) {
			t.Errorf("%s not allowed for CreateVpcEndpoint's vpc-endpoint row", k)
		}
	}
	if KeyAllowed(keys, "aws:ResourceTag/x") {
		t.Error("a new endpoint has no aws:ResourceTag in CreateVpcEndpoint")
	}
	if _, ok := a.Row("vpc-endpoint-service"); ok {
		t.Error("the reference lists no endpoint service for CreateVpcEndpoint")
	}
	if sub := a.KeysFor("subnet"); KeyAllowed(sub, "ec2:VpceServiceName") || KeyAllowed(sub, "aws:RequestTag/x") || !KeyAllowed(sub, "ec2:SubnetID") || KeyAllowed(sub, "ec2:Vpc") {
		t.Error("the subnet row of CreateVpcEndpoint carries ec2:SubnetID and the tags, not ec2:Vpc")
	}
	mod, _ := Lookup("ec2", "ModifyVpcEndpoint")
	if !KeyAllowed(mod.KeysFor("subnet"), "ec2:Vpc") || !KeyAllowed(mod.KeysFor("security-group"), "ec2:Vpc") || KeyAllowed(mod.KeysFor("route-table"), "ec2:Vpc") {
		t.Error("ModifyVpcEndpoint: ec2:Vpc on subnets and security groups, not on route tables")
	}
	if d, _ := Lookup("ec2", "DescribeVpcs"); !slices.Equal(d.KeysFor(""), []string{"ec2:Region"}) {
		t.Errorf("DescribeVpcs keys %v", d.KeysFor(""))
	}
	if KeyAllowed(keys, "aws:RequestTag/") {
		t.Error("a tag key pattern needs a tag key")
	}
	if got := Types["subnet"].Format("aws", "us-east-1", "222222222222", "subnet-1"); got != "arn:aws:ec2:us-east-1:222222222222:subnet/subnet-1" {
		t.Errorf("Format = %s", got)
	}
	if got := Types["role"].Format("aws", "", "222222222222", "plink"); got != "arn:aws:iam::222222222222:role/plink" {
		t.Errorf("Format = %s", got)
	}
}

var update = flag.Bool("update", false, "rewrite the table in docs/authorization.md")

const (
	beginMark = "<!-- BEGIN awsauthz.Markdown -->\n"
	endMark   = "<!-- END awsauthz.Markdown -->"
)

// TestDocTable keeps docs/authorization.md's table equal to the data
// (go test ./awsauthz -run TestDocTable -update rewrites it).
func TestDocTable(t *testing.T) {
	const path = "../docs/authorization.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, beginMark), strings.Index(doc, endMark)
	if i < 0 || j < i {
		t.Fatalf("%s: markers %q and %q missing", path, beginMark, endMark)
	}
	want := doc[:i+len(beginMark)] + Markdown() + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s is out of date with the table; run go test ./awsauthz -run TestDocTable -update", path)
}
