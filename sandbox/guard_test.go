package sandbox_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/plinkdev/plink/sandbox"
)

// TestQuotas fills each PrivateLink quota of a world that lowers them and
// checks AWS's error, that deleting frees room, and the policy size limit
// at its default.
func TestQuotas(t *testing.T) {
	w := sandbox.DefaultWorld()
	w.Quotas = sandbox.Quotas{InterfaceEndpointsPerVPC: 2, GatewayEndpointsPerRegion: 1}
	srv := startWorld(t, w)
	prov := srv.Clients(t, "payments").EC2
	cons := srv.Clients(t, "checkout").EC2
	svc := createService(t, prov, func(in *ec2.CreateVpcEndpointServiceConfigurationInput) { in.AcceptanceRequired = aws.Bool(false) })
	allow(t, prov, *svc.ServiceId, "*")
	sub := checkoutSubnetsEast()[:1]
	var ids []string
	for range 2 {
		ep, err := createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, sub)
		must(t, err)
		ids = append(ids, *ep.VpcEndpointId)
	}
	// A rejected endpoint still counts.
	_, err := prov.RejectVpcEndpointConnections(ctx, &ec2.RejectVpcEndpointConnectionsInput{ServiceId: svc.ServiceId, VpcEndpointIds: ids[:1]})
	must(t, err)
	_, err = createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, sub)
	wantCode(t, err, "VpcEndpointLimitExceeded")
	if !strings.Contains(err.Error(), "VPC "+checkoutVPCEast+" already has 2 interface and Gateway Load Balancer endpoints (quota 2 per VPC)") {
		t.Fatalf("quota error: %v", err)
	}
	// Another VPC has its own room; a deleting endpoint frees room.
	_, err = srv.Clients(t, "checkout", "us-west-2").EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeGateway, VpcId: aws.String(checkoutVPCWest), ServiceName: aws.String("com.amazonaws.us-west-2.s3")})
	must(t, err)
	_, err = cons.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: ids[:1]})
	must(t, err)
	_, err = createEndpoint(cons, checkoutVPCEast, *svc.ServiceName, sub)
	must(t, err)

	gw := func() error {
		_, err := cons.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcEndpointType: types.VpcEndpointTypeGateway,
			VpcId: aws.String(checkoutVPCEast), ServiceName: aws.String("com.amazonaws.us-east-1.dynamodb")})
		return err
	}
	must(t, gw())
	err = gw()
	wantCode(t, err, "VpcEndpointLimitExceeded")
	if !strings.Contains(err.Error(), "account "+checkout+" already has 1 gateway endpoints in us-east-1 (quota 1 per Region)") {
		t.Fatalf("gateway quota error: %v", err)
	}

	// 20,480 characters of policy, white space included, and not one more.
	policy := func(n int) string {
		head, tail := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]`, "}"
		return head + strings.Repeat(" ", n-len(head)-len(tail)) + tail
	}
	_, err = cons.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(ids[1]), PolicyDocument: aws.String(policy(20480))})
	must(t, err)
	_, err = cons.ModifyVpcEndpoint(ctx, &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(ids[1]), PolicyDocument: aws.String(policy(20481))})
	wantCode(t, err, "InvalidParameter")
	if !strings.Contains(err.Error(), "20481 characters; a VPC endpoint policy may have at most 20480") {
		t.Fatalf("policy size error: %v", err)
	}

	bad := sandbox.DefaultWorld()
	bad.Quotas.InterfaceEndpointsPerVPC = -1
	if _, err := sandbox.New(bad, sandbox.Options{}); err == nil || !strings.Contains(err.Error(), "quotas.interfaceEndpointsPerVpc: -1 is negative") {
		t.Fatalf("negative quota: %v", err)
	}
	if q := (sandbox.Quotas{}).Effective(); q != sandbox.DefaultQuotas || q.InterfaceEndpointsPerVPC != 50 || q.GatewayEndpointsPerRegion != 20 || q.EndpointPolicyCharacters != 20480 {
		t.Fatalf("default quotas %+v", q)
	}
}

// A handler that panics answers 500 InternalError to its own request; the
// lock is released and the sandbox keeps serving.
func TestHandlerPanic(t *testing.T) {
	srv := start(t)
	// One attempt: the SDK would retry a 500 with backoff.
	cons := ec2.NewFromConfig(srv.Config(t, "checkout"), func(o *ec2.Options) { o.RetryMaxAttempts = 1 })
	srv.Sandbox.SetPanicHook(func(action string) {
		if action == "DescribeVpcEndpoints" {
			var m map[string]*struct{ x int }
			_ = m["corrupt"].x // nil dereference, as on a corrupted state
		}
	})
	done := make(chan error, 1)
	go func() {
		_, err := cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
		done <- err
	}()
	select {
	case err := <-done:
		wantCode(t, err, "InternalError")
		if !strings.Contains(err.Error(), "DescribeVpcEndpoints failed inside the sandbox") || !strings.Contains(err.Error(), "StatusCode: 500") {
			t.Fatalf("panic reply: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a panicking handler did not answer")
	}
	// Other calls, and the same call once the fault is gone, are served.
	_, err := cons.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	must(t, err)
	srv.Sandbox.SetPanicHook(nil)
	_, err = cons.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	must(t, err)
}

// New refuses a state file that does not validate, naming the file, what is
// wrong and how to start over.
func TestStateFileValidation(t *testing.T) {
	dir := t.TempDir()
	// A valid file to start from.
	good := filepath.Join(dir, "good.json")
	srv := start(t, sandbox.Options{StatePath: good})
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	b, err := os.ReadFile(good)
	must(t, err)
	if _, err := sandbox.New(nil, sandbox.Options{StatePath: good}); err != nil {
		t.Fatalf("valid state refused: %v", err)
	}
	for _, tc := range []struct {
		name, content string
		want          []string
	}{
		{"corrupt", "{\n  \"version\": 1,\n  \"services\": {,\n}", []string{"not valid JSON: line 3, column 16"}},
		{"version", `{"version": 7}`, []string{"version 7, want 1"}},
		{"account", strings.Replace(string(b), `"account": "111111111111"`, `"account": "444444444444"`, 1),
			[]string{"service " + *svc.ServiceId + `: account "444444444444" is not in the world (accounts: payments, checkout, analytics, tooling)`}},
		{"phase", strings.Replace(string(b), `"type": "Interface"`, `"type": "Interface", "phase": "Exploded"`, 1),
			[]string{"service " + *svc.ServiceId + `: phase "Exploded" (valid:`}},
		{"nil", `{"version": 1, "endpoints": {"vpce-0123": null}}`, []string{"endpoint vpce-0123: empty entry"}},
		{"lb", `{"version": 1, "lbStates": {"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/x/0000000000000000": "failed"}}`,
			[]string{"load balancer state: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/x/0000000000000000 is not in the world"}},
		{"dns zone", `{"version": 1, "dnsRecords": {"Z0NOWHERE": {}}}`, []string{"dns records: hosted zone Z0NOWHERE is not in the world"}},
		{"dns record", `{"version": 1, "dnsRecords": {"Z0PAYMENTSNET01": {"a.payments.example.net|TXT": {"name": "a.payments.example.net", "type": "TXT", "values": ["\"v\""], "change": "CNONE"}}}, "dnsChanges": {"C1": null}}`,
			[]string{"dns records: a.payments.example.net|TXT in hosted zone Z0PAYMENTSNET01: name, type, values or change is not valid", "dns change C1: id is not valid"}},
	} {
		p := filepath.Join(dir, tc.name+".json")
		must(t, os.WriteFile(p, []byte(tc.content), 0o600))
		_, err := sandbox.New(nil, sandbox.Options{StatePath: p})
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range append(tc.want, "sandbox: state file "+p+" does not validate", "plink sandbox reset") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error lacks %q:\n%v", tc.name, w, err)
			}
		}
	}
}

// skewSigner signs with a clock that is off by skew.
type skewSigner struct {
	s    *v4.Signer
	skew time.Duration
}

func (k skewSigner) SignHTTP(ctx context.Context, cr aws.Credentials, r *http.Request, payloadHash, service, region string, at time.Time, opts ...func(*v4.SignerOptions)) error {
	return k.s.SignHTTP(ctx, cr, r, payloadHash, service, region, at.Add(k.skew), opts...)
}

// Requests signed more than 15 minutes away from the sandbox's wall clock
// fail as AWS fails them: EC2 RequestExpired, STS and ELBv2
// SignatureDoesNotMatch "Signature expired" / "not yet current".
func TestSignatureSkew(t *testing.T) {
	srv := start(t, sandbox.Options{Clock: newClock().Now}) // a fake sandbox clock does not matter
	cfg := srv.Config(t, "payments")
	for _, tc := range []struct {
		skew       time.Duration
		ec2, other string
	}{
		{-14 * time.Minute, "", ""},
		{14 * time.Minute, "", ""},
		{-16 * time.Minute, "RequestExpired", "Signature expired"},
		{16 * time.Minute, "RequestExpired", "Signature not yet current"},
		{-3 * 365 * 24 * time.Hour, "RequestExpired", "Signature expired"},
	} {
		signer := skewSigner{v4.NewSigner(), tc.skew}
		e := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.HTTPSignerV4 = signer })
		_, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		if got := code(t, err); got != tc.ec2 {
			t.Errorf("EC2 skew %s: %q, want %q (%v)", tc.skew, got, tc.ec2, err)
		}
		s := sts.NewFromConfig(cfg, func(o *sts.Options) { o.HTTPSignerV4 = signer })
		_, err = s.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		l := elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.HTTPSignerV4 = signer })
		_, lerr := l.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
		for svc, err := range map[string]error{"STS": err, "ELBv2": lerr} {
			if tc.other == "" {
				must(t, err)
				continue
			}
			if code(t, err) != "SignatureDoesNotMatch" || !strings.Contains(err.Error(), tc.other) || !strings.Contains(err.Error(), "15 min.") {
				t.Errorf("%s skew %s: %v, want SignatureDoesNotMatch %q", svc, tc.skew, err, tc.other)
			}
		}
	}
}
