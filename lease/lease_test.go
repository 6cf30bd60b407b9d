package lease_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

var ctx = context.Background()

var scope = lease.Scope{Project: "demo", Account: "payments (111111111111)", Region: "us-east-1"}

// clock is a settable clock for expiry times.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func client(t *testing.T) *ec2.Client {
	t.Helper()
	return sandboxtest.Start(t).Clients(t, "payments").EC2
}

// group returns the lease's placement group (nil when there is none).
func group(t *testing.T, api *ec2.Client) *types.PlacementGroup {
	t.Helper()
	out, err := api.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pg := range out.PlacementGroups {
		if aws.ToString(pg.GroupName) == "plink-lease-demo" {
			return &pg
		}
	}
	return nil
}

func tag(pg *types.PlacementGroup, key string) string {
	for _, t := range pg.Tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func opts(holder string, clk *clock) lease.Options {
	o := lease.Options{Holder: holder, Poll: 20 * time.Millisecond, Settle: 100 * time.Millisecond}
	if clk != nil {
		o.Now = clk.Now
	}
	return o
}

// TestAcquireHeldRelease: the first run creates the group with its tags; a
// second fails at once naming the holder and the expiry; after release the
// group is gone and the second gets it.
func TestAcquireHeldRelease(t *testing.T) {
	api := client(t)
	clk := newClock()
	a, err := lease.Acquire(ctx, api, scope, opts("run-a", clk))
	if err != nil {
		t.Fatal(err)
	}
	pg := group(t, api)
	if pg == nil || aws.ToString(pg.GroupId) != a.GroupID() {
		t.Fatalf("group %+v, lease %s", pg, a.GroupID())
	}
	if tag(pg, lease.TagProject) != "demo" || tag(pg, lease.TagHolder) != "run-a" || tag(pg, lease.TagExpires) != "2025-03-01T12:02:00Z" {
		t.Errorf("tags %+v", pg.Tags)
	}

	_, err = lease.Acquire(ctx, api, scope, opts("run-b", clk))
	var held *lease.HeldError
	if !errors.As(err, &held) || held.Info.Holder != "run-a" {
		t.Fatalf("second acquire: %v", err)
	}
	want := "project demo is locked by another run: run-a holds the lease (placement group plink-lease-demo in account payments (111111111111) region us-east-1) until 2025-03-01T12:02:00Z unless renewed"
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if info, err := lease.Peek(ctx, api, scope, clk.Now()); err != nil || info == nil || info.Holder != "run-a" {
		t.Errorf("peek while held: %+v %v", info, err)
	}

	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx); err != nil {
		t.Errorf("second release: %v", err)
	}
	if err := a.Renew(ctx); err == nil {
		t.Error("renewing a released lease succeeded")
	}
	if pg := group(t, api); pg != nil {
		t.Errorf("group left after release: %+v", pg)
	}
	if info, err := lease.Peek(ctx, api, scope, clk.Now()); err != nil || info != nil {
		t.Errorf("peek when free: %+v %v", info, err)
	}
	b, err := lease.Acquire(ctx, api, scope, opts("run-b", clk))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentAcquire: runs that start together — exactly one holds; with
// a wait, they take turns and never overlap.
func TestConcurrentAcquire(t *testing.T) {
	api := client(t)
	const n = 6
	var wg sync.WaitGroup
	var won, heldErrs atomic.Int32
	leases := make(chan *lease.Lease, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := lease.Acquire(ctx, api, scope, opts(string(rune('a'+i)), nil))
			var held *lease.HeldError
			switch {
			case err == nil:
				won.Add(1)
				leases <- l
			case errors.As(err, &held):
				heldErrs.Add(1)
			default:
				t.Errorf("acquire: %v", err)
			}
		}()
	}
	wg.Wait()
	close(leases)
	if won.Load() != 1 || heldErrs.Load() != n-1 {
		t.Fatalf("%d won, %d held errors; want 1 and %d", won.Load(), heldErrs.Load(), n-1)
	}
	for l := range leases {
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// With a wait, every run gets its turn, one at a time.
	var holding, most, turns atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := opts(string(rune('a'+i)), nil)
			o.Wait = 20 * time.Second
			l, err := lease.Acquire(ctx, api, scope, o)
			if err != nil {
				t.Errorf("acquire with wait: %v", err)
				return
			}
			h := holding.Add(1)
			for {
				m := most.Load()
				if h <= m || most.CompareAndSwap(m, h) {
					break
				}
			}
			time.Sleep(30 * time.Millisecond)
			holding.Add(-1)
			turns.Add(1)
			if err := l.Release(ctx); err != nil {
				t.Errorf("release: %v", err)
			}
		}()
	}
	wg.Wait()
	if turns.Load() != n || most.Load() != 1 {
		t.Errorf("%d turns, at most %d holding at once; want %d and 1", turns.Load(), most.Load(), n)
	}
}

