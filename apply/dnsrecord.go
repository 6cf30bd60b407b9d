package apply

// The verification record of a provider's private DNS name
// (plan.KindDNSRecord, provider.NAME.dns_record; see plan/privatedns.go):
// apply reads the record's name and value from the service (AWS gives them
// only once the service has its name), writes the record in Route 53,
// waits until the change is INSYNC (public DNS answers with it), starts the
// verification and waits for verified. Ownership of the record is the
// service's tag plink:dns-zone (live.TagDNSZone): written before the
// record is created, and removed again when the create finds a record
// someone else wrote, so it never claims a record plink did not write.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// Route53API is the part of *route53.Client apply calls.
type Route53API interface {
	ChangeResourceRecordSets(context.Context, *route53.ChangeResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error)
	GetChange(context.Context, *route53.GetChangeInput, ...func(*route53.Options)) (*route53.GetChangeOutput, error)
	ListResourceRecordSets(context.Context, *route53.ListResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error)
}

var _ Route53API = (*route53.Client)(nil)

// DNSClients is Clients that also gives the Route 53 client of an account
// (FromClientSource's is one). A plan with a dns_record change needs one.
type DNSClients interface {
	Route53(ctx context.Context, account, region string) (Route53API, error)
}

// dnsVerifier is the EC2 call that starts a verification; *ec2.Client has it.
type dnsVerifier interface {
	StartVpcEndpointServicePrivateDnsVerification(context.Context, *ec2.StartVpcEndpointServicePrivateDnsVerificationInput, ...func(*ec2.Options)) (*ec2.StartVpcEndpointServicePrivateDnsVerificationOutput, error)
}

const (
	classDNS = "dns"
	// recordTTL is the TTL of the record plink writes: short, so a
	// corrected value reaches AWS's check soon.
	recordTTL = 300
	// pollDNSChange is what heartbeats call a Route 53 change waited for.
	pollDNSChange pollKind = "Route 53 change"
)

func (r *runner) route53(ctx context.Context, c *plan.Change) (Route53API, *Error) {
	dc, ok := r.clients.(DNSClients)
	if !ok {
		return nil, &Error{Call: "apply", Code: "Unsupported", Message: fmt.Sprintf("%s needs Route 53, and these clients give none", c.Address),
			Hint: "run apply through plink, whose clients include Route 53"}
	}
	cl, err := dc.Route53(ctx, c.Account, c.Region)
	if err != nil {
		return nil, toErrorAt("Route53", changeScope(c), err)
	}
	return cl, nil
}

