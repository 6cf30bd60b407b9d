package apply

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
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
		_, err := cl.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: SDKTags(set)})
		return err
	})
}

// updateTags applies the difference between before and after tags. plink's
// own tags change only as the plan says in these ways: plink:name is
// rewritten for a rename (renamedFrom) and restored when it was removed by
// hand; plink:protect follows the entry's protect; and a release (a
// destroy's update that gives an adopted resource back, Change.Release)
// removes them all. plink:project itself is otherwise never changed.
func (r *runner) updateTags(ctx context.Context, c *plan.Change, cl EC2API, class, id string, before, after map[string]string) *Error {
	set := tagsToSet(before, after)
	for k := range set {
		if isPlinkTag(k) && !plinkTagMayChange(k, before, after, c.Release) {
			delete(set, k)
		}
	}
	if e := r.createTags(ctx, c, cl, class, id, set); e != nil {
		return e
	}
	return r.removeTags(ctx, c, cl, class, id, before, after)
}

// removeTags deletes the tags in before that after does not keep; plink's
// own tags only as plinkTagMayChange allows.
func (r *runner) removeTags(ctx context.Context, c *plan.Change, cl EC2API, class, id string, before, after map[string]string) *Error {
	var del []string
	for k := range before {
		if _, ok := after[k]; !ok && (!isPlinkTag(k) || plinkTagMayChange(k, before, after, c.Release)) {
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

// plinkTagMayChange reports whether the plan may set or remove plink's own
// tag k going from before to after (see updateTags); release is the
// change's Release.
func plinkTagMayChange(k string, before, after map[string]string, release bool) bool {
	switch {
	case release:
		return after[k] == ""
	case k == plan.TagProtect:
		return after[live.TagProject] != ""
	case k == live.TagName:
		return after[k] != "" && before[k] != after[k]
	}
	return false
}
