package apply_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// fixedManifest writes a manifest of checkout's consumers (given as YAML
// list entries) and returns its path.
func fixedManifest(t *testing.T, consumers string) string {
	t.Helper()
	doc := `version: 1
project: fixed
defaults: {region: us-east-1}
accounts:
  checkout: {id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/plink"}
`
	if consumers != "" {
		doc += "consumers:\n" + consumers
	}
	path := filepath.Join(t.TempDir(), "fixed.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const sqsConsumer = `  - name: checkout-sqs
    account: checkout
    vpcId: vpc-02100000000000001
    securityGroupIds: [sg-02100000000000001]
    serviceName: com.amazonaws.us-east-1.sqs
`

// interfaces are checkout's endpoint network interfaces in us-east-1 by
// subnet: id and address, as DescribeNetworkInterfaces reports them.
func (e *env) interfaces() map[string][2]string {
	e.t.Helper()
	out, err := e.srv.Clients(e.t, "checkout").EC2.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{"vpc-02100000000000001"}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	got := map[string][2]string{}
	for _, n := range out.NetworkInterfaces {
		got[aws.ToString(n.SubnetId)] = [2]string{aws.ToString(n.NetworkInterfaceId), aws.ToString(n.PrivateIpAddress)}
	}
	return got
}

// callsOf counts the sandbox's calls of action since the last reset.
func (e *env) callsOf(action string) int {
	n := 0
	for _, c := range e.srv.Sandbox.Calls() {
		if c.Action == action {
			n += c.Count
		}
	}
	return n
}

func TestE2EFixedEndpointAddresses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	// Create: subnet a's interface takes 10.21.0.100, subnet b's is AWS's.
	create := fixedManifest(t, sqsConsumer+`    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]
    ipAddresses:
      subnet-0210000000000000a: { ipv4: 10.21.0.100 }
`)
	p, _ := e.plan(create)
	if ch := p.Changes[0]; ch.Action != plan.Create || !slices.Equal(ch.After.IPAddresses, []string{"subnet-0210000000000000a=10.21.0.100"}) || p.HasErrors() {
		t.Fatalf("create change %+v, diagnostics %+v", ch, p.Diagnostics)
	}
	e.apply(create)
	enis := e.interfaces()
	if enis["subnet-0210000000000000a"][1] != "10.21.0.100" || enis["subnet-0210000000000000b"][1] == "" {
		t.Fatalf("interfaces %v", enis)
	}
	// The second apply changes nothing; the addresses are read with one
	// DescribeNetworkInterfaces call (checkout, us-east-1) per plan.
	e.srv.Sandbox.ResetCalls()
	e.converged(create)
	e.srv.Sandbox.ResetCalls()
	e.plan(create)
	if n := e.callsOf("DescribeNetworkInterfaces"); n != 1 {
		t.Errorf("DescribeNetworkInterfaces calls per plan = %d, want 1", n)
	}
	// Without fixed addresses in the manifest the call is not made.
	e.srv.Sandbox.ResetCalls()
	e.plan(fixedManifest(t, sqsConsumer+"    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b]\n"))
	if n := e.callsOf("DescribeNetworkInterfaces"); n != 0 {
		t.Errorf("DescribeNetworkInterfaces calls without ipAddresses = %d, want 0", n)
	}

	// Update: subnet a moves to .101 (its interface is replaced), subnet c
	// is added at a fixed address; the endpoint stays.
	update := fixedManifest(t, sqsConsumer+`    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b, subnet-0210000000000000c]
    ipAddresses:
      subnet-0210000000000000a: { ipv4: 10.21.0.101 }
      subnet-0210000000000000c: { ipv4: 10.21.2.100 }
`)
	p, _ = e.plan(update)
	ch := p.Changes[0]
	if ch.Action != plan.Update || !slices.Equal(ch.Before.IPAddresses, []string{"subnet-0210000000000000a=10.21.0.100"}) ||
		!slices.Equal(ch.After.IPAddresses, []string{"subnet-0210000000000000a=10.21.0.101", "subnet-0210000000000000c=10.21.2.100"}) {
		t.Fatalf("update change %+v", ch)
	}
	if len(ch.Warnings) != 1 || ch.Warnings[0] != "AWS replaces the network interface of "+ch.ID+" in subnet-0210000000000000a to give it 10.21.0.101: clients in that subnet lose the endpoint for a moment" {
		t.Errorf("warnings %q", ch.Warnings)
	}
	e.apply(update)
	after := e.interfaces()
	if after["subnet-0210000000000000a"][1] != "10.21.0.101" || after["subnet-0210000000000000a"][0] == enis["subnet-0210000000000000a"][0] ||
		after["subnet-0210000000000000b"] != enis["subnet-0210000000000000b"] || after["subnet-0210000000000000c"][1] != "10.21.2.100" {
		t.Fatalf("interfaces after the update %v (before %v)", after, enis)
	}
	e.converged(update)

	// Drift: the address is changed outside plink.
	if _, err := e.srv.Clients(t, "checkout").EC2.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(ch.ID),
		SubnetConfigurations: []ec2types.SubnetConfiguration{{SubnetId: aws.String("subnet-0210000000000000c"), Ipv4: aws.String("10.21.2.150")}}}); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(update)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := live.Read(ctx, m, e.resolver(m), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep := drift.Build(m, snap, plan.Compute(m, snap, e.planOpts))
	var items []string
	for _, it := range rep.Items {
		items = append(items, it.Address+" "+string(it.Kind)+" "+it.Attribute)
	}
	if !slices.Contains(items, "consumer.checkout-sqs "+"changed"+" ipAddresses") {
		t.Errorf("drift items %q", items)
	}
	e.apply(update)
	if got := e.interfaces()["subnet-0210000000000000c"][1]; got != "10.21.2.100" {
		t.Errorf("after restoring, subnet c has %s", got)
	}
	e.converged(update)

	// A replace that would keep an address the old endpoint holds is
	// refused at plan time.
	replace := fixedManifest(t, strings.Replace(sqsConsumer, ".sqs", ".sns", 1)+`    subnetIds: [subnet-0210000000000000a]
    ipAddresses:
      subnet-0210000000000000a: { ipv4: 10.21.0.101 }