// dnsRecordUp writes (create, update) the verification record and verifies
// the name.
func (r *runner) dnsRecordUp(ctx context.Context, s *step, _ string) *Error {
	c, a, e := created(s)
	if e != nil {
		return e
	}
	id := r.parentID(c)
	if id == "" {
		return missing(c, "endpoint service id")
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	sc, e := r.describeService(ctx, c, cl, id)
	if e != nil {
		return e
	}
	cfg := sc.PrivateDnsNameConfiguration
	if cfg == nil || cfg.Name == nil || cfg.Value == nil {
		return &Error{Call: "DescribeVpcEndpointServiceConfigurations", Code: "NoPrivateDNSName",
			Message: fmt.Sprintf("endpoint service %s has no private DNS name to verify", id),
			Hint:    "plan again: the service changed since the plan was made"}
	}
	name := live.VerificationRecordName(aws.ToString(cfg.Name), aws.ToString(sc.PrivateDnsName))
	value := live.TXTValue(aws.ToString(cfg.Value))
	if a.RecordName != "" && (a.RecordName != name || !slices.Equal(a.RecordValues, []string{value})) {
		return &Error{Call: "DescribeVpcEndpointServiceConfigurations", Code: "StalePlan",
			Message: fmt.Sprintf("endpoint service %s now asks for TXT %s = %s, not the %s = %v the plan writes", id, name, value, a.RecordName, a.RecordValues),
			Hint:    "plan again: the service's private DNS name changed since the plan was made"}
	}
	var did []string
	done := func(e *Error) *Error {
		s.note = strings.Join(did, "; ")
		return e
	}
	if a.ZoneID != "" {
		r53, e := r.route53(ctx, c)
		if e != nil {
			return e
		}
		if e := r.writeRecord(ctx, c, cl, r53, id, sc, name, value, &did); e != nil {
			return done(e)
		}
	}
	if cfg.State == types.DnsNameStateVerified {
		did = append(did, aws.ToString(sc.PrivateDnsName)+" is verified")
		return done(nil)
	}
	v, ok := cl.(dnsVerifier)
	if !ok {
		return done(&Error{Call: "StartVpcEndpointServicePrivateDnsVerification", Code: "Unsupported", Message: "this EC2 client cannot start a verification"})
	}
	if e := r.call(ctx, c, classService, "StartVpcEndpointServicePrivateDnsVerification", func(ctx context.Context) error {
		_, err := v.StartVpcEndpointServicePrivateDnsVerification(ctx, &ec2.StartVpcEndpointServicePrivateDnsVerificationInput{ServiceId: aws.String(id)})
		return err
	}); e != nil {
		return done(e)
	}
	did = append(did, "started the verification of "+aws.ToString(sc.PrivateDnsName))
	if r.opts.NoWait {
		return done(nil)
	}
	if e := r.waitVerified(ctx, c, cl, id, name, value); e != nil {
		return done(e)
	}
	did = append(did, aws.ToString(sc.PrivateDnsName)+" is verified")
	return done(nil)
}

// writeRecord makes the zone the plan names hold the record: the service's
// tag first, then one change batch (UPSERT of the record plink wrote at the
// same name, else CREATE, with the DELETE of an old record of the plan's
// Before in the same zone); an old record in another zone is deleted after.
// It waits until the change is INSYNC: AWS verifies by public DNS.
func (r *runner) writeRecord(ctx context.Context, c *plan.Change, cl EC2API, r53 Route53API, id string, sc *types.ServiceConfiguration,
	name, value string, did *[]string) *Error {
	zone := c.After.ZoneID
	old := c.Before
	if old != nil && old.RecordName == "" {
		old = nil
	}
	tagged := false
	for _, t := range sc.Tags {
		tagged = tagged || aws.ToString(t.Key) == live.TagDNSZone && aws.ToString(t.Value) == zone
	}
	if !tagged {
		if e := r.createTags(ctx, c, cl, classService, id, map[string]string{live.TagDNSZone: zone}); e != nil {
			return e
		}
	}
	want := r53types.ResourceRecordSet{Name: aws.String(name), Type: r53types.RRTypeTxt, TTL: aws.Int64(recordTTL),
		ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(value)}}}
	var batch []r53types.Change
	var later *plan.Values
	action := r53types.ChangeActionCreate
	if old != nil {
		switch {
		case old.ZoneID == zone && old.RecordName == name:
			action = r53types.ChangeActionUpsert // plink's own record: rewritten
		case old.ZoneID == zone:
			del, e := r.recordToDelete(ctx, c, r53, old)
			if e != nil {
				return e
			}
			if del != nil {
				batch = append(batch, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: del})
			}
		default:
			later = old
		}
	}
	batch = append(batch, r53types.Change{Action: action, ResourceRecordSet: &want})
	info, e := r.changeRecords(ctx, c, r53, zone, batch)
	if e != nil {
		if action == r53types.ChangeActionCreate && e.Code == "InvalidChangeBatch" && strings.Contains(e.Message, "already exists") {
			// Someone else's record: not plink's to claim or change.
			if !tagged {
				if ue := r.call(ctx, c, classService, "DeleteTags", func(ctx context.Context) error {
					_, err := cl.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String(live.TagDNSZone)}}})
					return err
				}); ue != nil {
					return ue
				}
			}
			e.Message = fmt.Sprintf("TXT record %s in hosted zone %s was written by someone else since the plan was made: %s", name, zone, e.Message)
			e.Hint = "plink does not change a record it did not write; plan again to see it"
		}
		return e
	}
	*did = append(*did, fmt.Sprintf("wrote TXT %s in hosted zone %s", name, zone))
	if later != nil {
		del, e := r.recordToDelete(ctx, c, r53, later)
		if e != nil {
			return e
		}
		if del != nil {
			if _, e := r.changeRecords(ctx, c, r53, later.ZoneID, []r53types.Change{{Action: r53types.ChangeActionDelete, ResourceRecordSet: del}}); e != nil {
				return e
			}
			*did = append(*did, fmt.Sprintf("deleted TXT %s in hosted zone %s", later.RecordName, later.ZoneID))
		}
	}
	return r.waitInSync(ctx, c, r53, info)
}

