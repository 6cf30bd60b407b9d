package sandbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/plinkdev/plink/sandbox"
)

// Request bodies as the SDK serializes them, for the fuzzers' corpus.
var wireSeeds = []string{
	"Action=DescribeVpcEndpoints&Version=2016-11-15",
	"Action=DescribeVpcEndpoints&Version=2016-11-15&Filter.1.Name=tag%3Aplink%3Aproject&Filter.1.Value.1=p&MaxResults=5&NextToken=x",
	"Action=CreateVpcEndpoint&Version=2016-11-15&VpcId=" + checkoutVPCEast + "&ServiceName=com.amazonaws.us-east-1.sts&SubnetId.1=subnet-0210000000000000a&SecurityGroupId.1=" + checkoutSGEast + "&VpcEndpointType=Interface&ClientToken=t1&TagSpecification.1.ResourceType=vpc-endpoint&TagSpecification.1.Tag.1.Key=plink%3Aname&TagSpecification.1.Tag.1.Value=a",
	"Action=CreateVpcEndpointServiceConfiguration&Version=2016-11-15&NetworkLoadBalancerArn.1=" + paymentsNLBEast + "&AcceptanceRequired=true&SupportedRegion.1=us-west-2",
	"Action=ModifyVpcEndpointServicePermissions&Version=2016-11-15&ServiceId=vpce-svc-0123456789abcdef0&AddAllowedPrincipals.1=arn%3Aaws%3Aiam%3A%3A222222222222%3Aroot",
	"Action=AcceptVpcEndpointConnections&Version=2016-11-15&ServiceId=vpce-svc-0123456789abcdef0&VpcEndpointId.1=vpce-0123456789abcdef0",
	"Action=CreateTags&Version=2016-11-15&ResourceId.1=vpce-0123456789abcdef0&Tag.1.Key=a&Tag.1.Value=b",
	"Action=CreatePlacementGroup&Version=2016-11-15&GroupName=plink-lease-p&Strategy=spread&PartitionCount=9",
	"Action=DescribeLoadBalancers&Version=2015-12-01&LoadBalancerArns.member.1=" + paymentsNLBEast,
	"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fplink&RoleSessionName=s&DurationSeconds=-1",
	"Action=GetCallerIdentity&Version=2011-06-15",
	"Action=Nope&Version=1999-01-01",
	"Action=DescribeVpcEndpoints&Version=2016-11-15&DryRun=maybe&MaxResults=x",
	"Action=%zz&Version",
	"",
}

// xmlReply decodes a reply body and returns the error code it carries
// ("" for a success), failing when the body is not well-formed XML.
func xmlReply(t *testing.T, status int, body []byte) string {
	t.Helper()
	var doc struct {
		XMLName xml.Name
		Code    string `xml:"Errors>Error>Code"` // EC2
		QCode   string `xml:"Error>Code"`        // awsquery (ELBv2, STS)
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("status %d: the reply is not XML (%v):\n%s", status, err, body)
	}
	code := doc.Code + doc.QCode
	if status >= 400 && code == "" {
		t.Fatalf("status %d: an error reply without an error code:\n%s", status, body)
	}
	if status == 200 && code != "" {
		t.Fatalf("status 200 with error code %s:\n%s", code, body)
	}
	if strings.Contains(string(body), "failed inside the sandbox") {
		t.Fatalf("a handler panicked on this request:\n%s", body)
	}
	return code
}

// FuzzHandlerUnsigned sends the sandbox's handler arbitrary unsigned or
// badly signed requests (method, content type, body, query, Authorization
// and date headers): it must never panic, and always answer with an XML
// error reply that carries an AWS error code.
func FuzzHandlerUnsigned(f *testing.F) {
	for _, s := range wireSeeds {
		f.Add("POST", "application/x-www-form-urlencoded; charset=utf-8", s, "", "", "")
	}
	f.Add("GET", "", "", "Action=DescribeVpcEndpoints&Version=2016-11-15", "", "")
	f.Add("POST", "text/plain", "Action=GetCallerIdentity", "", "AWS4-HMAC-SHA256 Credential=AKIASANDBOXPAYMENTS1/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20260101T000000Z")
	f.Add("POST", "application/x-www-form-urlencoded", "Action=DescribeVpcEndpoints", "", "AWS4-HMAC-SHA256 Credential=AKIANOSUCHKEY0000000/20260101/mars-1/ec2/aws4_request, SignedHeaders=host, Signature=zz", "garbage")
	f.Add("PUT", "application/json", `{"Action":"x"}`, "Version=2015-12-01", "Bearer x", "")
	sb, err := sandbox.New(sandbox.DefaultWorld(), sandbox.Options{})
	if err != nil {
		f.Fatal(err)
	}
	h := sb.Handler()
	f.Fuzz(func(t *testing.T, method, contentType, body, query, auth, date string) {
		if !validMethod(method) {
			return // net/http refuses such requests before any handler
		}
		r := httptest.NewRequest("POST", "http://sandbox.test/", strings.NewReader(body))
		r.Method = method
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code < 400 {
			t.Fatalf("status %d for an unsigned or badly signed request:\n%s", w.Code, w.Body)
		}
		xmlReply(t, w.Code, w.Body.Bytes())
	})
}

// FuzzHandlerSigned sends arbitrary bodies, correctly signed with SigV4 as
// an account of the world, for each service and region: the sandbox must
// never panic (a recovered handler panic counts as one), and always
// answer well-formed XML, an error reply with a code unless it is 200.
func FuzzHandlerSigned(f *testing.F) {
	for i, s := range wireSeeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, body string, pick uint8) {
		// A fresh sandbox per input: mutating calls change state.
		sb, err := sandbox.New(sandbox.DefaultWorld(), sandbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		services := []string{"ec2", "elasticloadbalancing", "sts"}
		regions := []string{"us-east-1", "us-west-2", "eu-west-1"}
		aliases := []string{"payments", "checkout", "analytics", "tooling"}
		service, region, alias := services[int(pick)%3], regions[int(pick/3)%3], aliases[int(pick/9)%4]
		key, secret, err := sb.Credentials(alias)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "http://sandbox.test/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sum := sha256.Sum256([]byte(body))
		err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
			r, hex.EncodeToString(sum[:]), service, region, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r.Body = httpBody(body)
		w := httptest.NewRecorder()
		sb.Handler().ServeHTTP(w, r)
		xmlReply(t, w.Code, w.Body.Bytes())
	})
}

func httpBody(s string) *readCloser { return &readCloser{bytes.NewReader([]byte(s))} }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// validMethod reports whether m is an HTTP token, as net/http requires of
// a request method.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// TestWireFuzzSeedsAnswer: the seeds reach the handlers (signed, most are
// answered by the action's handler, not refused at the door).
func TestWireFuzzSeedsAnswer(t *testing.T) {
	sb, err := sandbox.New(sandbox.DefaultWorld(), sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, secret, _ := sb.Credentials("checkout")
	ok := 0
	for _, body := range []string{wireSeeds[0], "Action=DescribeVpcEndpoints&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=" + checkoutVPCEast} {
		r := httptest.NewRequest("POST", "http://sandbox.test/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
			r, hex.EncodeToString(sum[:]), "ec2", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		r.Body = httpBody(body)
		w := httptest.NewRecorder()
		sb.Handler().ServeHTTP(w, r)
		if xmlReply(t, w.Code, w.Body.Bytes()) == "" && w.Code == http.StatusOK {
			ok++
		}
	}
	if ok != 2 {
		t.Errorf("%d of 2 signed Describe seeds succeeded; the signed fuzzer would only test the door", ok)
	}
}