// TestExpiredTakeover: a run that stopped renewing (killed) leaves the
// lease; once it has expired the next run takes it over, and the old
// holder finds out it lost it and does not delete the new holder's lease.
func TestExpiredTakeover(t *testing.T) {
	api := client(t)
	clk := newClock()
	a, err := lease.Acquire(ctx, api, scope, opts("run-a", clk))
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(lease.DefaultTTL + time.Second)
	b, err := lease.Acquire(ctx, api, scope, opts("run-b", clk))
	if err != nil {
		t.Fatalf("takeover: %v", err)
	}
	if b.GroupID() != a.GroupID() {
		t.Errorf("takeover made a new group %s, want %s", b.GroupID(), a.GroupID())
	}
	if pg := group(t, api); tag(pg, lease.TagHolder) != "run-b" || tag(pg, lease.TagExpires) != "2025-03-01T12:04:01Z" {
		t.Errorf("tags after takeover %+v", pg.Tags)
	}
	// A's own view: its hold ran out, so it counts itself lost.
	var lost *lease.LostError
	if err := a.Renew(ctx); !errors.As(err, &lost) || !strings.Contains(err.Error(), "not renewed in time") {
		t.Errorf("old holder renew: %v", err)
	}
	if err := a.Release(ctx); !errors.As(err, &lost) {
		t.Errorf("old holder release: %v", err)
	}
	if pg := group(t, api); pg == nil || tag(pg, lease.TagHolder) != "run-b" {
		t.Fatalf("old holder's release touched the new holder's lease: %+v", pg)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentTakeover: several runs find the same expired lease at once;
// exactly one wins it, the others report it held.
func TestConcurrentTakeover(t *testing.T) {
	api := client(t)
	clk := newClock()
	if _, err := lease.Acquire(ctx, api, scope, opts("crashed", clk)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	const n = 5
	var wg sync.WaitGroup
	var winners []string
	var mu sync.Mutex
	var heldBy []string
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := opts(string(rune('a'+i)), clk)
			o.Settle = 300 * time.Millisecond
			l, err := lease.Acquire(ctx, api, scope, o)
			mu.Lock()
			defer mu.Unlock()
			var held *lease.HeldError
			switch {
			case err == nil:
				winners = append(winners, l.Holder())
			case errors.As(err, &held):
				heldBy = append(heldBy, held.Info.Holder)
			default:
				t.Errorf("acquire: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("winners %v, want exactly one", winners)
	}
	// A loser names the holder it saw: the winner, or a contender whose
	// write the winner's came after.
	for _, h := range heldBy {
		if len(h) != 1 || h[0] < 'a' || h[0] >= 'a'+n {
			t.Errorf("a loser was told %q holds it", h)
		}
	}
	if pg := group(t, api); tag(pg, lease.TagHolder) != winners[0] {
		t.Errorf("holder tag %q, winner %q", tag(pg, lease.TagHolder), winners[0])
	}
}

// TestRenewKeepsIt: a renewing holder keeps the lease past its first TTL;
// Keep renews on its own.
func TestRenewKeepsIt(t *testing.T) {
	api := client(t)
	clk := newClock()
	a, err := lease.Acquire(ctx, api, scope, opts("run-a", clk))
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if err := a.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(80 * time.Second) // past the first expiry, within the renewed one
	if _, err := lease.Acquire(ctx, api, scope, opts("run-b", clk)); err == nil {
		t.Fatal("a renewed lease was taken over")
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}

	// Keep, with a real clock and a short TTL.
	o := opts("run-c", nil)
	o.TTL = 600 * time.Millisecond
	c, err := lease.Acquire(ctx, api, scope, o)
	if err != nil {
		t.Fatal(err)
	}
	first := tag(group(t, api), lease.TagExpires)
	c.Keep(ctx, func(err error) { t.Errorf("lost: %v", err) })
	time.Sleep(1500 * time.Millisecond)
	if got := tag(group(t, api), lease.TagExpires); got == first {
		t.Errorf("Keep did not renew: expiry still %s", got)
	}
	if _, err := lease.Acquire(ctx, api, scope, opts("run-d", nil)); err == nil {
		t.Fatal("a kept lease was taken over")
	}
	if err := c.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if group(t, api) != nil {
		t.Error("group left after release")
	}
}

// TestLost: a lease deleted by hand, or taken over, is lost for good, and
// Keep reports it once.
func TestLost(t *testing.T) {
	api := client(t)
	clk := newClock()
	a, err := lease.Acquire(ctx, api, scope, opts("run-a", clk))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String("plink-lease-demo")}); err != nil {
		t.Fatal(err)
	}
	var lost *lease.LostError
	if err := a.Renew(ctx); !errors.As(err, &lost) || !strings.Contains(err.Error(), "the placement group was deleted") {
		t.Errorf("renew after delete: %v", err)
	}
	if err := a.Release(ctx); !errors.As(err, &lost) {
		t.Errorf("release after loss: %v", err)
	}

	// Taken over by hand (a rewritten holder tag): Keep reports it.
	o := opts("run-b", nil)
	o.TTL = 300 * time.Millisecond
	b, err := lease.Acquire(ctx, api, scope, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{b.GroupID()}, Tags: []types.Tag{{Key: aws.String(lease.TagHolder), Value: aws.String("intruder")}}}); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 2)
	b.Keep(ctx, func(err error) { got <- err })
	select {
	case err := <-got:
		if !strings.Contains(err.Error(), `lost the lease of project demo (placement group plink-lease-demo in account payments (111111111111) region us-east-1): run "intruder" took it over`) {
			t.Errorf("lost: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Keep did not report the loss")
	}
	if err := b.Release(ctx); !errors.As(err, &lost) {
		t.Errorf("release: %v", err)
	}
	if pg := group(t, api); pg == nil || tag(pg, lease.TagHolder) != "intruder" {
		t.Errorf("release deleted a lease it had lost: %+v", pg)
	}
}

// TestForeignGroup: a placement group with the lease's name but not the
// project's tag is never changed.
func TestForeignGroup(t *testing.T) {
	api := client(t)
	if _, err := api.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("plink-lease-demo"), Strategy: types.PlacementStrategyCluster,
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypePlacementGroup, Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("hpc")}}}}}); err != nil {
		t.Fatal(err)
	}
	_, err := lease.Acquire(ctx, api, scope, opts("run-a", nil))
	var fe *lease.ForeignError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "exists without the tag plink:project=demo") {
		t.Fatalf("acquire over a foreign group: %v", err)
	}
	if pg := group(t, api); len(pg.Tags) != 1 || pg.Strategy != types.PlacementStrategyCluster {
		t.Errorf("foreign group changed: %+v", pg)
	}
	if info, err := lease.Peek(ctx, api, scope, time.Now()); err != nil || info != nil {
		t.Errorf("peek at a foreign group: %+v %v", info, err)
	}
}