// recordToDelete reads the record the plan's values name and returns it as
// a DELETE must give it (Route 53 deletes only on an exact match), or nil
// when it is gone already. A record whose values differ from the plan's
// changed since the plan was made: plink does not delete on a stale view.
// A plan without values did not read the record (its service's
// plink:dns-zone tag alone says plink wrote it): what is there is deleted.
func (r *runner) recordToDelete(ctx context.Context, c *plan.Change, r53 Route53API, v *plan.Values) (*r53types.ResourceRecordSet, *Error) {
	var out *route53.ListResourceRecordSetsOutput
	if e := r.call(ctx, c, classDescribe, "ListResourceRecordSets", func(ctx context.Context) (err error) {
		out, err = r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(v.ZoneID),
			StartRecordName: aws.String(v.RecordName), StartRecordType: r53types.RRTypeTxt, MaxItems: aws.Int32(1)})
		return err
	}); e != nil {
		return nil, e
	}
	for _, rs := range out.ResourceRecordSets {
		if strings.TrimSuffix(strings.ToLower(aws.ToString(rs.Name)), ".") != v.RecordName || rs.Type != r53types.RRTypeTxt {
			continue
		}
		var vals []string
		for _, rr := range rs.ResourceRecords {
			vals = append(vals, aws.ToString(rr.Value))
		}
		if v.RecordValues != nil && !slices.Equal(vals, v.RecordValues) {
			return nil, &Error{Call: "ListResourceRecordSets", Code: "StalePlan",
				Message: fmt.Sprintf("TXT record %s in hosted zone %s holds %v, not the %v the plan read", v.RecordName, v.ZoneID, vals, v.RecordValues),
				Hint:    "plan again: the record changed since the plan was made"}
		}
		return &rs, nil
	}
	return nil, nil
}

func (r *runner) changeRecords(ctx context.Context, c *plan.Change, r53 Route53API, zone string, batch []r53types.Change) (*r53types.ChangeInfo, *Error) {
	var out *route53.ChangeResourceRecordSetsOutput
	var raw error
	e := r.call(ctx, c, classDNS, "ChangeResourceRecordSets", func(ctx context.Context) (err error) {
		out, err = r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zone),
			ChangeBatch: &r53types.ChangeBatch{Comment: aws.String("plink " + r.opts.Project + " " + c.Address), Changes: batch}})
		raw = err
		return err
	})
	if e != nil {
		var icb *r53types.InvalidChangeBatch
		if errors.As(raw, &icb) && len(icb.Messages) > 0 {
			e.Code = "InvalidChangeBatch"
			e.Message = strings.Join(icb.Messages, "; ")
		}
		return nil, e
	}
	return out.ChangeInfo, nil
}

// waitInSync waits until a Route 53 change is INSYNC: its records answer
// public DNS, where AWS looks for them.
func (r *runner) waitInSync(ctx context.Context, c *plan.Change, r53 Route53API, info *r53types.ChangeInfo) *Error {
	if info == nil || info.Status == r53types.ChangeStatusInsync {
		return nil
	}
	id := strings.TrimPrefix(aws.ToString(info.Id), "/change/")
	defer r.waiting(pollDNSChange)()
	start := time.Now()
	r.emit(c, ProgressWaiting, fmt.Sprintf("waiting for Route 53 change %s to be INSYNC (timeout %s)", id, r.opts.ServiceTimeout), 0)
	t := time.NewTicker(r.opts.PollInterval)
	defer t.Stop()
	deadline := time.NewTimer(r.opts.ServiceTimeout)
	defer deadline.Stop()
	for {
		select {
		case <-ctx.Done():
			return toErrorAt("wait", changeScope(c), ctx.Err())
		case <-r.opts.Stop:
			return errStopped("Route 53 change " + id)
		case <-deadline.C:
			return &Error{Call: "wait", Code: "Timeout", Message: fmt.Sprintf("gave up waiting for Route 53 change %s after %s: still PENDING", id, r.opts.ServiceTimeout),
				Hint: "Route 53 changes take about a minute; run plink apply again to finish"}
		case <-t.C:
		}
		var out *route53.GetChangeOutput
		if e := r.call(ctx, c, classDescribe, "GetChange", func(ctx context.Context) (err error) {
			out, err = r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(id)})
			return err
		}); e != nil {
			return e
		}
		if out.ChangeInfo != nil && out.ChangeInfo.Status == r53types.ChangeStatusInsync {
			r.emit(c, ProgressWaiting, "Route 53 change "+id+" is INSYNC", time.Since(start))
			return nil
		}
	}
}

