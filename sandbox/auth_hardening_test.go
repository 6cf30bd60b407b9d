package sandbox_test

// The sandbox checks a request's signature as strictly as AWS: it hashes the
// body itself, refuses UNSIGNED-PAYLOAD, requires host among the signed
// headers and refuses a long-term key sent with a session token; and its
// control paths refuse what a web page in the user's browser could send.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

func sha256Hex(b string) string {
	s := sha256.Sum256([]byte(b))
	return hex.EncodeToString(s[:])
}

// queryRequest is a form POST to the sandbox, not yet signed.
func queryRequest(t *testing.T, srv *sandboxtest.Server, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return req
}

// sdkSign signs req with the SDK's own SigV4 signer over payloadHash.
func sdkSign(t *testing.T, req *http.Request, key, secret, service, payloadHash string) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	must(t, v4.NewSigner().SignHTTP(ctx, creds, req, payloadHash, service, "us-east-1", time.Now().UTC()))
}

// send sends req with body and returns the status and the reply's text.
func send(t *testing.T, req *http.Request, body string) (int, string) {
	t.Helper()
	req.Body = io.NopCloser(strings.NewReader(body))
	req.ContentLength = int64(len(body))
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(b))
}

func placementGroups(t *testing.T, c *ec2.Client) int {
	t.Helper()
	out, err := c.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{})
	must(t, err)
	return len(out.PlacementGroups)
}

// A captured signature that declares its body's hash in
// X-Amz-Content-Sha256 cannot be replayed with another body.
func TestReplayedSignatureWithAnotherBodyRefused(t *testing.T) {
	srv := start(t)
	key, secret, err := srv.Sandbox.Credentials("payments")
	must(t, err)
	prov := srv.Clients(t, "payments").EC2
	before := placementGroups(t, prov)

	describe := "Action=DescribeVpcEndpoints&Version=2016-11-15"
	req := queryRequest(t, srv, describe)
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex(describe))
	sdkSign(t, req, key, secret, "ec2", sha256Hex(describe))
	if st, body := send(t, req.Clone(ctx), describe); st != 200 {
		t.Fatalf("the signed request itself: %d %s", st, body)
	}
	create := "Action=CreatePlacementGroup&Version=2016-11-15&GroupName=replayed&Strategy=spread"
	st, body := send(t, req.Clone(ctx), create)
	if st != 403 || !strings.Contains(body, "SignatureDoesNotMatch") || !strings.Contains(body, "not the SHA-256 of the request body") {
		t.Fatalf("replayed with another body: %d %s", st, body)
	}
	if n := placementGroups(t, prov); n != before {
		t.Fatalf("the replayed CreatePlacementGroup was carried out: %d placement groups, want %d", n, before)
	}
}

// UNSIGNED-PAYLOAD is S3's; EC2, STS, ELBv2 and CloudWatch sign the body.
func TestUnsignedPayloadRefused(t *testing.T) {
	srv := start(t)
	key, secret, err := srv.Sandbox.Credentials("payments")
	must(t, err)
	for _, tc := range []struct{ service, body, status string }{
		{"ec2", "Action=DescribeVpcs&Version=2016-11-15", "403"},
		{"sts", "Action=GetCallerIdentity&Version=2011-06-15", "403"},
		{"elasticloadbalancing", "Action=DescribeLoadBalancers&Version=2015-12-01", "403"},
	} {
		req := queryRequest(t, srv, tc.body)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		sdkSign(t, req, key, secret, tc.service, "UNSIGNED-PAYLOAD")
		st, body := send(t, req, tc.body)
		if st != 403 || !strings.Contains(body, "SignatureDoesNotMatch") || !strings.Contains(body, "UNSIGNED-PAYLOAD is accepted only by S3") {
			t.Errorf("%s with UNSIGNED-PAYLOAD: %d %s", tc.service, st, body)
		}
	}
	// CloudWatch's JSON protocol goes through the same check.
	cw := `{}`
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(cw))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	sdkSign(t, req, key, secret, "monitoring", "UNSIGNED-PAYLOAD")
	if st, body := send(t, req, cw); st != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Errorf("cloudwatch with UNSIGNED-PAYLOAD: %d %s", st, body)
	}
}

// handSign signs req with SigV4 over exactly the given headers: the SDK's
// signer always signs host, so a signature without it is made here.
func handSign(req *http.Request, body, key, secret, service string, signed []string) {
	now := time.Now().UTC()
	amzDate := now.Format("20060102T150405Z")
	date := amzDate[:8]
	req.Header.Set("X-Amz-Date", amzDate)
	var canon strings.Builder
	canon.WriteString("POST\n/\n\n")
	for _, h := range signed {
		v := req.Header.Get(h)
		if h == "host" {
			v = req.URL.Host
		}
		canon.WriteString(h + ":" + v + "\n")
	}
	canon.WriteString("\n" + strings.Join(signed, ";") + "\n" + sha256Hex(body))
	scope := date + "/us-east-1/" + service + "/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canon.String())
	mac := func(k []byte, d string) []byte { m := hmac.New(sha256.New, k); m.Write([]byte(d)); return m.Sum(nil) }
	k := mac([]byte("AWS4"+secret), date)
	k = mac(k, "us-east-1")
	k = mac(k, service)
	k = mac(k, "aws4_request")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/"+scope+", SignedHeaders="+strings.Join(signed, ";")+", Signature="+hex.EncodeToString(mac(k, sts)))
}