// TestWait: a run waits up to its bound, says once that it waits, and gets
// the lease when the holder releases it in time.
func TestWait(t *testing.T) {
	api := client(t)
	a, err := lease.Acquire(ctx, api, scope, opts("run-a", nil))
	if err != nil {
		t.Fatal(err)
	}
	var waits atomic.Int32
	o := opts("run-b", nil)
	o.Wait = 300 * time.Millisecond
	o.Waiting = func(info lease.Info) {
		if info.Holder != "run-a" {
			t.Errorf("waiting for %q", info.Holder)
		}
		waits.Add(1)
	}
	start := time.Now()
	_, err = lease.Acquire(ctx, api, scope, o)
	var held *lease.HeldError
	if !errors.As(err, &held) || time.Since(start) < 300*time.Millisecond || waits.Load() != 1 {
		t.Fatalf("bounded wait: %v after %s, %d wait notes", err, time.Since(start), waits.Load())
	}
	if !strings.Contains(err.Error(), "; waited 300ms") {
		t.Errorf("error does not say how long it waited: %v", err)
	}

	o.Wait = 10 * time.Second
	time.AfterFunc(200*time.Millisecond, func() { _ = a.Release(ctx) })
	b, err := lease.Acquire(ctx, api, scope, o)
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	_ = b.Release(ctx)

	// A cancelled wait ends with the cause.
	if _, err := lease.Acquire(ctx, api, scope, opts("run-c", nil)); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	o.Wait, o.Waiting = time.Minute, nil
	_, err = lease.Acquire(cctx, api, scope, o)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting for the lease (placement group plink-lease-demo") {
		t.Errorf("cancelled wait: %v", err)
	}
}

