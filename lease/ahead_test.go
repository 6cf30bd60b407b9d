package lease_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/lease"
)

// hideOnce hides the other leases from the first listing of the project's
// leases: a rival whose write did not show yet.
type hideOnce struct {
	*ec2.Client
	hidden atomic.Bool
}

func (h *hideOnce) DescribePlacementGroups(ctx context.Context, in *ec2.DescribePlacementGroupsInput, o ...func(*ec2.Options)) (*ec2.DescribePlacementGroupsOutput, error) {
	out, err := h.Client.DescribePlacementGroups(ctx, in, o...)
	if err != nil || len(in.Filters) == 0 || !h.hidden.CompareAndSwap(false, true) {
		return out, err
	}
	cp := *out
	cp.PlacementGroups = []types.PlacementGroup{}
	return &cp, nil
}

// TestAheadOverlapsTheWait: Options.Ahead starts once the lease is written,
// Settle/2 before Acquire returns it, and its context lives on with the
// lease; when a rival shows after all its context is cancelled, and with
// a rival listed at once it does not start.
func TestAheadOverlapsTheWait(t *testing.T) {
	api := client(t)
	o := opts("run-a", nil)
	var started time.Time
	var actx context.Context
	o.Ahead = func(c context.Context) { started, actx = time.Now(), c }
	l, err := lease.Acquire(ctx, api, scope, o)
	if err != nil {
		t.Fatal(err)
	}
	if actx == nil {
		t.Fatal("Ahead was not called")
	}
	if d := time.Since(started); d < o.Settle/2 {
		t.Errorf("Ahead started %s before Acquire returned, want at least Settle/2 (%s)", d, o.Settle/2)
	}
	if actx.Err() != nil {
		t.Errorf("Ahead's context ended with the lease held: %v", actx.Err())
	}
	// A shard beside the held project lease: the rival is listed at once.
	so := opts("shard-b", nil)
	so.Ahead = func(context.Context) { t.Error("Ahead called with a rival listed") }
	if _, err := lease.Acquire(ctx, api, shardScope("checkout"), so); !errors.As(err, new(*lease.HeldError)) {
		t.Fatalf("a shard beside the project's lease: %v", err)
	}
	// A rival that shows only after Ahead started: its context is cancelled.
	hidden := &hideOnce{Client: api}
	so.Ahead = func(c context.Context) { actx = c }
	actx = nil
	if _, err := lease.Acquire(ctx, hidden, shardScope("checkout"), so); !errors.As(err, new(*lease.HeldError)) {
		t.Fatalf("a rival shown late: %v", err)
	}
	if actx == nil || actx.Err() == nil {
		t.Errorf("a rival shown late: Ahead's context %v, want cancelled", actx)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
}
