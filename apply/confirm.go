package apply

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// ownedNow reports, from a fresh read in the endpoint's owner account,
// whether endpoint id carries this project's tag. Two runs of one project
// may overlap: the plan may have read the consumer accounts before another
// run created an endpoint there, and the provider's connections after; the
// plan then takes that endpoint for a stranger. Before a reject acts on
// that view it is confirmed here. An owner outside the manifest cannot hold
// this project's endpoints: false without a call. The endpoint is looked
// for in every region the plan uses for that account, the change's first.
func (r *runner) ownedNow(ctx context.Context, c *plan.Change, id, ownerID string) (bool, *Error) {
	alias := ""
	regions := []string{c.Region}
	seen := map[string]bool{c.Region: true}
	for i := range r.p.Changes {
		x := &r.p.Changes[i]
		if x.AccountID != ownerID || x.Account == "" {
			continue
		}
		alias = x.Account
		if !seen[x.Region] {
			seen[x.Region] = true
			regions = append(regions, x.Region)
		}
	}
	if alias == "" {
		return false, nil
	}
	sort.Strings(regions[1:])
	for _, region := range regions {
		w := where{alias, ownerID, region}
		cl, e := r.clientAt(ctx, c, w)
		if e != nil {
			return false, e
		}
		var out *ec2.DescribeVpcEndpointsOutput
		e = r.callIn(ctx, w, classDescribe, "DescribeVpcEndpoints", func(ctx context.Context) (err error) {
			out, err = cl.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
			return err
		})
		if e != nil {
			if notFound(e.Code) {
				continue
			}
			return false, e
		}
		for _, ep := range out.VpcEndpoints {
			if aws.ToString(ep.VpcEndpointId) != id {
				continue
			}
			for _, t := range ep.Tags {
				if aws.ToString(t.Key) == live.TagProject && aws.ToString(t.Value) == r.opts.Project {
					return true, nil
				}
			}
			return false, nil
		}
	}
	return false, nil
}

// confirmForeign drops from a reject batch the endpoints that a fresh read
// shows to be this project's, noting why on their steps, and returns the
// ids left to reject.
func (r *runner) confirmForeign(ctx context.Context, ids []string, byID map[string][]*step) []string {
	var keep []string
	for _, id := range ids {
		steps := byID[id]
		c := steps[0].cs.c
		if !c.ConfirmForeign {
			keep = append(keep, id)
			continue
		}
		owner := ""
		if c.Before != nil {
			owner = c.Before.EndpointOwner
		}
		ours, e := r.ownedNow(ctx, c, id, owner)
		switch {
		case e != nil:
			for _, s := range steps {
				s.err = &Error{Call: e.Call, Code: e.Code, Message: fmt.Sprintf("could not confirm that %s is not this project's, so it was not rejected: %s", id, e.Message),
					Hint: "plink never rejects on a view it cannot confirm; run plink apply again", Err: e}
			}
		case ours:
			for _, s := range steps {
				r.kept.Store(s.cs.c.Address, true)
				s.note = fmt.Sprintf("kept %s: a fresh read shows it is this project's (made by a concurrent run after the plan); not rejected", id)
			}
		default:
			keep = append(keep, id)
		}
	}
	return keep
}