// faulty wraps a client with per-call hooks.
type faulty struct {
	*ec2.Client
	describe, create, tags, untag, del func() error
	tagDelay                           time.Duration
}

func (f *faulty) DescribePlacementGroups(c context.Context, in *ec2.DescribePlacementGroupsInput, o ...func(*ec2.Options)) (*ec2.DescribePlacementGroupsOutput, error) {
	if f.describe != nil {
		if err := f.describe(); err != nil {
			return nil, err
		}
	}
	return f.Client.DescribePlacementGroups(c, in, o...)
}

func (f *faulty) CreatePlacementGroup(c context.Context, in *ec2.CreatePlacementGroupInput, o ...func(*ec2.Options)) (*ec2.CreatePlacementGroupOutput, error) {
	if f.create != nil {
		if err := f.create(); err != nil {
			return nil, err
		}
	}
	return f.Client.CreatePlacementGroup(c, in, o...)
}

func (f *faulty) CreateTags(c context.Context, in *ec2.CreateTagsInput, o ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	time.Sleep(f.tagDelay)
	if f.tags != nil {
		if err := f.tags(); err != nil {
			return nil, err
		}
	}
	return f.Client.CreateTags(c, in, o...)
}

func (f *faulty) DeleteTags(c context.Context, in *ec2.DeleteTagsInput, o ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	if f.untag != nil {
		if err := f.untag(); err != nil {
			return nil, err
		}
	}
	return f.Client.DeleteTags(c, in, o...)
}

func (f *faulty) DeletePlacementGroup(c context.Context, in *ec2.DeletePlacementGroupInput, o ...func(*ec2.Options)) (*ec2.DeletePlacementGroupOutput, error) {
	if f.del != nil {
		if err := f.del(); err != nil {
			return nil, err
		}
	}
	return f.Client.DeletePlacementGroup(c, in, o...)
}

func denied() error {
	return &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."}
}

// TestSlowTakeoverWithdraws: a contender whose read and write took longer
// than Settle/2 might have overwritten a winner after its read-back, so it
// removes its holder tag (only if still its own) and does not hold.
func TestSlowTakeoverWithdraws(t *testing.T) {
	api := client(t)
	clk := newClock()
	if _, err := lease.Acquire(ctx, api, scope, opts("crashed", clk)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	slow := &faulty{Client: api, tagDelay: 80 * time.Millisecond}
	o := opts("slow", clk) // Settle 100ms: 80ms writes are too slow
	_, err := lease.Acquire(ctx, slow, scope, o)
	if err == nil || !strings.Contains(err.Error(), "could not take over the lease") || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("slow takeover: %v", err)
	}
	if h := tag(group(t, api), lease.TagHolder); h != "" {
		t.Errorf("a withdrawn contender left its holder tag: %q", h)
	}
	// A fast run takes it afterwards.
	if _, err := lease.Acquire(ctx, api, scope, opts("fast", clk)); err != nil {
		t.Fatal(err)
	}
}