// waitVerified waits until the service's private DNS name is verified; a
// failed verification fails the step, with the record AWS looked for.
func (r *runner) waitVerified(ctx context.Context, c *plan.Change, cl EC2API, id, name, value string) *Error {
	return r.waitFor(ctx, c, "the private DNS name of "+id+" to be verified", r.opts.ServiceTimeout, changeScope(c), cl, pollServices, id,
		func(s sighting) (bool, string, *Error) {
			if s.sc == nil || s.sc.PrivateDnsNameConfiguration == nil {
				return false, "", nil
			}
			switch st := s.sc.PrivateDnsNameConfiguration.State; st {
			case types.DnsNameStateVerified:
				return true, string(st), nil
			case types.DnsNameStateFailed:
				return false, "", &Error{Call: "wait", Code: "VerificationFailed",
					Message: fmt.Sprintf("AWS could not verify the private DNS name %s of %s: public DNS does not answer TXT %s with %s", aws.ToString(s.sc.PrivateDnsName), id, name, value),
					Hint:    "check that the hosted zone is the one the domain is delegated to (dig NS, dig TXT " + name + "), then run plink apply again"}
			default:
				return false, string(st), nil
			}
		})
}

// describeService reads one service configuration (with its tags).
func (r *runner) describeService(ctx context.Context, c *plan.Change, cl EC2API, id string) (*types.ServiceConfiguration, *Error) {
	var out *ec2.DescribeVpcEndpointServiceConfigurationsOutput
	if e := r.call(ctx, c, classDescribe, "DescribeVpcEndpointServiceConfigurations", func(ctx context.Context) (err error) {
		out, err = cl.DescribeVpcEndpointServiceConfigurations(ctx, &ec2.DescribeVpcEndpointServiceConfigurationsInput{ServiceIds: []string{id}})
		return err
	}); e != nil {
		return nil, e
	}
	if len(out.ServiceConfigurations) == 0 {
		return nil, &Error{Call: "DescribeVpcEndpointServiceConfigurations", Code: "InvalidVpcEndpointServiceId.NotFound",
			Message: "endpoint service " + id + " is not listed", Hint: "plan again"}
	}
	return &out.ServiceConfigurations[0], nil
}

func (r *runner) dnsRecordUpdate(ctx context.Context, s *step) *Error {
	return r.dnsRecordUp(ctx, s, "update")
}

// dnsRecordDelete deletes the record plink wrote (exactly as the plan read
// it; gone already is done) and the service's plink:dns-zone tag.
func (r *runner) dnsRecordDelete(ctx context.Context, s *step) *Error {
	c := s.cs.c
	b := c.Before
	if b == nil || b.ZoneID == "" || b.RecordName == "" {
		return missing(c, "before values (zone and record)")
	}
	r53, e := r.route53(ctx, c)
	if e != nil {
		return e
	}
	del, e := r.recordToDelete(ctx, c, r53, b)
	if e != nil {
		return e
	}
	var did []string
	if del != nil {
		if _, e := r.changeRecords(ctx, c, r53, b.ZoneID, []r53types.Change{{Action: r53types.ChangeActionDelete, ResourceRecordSet: del}}); e != nil {
			return e
		}
		did = append(did, fmt.Sprintf("deleted TXT %s in hosted zone %s", b.RecordName, b.ZoneID))
	}
	if id := r.parentID(c); id != "" {
		cl, e := r.client(ctx, c)
		if e != nil {
			return e
		}
		e = r.call(ctx, c, classService, "DeleteTags", func(ctx context.Context) error {
			_, err := cl.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String(live.TagDNSZone)}}})
			return err
		})
		if e != nil && !strings.Contains(e.Code, "NotFound") {
			s.note = strings.Join(did, "; ")
			return e
		}
	}
	s.note = strings.Join(did, "; ")
	return nil
}
