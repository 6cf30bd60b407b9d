package apply

// Provider options: the payer responsibility of a service
// (ModifyVpcEndpointServicePayerResponsibility; AWS takes ServiceOwner
// only, and never sets it back) and the tags of allowed principals'
// service permissions (CreateTags and DeleteTags on vpce-svc-perm-... ids,
// which ModifyVpcEndpointServicePermissions returns and
// DescribeVpcEndpointServicePermissions lists).

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/plan"
)

// payerSetter is the EC2 call that makes the service owner pay; *ec2.Client has it.
type payerSetter interface {
	ModifyVpcEndpointServicePayerResponsibility(context.Context, *ec2.ModifyVpcEndpointServicePayerResponsibilityInput, ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointServicePayerResponsibilityOutput, error)
}

// setPayer makes the service owner pay for service id's endpoints when the
// plan's after values say so and the before values (nil for a new
// service) do not.
func (r *runner) setPayer(ctx context.Context, c *plan.Change, cl EC2API, id string, b, a *plan.Values) (bool, *Error) {
	if a == nil || a.PayerResponsibility != string(types.PayerResponsibilityServiceOwner) ||
		b != nil && b.PayerResponsibility == string(types.PayerResponsibilityServiceOwner) {
		return false, nil
	}
	ps, ok := cl.(payerSetter)
	if !ok {
		return false, &Error{Call: "ModifyVpcEndpointServicePayerResponsibility", Code: "Unsupported", Message: "this EC2 client cannot set a payer responsibility"}
	}
	return true, r.call(ctx, c, classService, "ModifyVpcEndpointServicePayerResponsibility", func(ctx context.Context) error {
		_, err := ps.ModifyVpcEndpointServicePayerResponsibility(ctx, &ec2.ModifyVpcEndpointServicePayerResponsibilityInput{
			ServiceId: aws.String(id), PayerResponsibility: types.PayerResponsibilityServiceOwner})
		return err
	})
}

// permissionIDs lists service svc's permissions: id and tags by principal.
func (r *runner) permissionIDs(ctx context.Context, c *plan.Change, cl EC2API, svc string) (map[string]types.AllowedPrincipal, *Error) {
	out := map[string]types.AllowedPrincipal{}
	var next *string
	for {
		var page *ec2.DescribeVpcEndpointServicePermissionsOutput
		if e := r.call(ctx, c, classDescribe, "DescribeVpcEndpointServicePermissions", func(ctx context.Context) (err error) {
			page, err = cl.(permissionLister).DescribeVpcEndpointServicePermissions(ctx, &ec2.DescribeVpcEndpointServicePermissionsInput{
				ServiceId: aws.String(svc), MaxResults: aws.Int32(pollPageSize), NextToken: next})
			return err
		}); e != nil {
			return nil, e
		}
		for _, p := range page.AllowedPrincipals {
			out[aws.ToString(p.Principal)] = p
		}
		if next = page.NextToken; next == nil || *next == "" {
			return out, nil
		}
	}
}

// permissionLister is the EC2 call that lists a service's permissions.
type permissionLister interface {
	DescribeVpcEndpointServicePermissions(context.Context, *ec2.DescribeVpcEndpointServicePermissionsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointServicePermissionsOutput, error)
}

// tagPermissions gives the permissions of the steps their tags: after the
// principals are added (ids from ModifyVpcEndpointServicePermissions, or
// listed when not given), or as an update of a kept principal's tags.
func (r *runner) tagPermissions(ctx context.Context, c *plan.Change, cl EC2API, svc string, steps []*step, ids map[string]string) {
	need := false
	for _, s := range steps {
		if s.err == nil && (len(tagsOf(s.cs.c.After)) > 0 || s.cs.c.Action == plan.Update) {
			need = true
		}
	}
	if !need {
		return
	}
	var listed map[string]types.AllowedPrincipal
	if _, ok := cl.(permissionLister); !ok {
		for _, s := range steps {
			if s.err == nil {
				s.err = &Error{Call: "DescribeVpcEndpointServicePermissions", Code: "Unsupported", Message: "this EC2 client cannot list service permissions"}
			}
		}
		return
	}
	for _, s := range steps {
		if s.err != nil || s.cs.c.Action != plan.Update && len(tagsOf(s.cs.c.After)) == 0 {
			continue // a new principal without tags: nothing to tag
		}
		p := s.cs.c.After.Principal
		id := ids[p]
		var have map[string]string
		if id == "" || s.cs.c.Action == plan.Update {
			if listed == nil {
				var e *Error
				if listed, e = r.permissionIDs(ctx, c, cl, svc); e != nil {
					s.err = e
					continue
				}
			}
			ap, ok := listed[p]
			if !ok {
				s.err = &Error{Call: "DescribeVpcEndpointServicePermissions", Code: "InvalidPrincipal.NotFound",
					Message: fmt.Sprintf("service %s has no permission for %s to tag", svc, p), Hint: "plan again: the principal was removed since the plan was made"}
				continue
			}
			id = aws.ToString(ap.ServicePermissionId)
			have = map[string]string{}
			for _, t := range ap.Tags {
				have[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
		want := tagsOf(s.cs.c.After)
		var did []string
		set := tagsToSet(have, want)
		if e := r.createTags(ctx, s.cs.c, cl, classService, id, set); e != nil {
			s.err = e
			continue
		}
		if len(set) > 0 {
			did = append(did, "tagged "+id+" ("+strings.Join(slices.Sorted(maps.Keys(set)), ", ")+")")
		}
		var drop []types.Tag
		for k := range have {
			if _, keep := want[k]; !keep {
				drop = append(drop, types.Tag{Key: aws.String(k)})
			}
		}
		sort.Slice(drop, func(i, j int) bool { return *drop[i].Key < *drop[j].Key })
		if len(drop) > 0 {
			if e := r.call(ctx, s.cs.c, classService, "DeleteTags", func(ctx context.Context) error {
				_, err := cl.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: drop})
				return err
			}); e != nil {
				s.err = e
				continue
			}
		}
		if len(drop) > 0 {
			keys := make([]string, len(drop))
			for i, t := range drop {
				keys[i] = *t.Key
			}
			did = append(did, "removed tags "+strings.Join(keys, ", ")+" from "+id)
		}
		if len(did) == 0 {
			continue // its tags were as wanted already: no call made
		}
		if s.note != "" {
			s.note += "; "
		}
		s.note += strings.Join(did, "; ")
	}
}

func tagsOf(v *plan.Values) map[string]string {
	if v == nil {
		return nil
	}
	return v.Tags
}
