package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// A saved plan made before the verification record was deleted by hand is
// stale because live state changed, and apply says so (naming the
// record), not that the file was edited or made by another plink.
func TestSavedPlanStaleAfterRecordDeleted(t *testing.T) {
	srv := servedSandbox(t)
	if code, out, stderr := runPlink(t, "", false, "apply", "--auto-approve", "--no-color", "-f", verifiedDNS); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, stderr)
	}
	planFile := t.TempDir() + "/plan.json"
	if code, _, stderr := runPlink(t, "", false, "plan", "-out", planFile, "-f", verifiedDNS); code != ExitOK {
		t.Fatalf("plan -out: exit %d\n%s", code, stderr)
	}
	ctx := context.Background()
	r53 := route53.NewFromConfig(srv.Config(t, "payments"), func(o *route53.Options) { o.Region = "us-east-1" })
	zones, err := r53.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: aws.String("payments.example.net")})
	if err != nil || len(zones.HostedZones) == 0 {
		t.Fatalf("zones: %v %+v", err, zones)
	}
	zone := zones.HostedZones[0].Id
	recs, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: zone})
	if err != nil {
		t.Fatal(err)
	}
	deleted := ""
	for _, rs := range recs.ResourceRecordSets {
		if rs.Type == r53types.RRTypeTxt && strings.HasSuffix(aws.ToString(rs.Name), ".ledger.payments.example.net.") {
			if _, err := r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone,
				ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rs}}}}); err != nil {
				t.Fatal(err)
			}
			deleted = strings.TrimSuffix(aws.ToString(rs.Name), ".")
		}
	}
	if deleted == "" {
		t.Fatalf("no verification record in %+v", recs.ResourceRecordSets)
	}
	code, _, stderr := runPlink(t, "", false, "apply", planFile)
	if code != ExitError || !strings.Contains(stderr, "is stale: the world has changed since it was planned") ||
		!strings.Contains(stderr, "changed dns-record:") || !strings.Contains(stderr, "/"+deleted) || strings.Contains(stderr, "edited or made by another plink") {
		t.Errorf("apply of the stale plan: exit %d\n%s", code, stderr)
	}
}