func TestHostMustBeSigned(t *testing.T) {
	srv := start(t)
	key, secret, err := srv.Sandbox.Credentials("payments")
	must(t, err)
	body := "Action=DescribeVpcs&Version=2016-11-15"
	// The hand signer is right: with host signed the request is served.
	req := queryRequest(t, srv, body)
	handSign(req, body, key, secret, "ec2", []string{"content-type", "host", "x-amz-date"})
	if st, reply := send(t, req, body); st != 200 {
		t.Fatalf("hand-signed with host: %d %s", st, reply)
	}
	req = queryRequest(t, srv, body)
	handSign(req, body, key, secret, "ec2", []string{"content-type", "x-amz-date"})
	if st, reply := send(t, req, body); st != 400 || !strings.Contains(reply, "IncompleteSignature") || !strings.Contains(reply, "'Host' must be a 'SignedHeader'") {
		t.Fatalf("signed without host: %d %s", st, reply)
	}
}

// A long-term AKIA key has no session token; one sent with it is refused.
func TestLongTermKeyWithSessionTokenRefused(t *testing.T) {
	srv := start(t)
	key, secret, err := srv.Sandbox.Credentials("payments")
	must(t, err)
	if !strings.HasPrefix(key, "AKIA") {
		t.Fatalf("world key %s is not a long-term key", key)
	}
	c := sandboxtest.ClientsFor(srv.StaticConfig(key, secret, "made-up-token", "us-east-1"))
	_, err = c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
	if !strings.Contains(err.Error(), "The security token included in the request is invalid") {
		t.Fatalf("STS message: %v", err)
	}
	_, err = c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	wantCode(t, err, "AuthFailure")
	// Without the token the same key works.
	_, err = srv.Clients(t, "payments").STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
}

// The control paths answer only requests that a page in a browser cannot
// make: a foreign Host (DNS rebinding), another port, or a cross-origin
// Origin are refused with 403 and change nothing.
func TestControlPathsRefuseForeignHostAndOrigin(t *testing.T) {
	srv := start(t)
	prov := srv.Clients(t, "payments").EC2
	svc := createService(t, prov)
	u, err := url.Parse(srv.URL)
	must(t, err)
	_, port, _ := strings.Cut(u.Host, ":")
	for _, path := range []string{sandbox.ForcePath, sandbox.WorldPath} {
		form := url.Values{"kind": {"service"}, "id": {*svc.ServiceId}, "state": {"Failed"}}
		if path == sandbox.WorldPath {
			form = url.Values{"kind": {"service-metric"}, "id": {*svc.ServiceId}, "metric": {"RstPacketsSent"}, "value": {"1"}}
		}
		post := func(host, origin string) (int, string) {
			t.Helper()
			req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
			must(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if host != "" {
				req.Host = host
			}
			if origin != "" {
				req.Header.Set("Origin", origin)
			}
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		for _, tc := range []struct{ host, origin, want string }{
			{"evil.example:" + port, "", "not a loopback name"},
			{"evil.example", "", "not a loopback name"},
			{"127.0.0.1:1", "", "listens on"},
			{"", "http://evil.example", "cross-origin"},
			{"", "null", "cross-origin"},
			{"localhost:" + port, "http://127.0.0.1:" + port, "cross-origin"},
		} {
			if st, body := post(tc.host, tc.origin); st != http.StatusForbidden || !strings.Contains(body, tc.want) {
				t.Errorf("%s Host %q Origin %q: %d %q, want 403 %q", path, tc.host, tc.origin, st, body, tc.want)
			}
		}
		if got, _ := serviceConfig(t, prov, *svc.ServiceId); path == sandbox.ForcePath && got.ServiceState == "Failed" {
			t.Fatalf("%s: a refused request forced the service", path)
		}
		// curl and plink sandbox force (no Origin), a same-origin page, and
		// localhost for 127.0.0.1 are served.
		for _, tc := range []struct{ host, origin string }{
			{"", ""},
			{"", srv.URL},
			{"localhost:" + port, ""},
		} {
			if st, body := post(tc.host, tc.origin); st != 200 || body != "ok\n" {
				t.Errorf("%s Host %q Origin %q: %d %q, want 200 ok", path, tc.host, tc.origin, st, body)
			}
		}
	}
}