// TestCallErrors: every failing call names the lease and the account.
func TestCallErrors(t *testing.T) {
	api := client(t)
	clk := newClock()
	for _, tc := range []struct {
		name string
		f    func(*faulty)
		prep func(t *testing.T)
		want string
	}{
		{"describe", func(f *faulty) { f.describe = denied }, nil, "reading the lease (placement group plink-lease-demo in account payments (111111111111) region us-east-1): "},
		{"create", func(f *faulty) { f.create = denied }, nil, "creating the lease (placement group plink-lease-demo"},
		{"takeover", func(f *faulty) { f.tags = denied }, func(t *testing.T) {
			if _, err := lease.Acquire(ctx, api, scope, opts("crashed", clk)); err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Hour)
		}, "taking over the lease (placement group plink-lease-demo"},
		{"withdraw", func(f *faulty) { f.tagDelay, f.untag = 80*time.Millisecond, denied }, nil, "withdrawing from the lease (placement group plink-lease-demo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prep != nil {
				tc.prep(t)
			}
			f := &faulty{Client: api}
			tc.f(f)
			_, err := lease.Acquire(ctx, f, scope, opts("run", clk))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "UnauthorizedOperation") {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	// Renew and release errors.
	if _, err := api.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String("plink-lease-demo")}); err != nil {
		t.Fatal(err)
	}
	f := &faulty{Client: api}
	l, err := lease.Acquire(ctx, f, scope, opts("run", clk))
	if err != nil {
		t.Fatal(err)
	}
	f.tags = denied
	if err := l.Renew(ctx); err == nil || !strings.Contains(err.Error(), "renewing the lease (placement group plink-lease-demo") {
		t.Errorf("renew: %v", err)
	}
	f.describe = denied
	if err := l.Renew(ctx); err == nil || !strings.Contains(err.Error(), "reading the lease") {
		t.Errorf("renew read: %v", err)
	}
	if err := l.Release(ctx); err == nil || !strings.Contains(err.Error(), "reading the lease") {
		t.Errorf("release read: %v", err)
	}
	f.describe, f.del = nil, denied
	if err := l.Release(ctx); err == nil || !strings.Contains(err.Error(), "releasing the lease (placement group plink-lease-demo") {
		t.Errorf("release: %v", err)
	}
	f.del = nil
	if err := l.Release(ctx); err != nil {
		t.Errorf("release once the call works: %v", err)
	}
}