`)
	p = e.planOf(replace)
	var held []plan.Diagnostic
	for _, d := range p.Diagnostics {
		if d.Severity == plan.SeverityError {
			held = append(held, d)
		}
	}
	if len(held) != 1 || held[0].Code != plan.CodeAddressHeld || !strings.Contains(held[0].Message, "holds its fixed addresses subnet-0210000000000000a 10.21.0.101") {
		t.Errorf("replace diagnostics %+v", p.Diagnostics)
	}

	// Delete.
	none := fixedManifest(t, "")
	p, _ = e.plan(none)
	if ch := p.Changes[0]; ch.Action != plan.Delete {
		t.Fatalf("delete change %+v", ch)
	}
	e.apply(none)
	e.converged(none)
}

// Addresses AWS would refuse are reported by the plan (PL118), and the
// sandbox refuses them as AWS does, through the SDK.
func TestE2EFixedEndpointAddressErrors(t *testing.T) {
	e := newEnv(t)
	bad := fixedManifest(t, sqsConsumer+`    subnetIds: [subnet-0210000000000000a, subnet-0210000000000000b, subnet-0210000000000000c]
    ipAddresses:
      subnet-0210000000000000a: { ipv4: 10.21.5.10 }
      subnet-0210000000000000b: { ipv4: 10.21.1.3 }
      subnet-0210000000000000c: { ipv4: 10.21.2.255 }
`)
	p := e.planOf(bad)
	var got []string
	for _, d := range p.Diagnostics {
		if d.Code != plan.CodeVPCAZNotCovered {
			got = append(got, d.Code+" "+d.Message+" | "+d.Hint)
		}
	}
	want := []string{
		"PL118 consumer.checkout-sqs: fixed address 10.21.1.3 in subnet-0210000000000000b is reserved by AWS (the future-use address of 10.21.1.0/24) | use an address of 10.21.1.0/24 from its fifth to its second-to-last (AWS reserves the first four and the last)",
		"PL118 consumer.checkout-sqs: fixed address 10.21.2.255 in subnet-0210000000000000c is reserved by AWS (the last address of 10.21.2.0/24) | use an address of 10.21.2.0/24 from its fifth to its second-to-last (AWS reserves the first four and the last)",
		"PL118 consumer.checkout-sqs: fixed address 10.21.5.10 in subnet-0210000000000000a is outside the subnet's IPv4 CIDR block 10.21.0.0/24 | use an address of 10.21.0.0/24 from its fifth to its second-to-last (AWS reserves the first four and the last)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("diagnostics\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// An IPv6 address in a subnet without an IPv6 block.
	v6 := fixedManifest(t, sqsConsumer+`    subnetIds: [subnet-0210000000000000a]
    ipAddressType: dualstack
    ipAddresses:
      subnet-0210000000000000a: { ipv4: 10.21.0.10, ipv6: "2600:1f18::10" }
`)
	p = e.planOf(v6)
	if !slices.Contains(diagCodes(p), plan.CodeAddressOutside) {
		t.Errorf("dualstack diagnostics %+v", p.Diagnostics)
	}

	ec := e.srv.Clients(t, "checkout").EC2
	create := func(cfg ...ec2types.SubnetConfiguration) error {
		var subnets []string
		for _, c := range cfg {
			subnets = append(subnets, aws.ToString(c.SubnetId))
		}
		_, err := ec.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-02100000000000001"),
			ServiceName: aws.String("com.amazonaws.us-east-1.sqs"), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
			SubnetIds: subnets, SubnetConfigurations: cfg})
		return err
	}
	sc := func(sub, v4 string) ec2types.SubnetConfiguration {
		return ec2types.SubnetConfiguration{SubnetId: aws.String(sub), Ipv4: aws.String(v4)}
	}
	if err := create(sc("subnet-0210000000000000a", "10.21.0.50")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg  ec2types.SubnetConfiguration
		code string
	}{
		{sc("subnet-0210000000000000a", "10.21.0.50"), "InvalidIPAddress.InUse"},
		{sc("subnet-0210000000000000a", "10.21.9.50"), "InvalidParameterValue"},
		{sc("subnet-0210000000000000a", "10.21.0.0"), "InvalidParameterValue"},
		{sc("subnet-0210000000000000a", "10.21.0.255"), "InvalidParameterValue"},
		{sc("subnet-0210000000000000a", "not-an-ip"), "InvalidParameterValue"},
		{ec2types.SubnetConfiguration{SubnetId: aws.String("subnet-0210000000000000a")}, "MissingParameter"},
	} {
		if err := create(c.cfg); awsenv.ErrorCode(err) != c.code {
			t.Errorf("CreateVpcEndpoint with %s=%s: %v, want %s", aws.ToString(c.cfg.SubnetId), aws.ToString(c.cfg.Ipv4), err, c.code)
		}
	}
}
