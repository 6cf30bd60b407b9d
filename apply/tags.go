package apply

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/plan"
)

// tagsToSet returns the tags of want that before lacks or has otherwise.
func tagsToSet(before, want map[string]string) map[string]string {
	set := map[string]string{}
	for k, v := range want {
		if bv, ok := before[k]; !ok || bv != v {
			set[k] = v
		}
	}
	return set
}

func (r *runner) createTags(ctx context.Context, c *plan.Change, cl EC2API, class, id string, set map[string]string) *Error {
	if len(set) == 0 {
		return nil
	}
	return r.call(ctx, c, class, "CreateTags", func(ctx context.Context) error {
		_, err := cl.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: sdkTags(set)})
		return err
	})
}

// updateTags applies the difference between before and after tags. plink's
// own tags are left alone, except plink:name when the plan renames the
// resource (the manifest entry's renamedFrom): before carries the former
// name and after the new one, and only plink:name is rewritten.
func (r *runner) updateTags(ctx context.Context, c *plan.Change, cl EC2API, class, id string, before, after map[string]string) *Error {
	set := tagsToSet(before, after)
	for k := range set {
		if isPlinkTag(k) && !renamesTo(k, before, after) {
			delete(set, k)
		}
	}
	if e := r.createTags(ctx, c, cl, class, id, set); e != nil {
		return e
	}
	return r.removeTags(ctx, c, cl, class, id, before, after)
}

// removeTags deletes the tags in before that after does not keep; plink's
// own tags are never removed.
func (r *runner) removeTags(ctx context.Context, c *plan.Change, cl EC2API, class, id string, before, after map[string]string) *Error {
	var del []string
	for k := range before {
		if _, ok := after[k]; !ok && !isPlinkTag(k) {
			del = append(del, k)
		}
	}
	if len(del) == 0 {
		return nil
	}
	sort.Strings(del)
	var tags []types.Tag
	for _, k := range del {
		tags = append(tags, types.Tag{Key: aws.String(k)})
	}
	return r.call(ctx, c, class, "DeleteTags", func(ctx context.Context) error {
		_, err := cl.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: tags})
		return err
	})
}