// TestReleaseBeforeVisible: Describe calls are eventually consistent; a run
// that releases before its own new group is listed still deletes it (it
// reads again for up to Settle) instead of calling the lease lost and
// leaving the group for the next run to wait out.
func TestReleaseBeforeVisible(t *testing.T) {
	api := sandboxtest.Start(t, sandbox.Options{ConsistencyDelay: 300 * time.Millisecond}).Clients(t, "payments").EC2
	o := opts("run-a", nil)
	o.Settle = time.Second
	a, err := lease.Acquire(ctx, api, scope, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatalf("release before the group is listed: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	if pg := group(t, api); pg != nil {
		t.Errorf("group left after release: %+v", pg)
	}
}

// TestLostCreateRaceNamesTheHolder: a run that loses the create race to a
// rival (the group did not exist when it read, and exists when it creates)
// reads once more and reports the rival as holder, with its expiry, rather
// than "another run (just created, not yet visible)".
func TestLostCreateRaceNamesTheHolder(t *testing.T) {
	api := client(t)
	clk := newClock()
	var rival *lease.Lease
	f := &faulty{Client: api}
	f.create = func() error {
		if rival == nil {
			var err error
			if rival, err = lease.Acquire(ctx, api, scope, opts("run-b", clk)); err != nil {
				t.Fatalf("rival: %v", err)
			}
		}
		return nil
	}
	_, err := lease.Acquire(ctx, f, scope, opts("run-a", clk))
	var held *lease.HeldError
	if !errors.As(err, &held) {
		t.Fatalf("lost create race: %v, want a *HeldError", err)
	}
	if rival == nil {
		t.Fatal("the rival never ran: the race was not made")
	}
	if held.Info.Holder != "run-b" || held.Info.Expires.IsZero() {
		t.Errorf("held by %+v, want run-b with its expiry", held.Info)
	}
	if msg := err.Error(); strings.Contains(msg, "not yet visible") || !strings.Contains(msg, "run-b holds the lease") || !strings.Contains(msg, " until ") {
		t.Errorf("message: %s", msg)
	}
}

// shardScope is scope for a shard of the project.
func shardScope(accounts ...string) lease.Scope {
	s := scope
	s.Accounts = accounts
	return s
}

// TestShardLeasesExclude: two shards hold their leases at once; the
// project's lease and a shard's exclude each other both ways, naming the
// holder; so do overlapping shards; the one refused leaves nothing behind.
func TestShardLeasesExclude(t *testing.T) {
	api := client(t)
	a, err := lease.Acquire(ctx, api, shardScope("checkout"), opts("shard-a", nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := lease.Acquire(ctx, api, shardScope("payments", "search"), opts("shard-b", nil))
	if err != nil {
		t.Fatalf("a second, disjoint shard: %v", err)
	}
	_, err = lease.Acquire(ctx, api, scope, opts("whole", nil))
	var held *lease.HeldError
	if !errors.As(err, &held) || (held.Info.Holder != "shard-a" && held.Info.Holder != "shard-b") ||
		!strings.Contains(err.Error(), "project demo is locked by another run: shard-") || !strings.Contains(err.Error(), "holds the lease of shard ") {
		t.Fatalf("the project's lease beside shards: %v", err)
	}
	_, err = lease.Acquire(ctx, api, shardScope("search"), opts("shard-c", nil))
	want := "project demo is locked by another run: shard-b holds the lease of shard payments+search (placement group plink-lease-demo.shard.payments+search in account payments (111111111111) region us-east-1) until "
	if !errors.As(err, &held) || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("an overlapping shard:\n got %v\nwant %s…", err, want)
	}
	out, err := api.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{})
	if err != nil || len(out.PlacementGroups) != 2 {
		t.Fatalf("the refused runs left their groups: %v %+v", err, out)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
	whole, err := lease.Acquire(ctx, api, scope, opts("whole", nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = lease.Acquire(ctx, api, shardScope("checkout"), opts("shard-a", nil))
	want = "project demo is locked by another run: whole holds the lease (placement group plink-lease-demo in account payments (111111111111) region us-east-1) until "
	if !errors.As(err, &held) || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("a shard beside the project's lease:\n got %v\nwant %s…", err, want)
	}
	// An expired or free lease keeps nobody out.
	if err := whole.Release(ctx); err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	if _, err := lease.Acquire(ctx, api, scope, opts("crashed", clk)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	s, err := lease.Acquire(ctx, api, shardScope("checkout"), opts("shard-a", clk))
	if err != nil {
		t.Fatalf("a shard beside an expired project lease: %v", err)
	}
	_ = s.Release(ctx)
}

// TestShardAndProjectRace: a whole-project run and a shard's run take
// their leases at the same moment, many times over, against a sandbox
// whose reads lag writes by less than Settle/2: never do both hold one at
// once. Without waiting, at least one is refused; with --lock-timeout
// both get through, one after the other.
func TestShardAndProjectRace(t *testing.T) {
	srv := sandboxtest.Start(t, sandbox.Options{ConsistencyDelay: 20 * time.Millisecond})
	api := srv.Clients(t, "payments").EC2
	o := func(holder string, wait time.Duration) lease.Options {
		return lease.Options{Holder: holder, Poll: 20 * time.Millisecond, Settle: 100 * time.Millisecond, Wait: wait}
	}
	for _, wait := range []time.Duration{0, 5 * time.Second} {
		for i := range 8 {
			var holding, most, won atomic.Int32
			var wg sync.WaitGroup
			for _, sc := range []lease.Scope{scope, shardScope("checkout"), shardScope("checkout", "payments")} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					l, err := lease.Acquire(ctx, api, sc, o(sc.Name(), wait))
					if err != nil {
						if !errors.As(err, new(*lease.HeldError)) {
							t.Errorf("round %d: %s: %v", i, sc.Name(), err)
						}
						return
					}
					n := holding.Add(1)
					for {
						m := most.Load()
						if n <= m || most.CompareAndSwap(m, n) {
							break
						}
					}
					won.Add(1)
					time.Sleep(30 * time.Millisecond)
					holding.Add(-1)
					if err := l.Release(ctx); err != nil {
						t.Errorf("round %d: release %s: %v", i, sc.Name(), err)
					}
				}()
			}
			wg.Wait()
			if most.Load() > 1 {
				t.Fatalf("wait %s, round %d: %d overlapping leases held at once", wait, i, most.Load())
			}
			if wait > 0 && won.Load() != 3 {
				t.Errorf("wait %s, round %d: %d of 3 runs got the lease", wait, i, won.Load())
			}
			if wait == 0 && won.Load() > 1 {
				t.Errorf("round %d: %d runs got overlapping leases", i, won.Load())
			}
			// Let the deletes be seen before the next round.
			time.Sleep(50 * time.Millisecond)
		}
	}
}
