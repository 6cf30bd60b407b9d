package live

import (
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// interner gives one read's resources one copy of each string that repeats
// among them: VPC, subnet and group ids, service names, states, policies,
// tag keys and values. The SDK decodes every answer's strings anew, and the
// snapshot is live for all of planning (issue #22: a no-change plan of
// 10,000 applied consumers peaks in plan.Compute, on top of the snapshot).
// The table belongs to the reader, so it is dropped when the read ends and
// costs nothing after it; strings unique to a resource (its id) are not put
// in it.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

func (in *interner) str(s string) string {
	if s == "" {
		return ""
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if c, ok := in.m[s]; ok {
		return c
	}
	if in.m == nil {
		in.m = map[string]string{}
	}
	in.m[s] = s
	return s
}

func (in *interner) ptr(p *string) string { return in.str(aws.ToString(p)) }

// sorted is sortedCopy with each element interned.
func (in *interner) sorted(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = in.str(s)
	}
	sort.Strings(out)
	return out
}

// tags is the map of an EC2 resource's tags, keys and values interned.
func (in *interner) tags(tags []ec2types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[in.ptr(t.Key)] = in.ptr(t.Value)
	}
	return out
}
