// Package lease owns the lease that keeps two mutating runs of one project
// apart without a state backend. The lease is recorded on AWS itself: an
// empty EC2 placement group named plink-lease-PROJECT in the project's home
// account and region (free, taggable, and its name is unique per account
// and region, so creating it is an atomic test-and-set), tagged with
// plink:project, the run that holds it (plink:lease-holder) and when the
// hold expires (plink:lease-expires, RFC 3339). The holder renews it while
// it runs and deletes it when done; a run killed outright leaves it until
// it expires, and the next run then takes it over.
//
// A shard of the project (plink --account/--region) takes a lease of its
// own, plink-lease-PROJECT.shard.SELECTION, beside the project's in the
// same home, so that shards applied at once do not exclude each other. A
// run that has taken its lease lists every lease of the project there and
// gives it back if another run holds one that overlaps its own (the whole
// project overlaps every shard; two shards overlap when they share an
// account and region): of two runs that take overlapping leases at once,
// at least one sees the other (docs/concurrency.md).
//
// It calls only CreatePlacementGroup, DescribePlacementGroups,
// DeletePlacementGroup, CreateTags and DeleteTags, on its own group, and
// never changes a placement group that lacks the project's tag. It does
// not print: waits and losses are reported through Options and errors.
package lease

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// Tags on the lease's placement group.
const (
	TagProject = "plink:project"
	TagHolder  = "plink:lease-holder"
	TagExpires = "plink:lease-expires"
	// TagKind is KindProject or KindShard (a lease without it, written by
	// an earlier plink, is the project's).
	TagKind = "plink:lease-kind"
	// TagShard is a shard lease's selection, "ALIAS+ALIAS@REGION+REGION"
	// (absent when longer than a tag value may be: it then counts as
	// overlapping every shard).
	TagShard = "plink:lease-shard"
)

// Kinds of lease (TagKind).
const (
	KindProject = "project"
	KindShard   = "shard"
)

// shardInfix separates the project from a shard's selection in a shard
// lease's name; a project name has no dot, so no shard lease's name is
// another project's lease's name.
const shardInfix = ".shard."

// maxName is the longest placement group name AWS takes (255 ASCII
// characters); maxTagValue the longest tag value.
const (
	maxName     = 255
	maxTagValue = 256
)

// NamePrefix starts the name of every lease's placement group.
const NamePrefix = "plink-lease-"

// Defaults of Options.
const (
	DefaultTTL    = 2 * time.Minute
	DefaultPoll   = 5 * time.Second
	DefaultSettle = 5 * time.Second
)

// Name is the placement group name of a project's lease.
func Name(project string) string { return NamePrefix + project }

// ShardPrefix starts the names of every shard lease of the project.
func ShardPrefix(project string) string { return Name(project) + shardInfix }

// ShardName is the placement group name of the lease of a project's shard
// selected by accounts (aliases) and regions: ShardPrefix and the
// selection (Selection). A name longer than AWS takes keeps its first
// characters and ends in "~" and 16 hex digits of the selection's
// SHA-256, so distinct selections keep distinct names.
func ShardName(project string, accounts, regions []string) string {
	sel := Selection(accounts, regions)
	name := ShardPrefix(project) + sel
	if len(name) <= maxName {
		return name
	}
	sum := sha256.Sum256([]byte(sel))
	suffix := "~" + hex.EncodeToString(sum[:8])
	return name[:maxName-len(suffix)] + suffix
}

// Selection is a shard's selection as its lease records it: the sorted
// account aliases joined by "+", then "@" and the sorted regions joined by
// "+" when it names regions ("payments+search", "payments@us-east-1",
// "@us-west-2"); "" is the whole project.
func Selection(accounts, regions []string) string {
	a, r := slices.Clone(accounts), slices.Clone(regions)
	slices.Sort(a)
	slices.Sort(r)
	a, r = slices.Compact(a), slices.Compact(r)
	sel := strings.Join(a, "+")
	if len(r) > 0 {
		sel += "@" + strings.Join(r, "+")
	}
	return sel
}

// parseSelection splits a Selection back into accounts and regions.
func parseSelection(sel string) (accounts, regions []string) {
	a, r, _ := strings.Cut(sel, "@")
	if a != "" {
		accounts = strings.Split(a, "+")
	}
	if r != "" {
		regions = strings.Split(r, "+")
	}
	return accounts, regions
}

// Overlap reports whether two selections (Selection; "" the whole
// project) may own the same account and region, so that their runs must
// not apply at once: the whole project overlaps everything; two shards
// overlap when their accounts meet (no accounts: every account) and their
// regions meet (no regions: every region).
func Overlap(a, b string) bool {
	if a == "" || b == "" {
		return true
	}
	aa, ar := parseSelection(a)
	ba, br := parseSelection(b)
	meet := func(x, y []string) bool {
		if len(x) == 0 || len(y) == 0 {
			return true
		}
		for _, v := range x {
			if slices.Contains(y, v) {
				return true
			}
		}
		return false
	}
	return meet(aa, ba) && meet(ar, br)
}

// EC2API is the part of the EC2 client the lease uses.
type EC2API interface {
	CreatePlacementGroup(context.Context, *ec2.CreatePlacementGroupInput, ...func(*ec2.Options)) (*ec2.CreatePlacementGroupOutput, error)
	DescribePlacementGroups(context.Context, *ec2.DescribePlacementGroupsInput, ...func(*ec2.Options)) (*ec2.DescribePlacementGroupsOutput, error)
	DeletePlacementGroup(context.Context, *ec2.DeletePlacementGroupInput, ...func(*ec2.Options)) (*ec2.DeletePlacementGroupOutput, error)
	CreateTags(context.Context, *ec2.CreateTagsInput, ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DeleteTags(context.Context, *ec2.DeleteTagsInput, ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error)
}

// Scope is where a lease lives and whose it is.
type Scope struct {
	Project string
	// Account names the account in messages, e.g. "payments (111111111111)".
	Account string
	Region  string
	// Accounts and Regions select a shard of the project (plink --account
	// and --region): the lease is the shard's (ShardName). Both empty: the
	// whole project's (Name).
	Accounts, Regions []string
}

// Shard reports whether the scope is a shard's.
func (s Scope) Shard() bool { return len(s.Accounts) > 0 || len(s.Regions) > 0 }

// Name is the scope's placement group name.
func (s Scope) Name() string {
	if s.Shard() {
		return ShardName(s.Project, s.Accounts, s.Regions)
	}
	return Name(s.Project)
}

// selection is the scope's Selection ("" for the whole project).
func (s Scope) selection() string {
	if !s.Shard() {
		return ""
	}
	return Selection(s.Accounts, s.Regions)
}

func (s Scope) where() string { return s.whereName(s.Name()) }

func (s Scope) whereName(name string) string {
	return fmt.Sprintf("placement group %s in account %s region %s", name, s.Account, s.Region)
}

// Options tune Acquire. The zero value fails at once on a held lease.
type Options struct {
	// TTL is how long a hold lasts without renewal (default DefaultTTL).
	// The holder renews every TTL/3 and counts itself lost once TTL/4
	// before expiry without a renewal, so clocks may differ by up to TTL/4.
	TTL time.Duration
	// Wait is how long Acquire waits for a lease another run holds
	// (0: fail at once with a *HeldError).
	Wait time.Duration
	// Poll is how often a held lease is read again while waiting
	// (default DefaultPoll).
	Poll time.Duration
	// Settle is how long a run that took over an expired or free lease
	// waits before reading it back to see whether it won (default
	// DefaultSettle). A contender whose read and write took longer than
	// Settle/2 withdraws, so two runs cannot both win.
	Settle time.Duration
	// Holder identifies this run in the holder tag (default RunID).
	Holder string
	// Now is the clock for expiry times (default time.Now).
	Now func() time.Time
	// Waiting, if set, is called once when Acquire starts waiting.
	Waiting func(Info)
	// Ahead, if set, is called once the lease is written and no other
	// run's overlapping lease is listed, before Acquire's wait of Settle/2
	// for one to show (so that work can overlap that wait, such as the
	// run's read under the lease). Its context is cancelled if a rival
	// shows after all (the lease is then given back, and Ahead called
	// again on the next take). It must change nothing. What it reads is
	// as good as a read after Acquire: a rival not listed before it was
	// written less than Settle/2 before, so it is still in its own wait;
	// if that wait ends without it seeing this run's lease, this run sees
	// its lease and Ahead's context is cancelled.
	Ahead func(context.Context)
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Settle <= 0 {
		o.Settle = DefaultSettle
	}
	if o.Holder == "" {
		o.Holder = RunID()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// RunID is user@host:pid/random (host:pid/random without $USER), kept to
// the characters EC2 tag values allow.
func RunID() string {
	host, _ := os.Hostname()
	user := os.Getenv("USER")
	if user == "" {
		user = os.Getenv("USERNAME")
	}
	if user != "" {
		user += "@"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return tagSafe(fmt.Sprintf("%s%s:%d/%s", user, host, os.Getpid(), hex.EncodeToString(b[:])))
}

func tagSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" +-=._:/@", r):
			return r
		}
		return '_'
	}, s)
	if len(s) > 256 {
		s = s[:256]
	}
	return s
}

// Info is what a lease's placement group says.
type Info struct {
	GroupID string
	// Name is the group's name.
	Name string
	// Shard is the selection of a shard's lease (Selection), "" for the
	// project's; ShardKnown is false for a shard lease whose selection
	// was too long for its tag (it overlaps every shard).
	Shard      string
	ShardKnown bool
	// Holder is the run holding it ("" when free).
	Holder  string
	Expires time.Time
	// Ours reports whether the group carries the project's tag.
	Ours bool
}

// HeldError says another run holds the lease.
type HeldError struct {
	Scope  Scope
	Info   Info
	Waited time.Duration
}

func (e *HeldError) Error() string {
	who := e.Info.Holder
	if who == "" {
		who = "another run (just created, not yet visible)"
	}
	name, of := e.Scope.Name(), ""
	if e.Info.Name != "" {
		name = e.Info.Name
	}
	if name != Name(e.Scope.Project) {
		of = " of shard " + e.Info.Shard
		if e.Info.Shard == "" {
			of = " of a shard"
		}
		if e.Info.Name == "" {
			of = " of shard " + e.Scope.selection()
		}
	}
	msg := fmt.Sprintf("project %s is locked by another run: %s holds the lease%s (%s)", e.Scope.Project, who, of, e.Scope.whereName(name))
	if !e.Info.Expires.IsZero() {
		msg += " until " + e.Info.Expires.UTC().Format(time.RFC3339) + " unless renewed"
	}
	if e.Waited > 0 {
		msg += fmt.Sprintf("; waited %s", e.Waited.Round(100*time.Millisecond))
	}
	return msg
}

// ForeignError says the lease's name is taken by a placement group that
// is not this project's lease; plink leaves it alone.
type ForeignError struct{ Scope Scope }

func (e *ForeignError) Error() string {
	return fmt.Sprintf("%s exists without the tag %s=%s: it is not this project's lease and plink never changes it", e.Scope.where(), TagProject, e.Scope.Project)
}

// LostError says a held lease was lost: another run may be running.
type LostError struct {
	Scope Scope
	Why   string
}

func (e *LostError) Error() string {
	of := ""
	if e.Scope.Shard() {
		of = " shard " + e.Scope.selection()
	}
	return fmt.Sprintf("lost the lease of project %s%s (%s): %s", e.Scope.Project, of, e.Scope.where(), e.Why)
}

// Lease is a lease this run holds.
type Lease struct {
	api   EC2API
	scope Scope
	opts  Options

	mu         sync.Mutex
	groupID    string
	validUntil time.Time
	lost       error
	released   bool

	stop, done chan struct{}
}

// Holder is this run's holder id.
func (l *Lease) Holder() string { return l.opts.Holder }

// GroupID is the placement group's id.
func (l *Lease) GroupID() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.groupID
}

// Acquire takes the scope's lease (the project's, or a shard's): it
// creates the placement group, or takes over one that is free or expired.
// Holding it, it waits Settle/2 (for AWS's reads to show any lease taken
// meanwhile) and lists the project's other leases: if another run holds
// one that overlaps the scope (the project's lease overlaps every shard's;
// shards overlap when they share an account and region), it gives its own
// back and counts the lease as held by that run. Either way a lease
// another run holds is waited for up to Options.Wait (polling, with
// jitter when both gave way), then reported as a *HeldError.
func Acquire(ctx context.Context, api EC2API, scope Scope, opts Options) (*Lease, error) {
	o := opts.withDefaults()
	start := time.Now()
	waiting := false
	for {
		l, err := take(ctx, api, scope, o, start, &waiting)
		if err != nil {
			return nil, err
		}
		cancelAhead := l.ahead(ctx)
		rival, err := l.rival(ctx)
		if err == nil && rival == nil {
			return l, nil
		}
		cancelAhead()
		// Give ours back: the other run may be waiting for it, too.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.Settle+o.TTL/4)
		rerr := l.Release(rctx)
		cancel()
		if err != nil {
			return nil, errors.Join(err, rerr)
		}
		if rerr != nil {
			return nil, fmt.Errorf("giving the lease back to %s: %w", rival.Holder, rerr)
		}
		left := o.Wait - time.Since(start)
		if left <= 0 {
			e := &HeldError{Scope: scope, Info: *rival}
			if o.Wait > 0 {
				e.Waited = time.Since(start)
			}
			return nil, e
		}
		if !waiting && o.Waiting != nil {
			o.Waiting(*rival)
			waiting = true
		}
		// Both runs may have given way: wait a random part of a poll more
		// than the other, so that one of them gets through.
		if err := sleep(ctx, min(o.Poll+jitter(o.Poll), left)); err != nil {
			return nil, fmt.Errorf("waiting for the lease (%s): %w", scope.where(), err)
		}
	}
}

// jitter is a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return time.Duration(binary.LittleEndian.Uint64(b[:]) % uint64(d))
}

// ahead calls Options.Ahead, when set and no other run's overlapping
// lease is listed now, with a context that the function it returns
// cancels.
func (l *Lease) ahead(ctx context.Context) (cancel func()) {
	if l.opts.Ahead == nil {
		return func() {}
	}
	if rival, err := l.listRival(ctx); err != nil || rival != nil {
		return func() {} // rival reads again and decides
	}
	actx, cancelCtx := context.WithCancel(ctx)
	l.opts.Ahead(actx)
	return cancelCtx
}

// rival waits Settle/2, then lists the project's leases in the home and
// returns one that another run holds, unexpired, and that overlaps l's
// scope; nil when there is none. Of two runs that take overlapping leases
// at once, each writes its own and then reads: the later reader sees the
// earlier writer, as long as a write shows in reads within Settle/2.
func (l *Lease) rival(ctx context.Context) (*Info, error) {
	if err := sleep(ctx, l.opts.Settle/2); err != nil {
		return nil, fmt.Errorf("taking the lease (%s): %w", l.scope.where(), err)
	}
	return l.listRival(ctx)
}

// listRival lists the project's leases in the home and returns one that
// another run holds, unexpired, and that overlaps l's scope; nil when
// there is none.
func (l *Lease) listRival(ctx context.Context) (*Info, error) {
	out, err := l.api.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{Filters: []types.Filter{
		{Name: aws.String("tag:" + TagProject), Values: []string{l.scope.Project}},
	}})
	if err != nil {
		return nil, l.callError("listing the project's other leases beside", err)
	}
	own, sel := l.scope.Name(), l.scope.selection()
	now := l.opts.Now()
	for _, pg := range out.PlacementGroups {
		name := aws.ToString(pg.GroupName)
		if name == own || (name != Name(l.scope.Project) && !strings.HasPrefix(name, ShardPrefix(l.scope.Project))) {
			continue
		}
		if pg.State == types.PlacementGroupStateDeleting || pg.State == types.PlacementGroupStateDeleted {
			continue
		}
		info := l.info(pg)
		if !info.Ours || info.Holder == "" || !now.Before(info.Expires) {
			continue // free or expired: it keeps nobody out
		}
		// A shard lease whose selection is not recorded overlaps every
		// other; the project's lease overlaps every shard's.
		if info.Name != Name(l.scope.Project) && info.ShardKnown && !Overlap(sel, info.Shard) {
			continue
		}
		return info, nil
	}
	return nil, nil
}

// take takes the scope's own placement group (Acquire's first step).
func take(ctx context.Context, api EC2API, scope Scope, o Options, start time.Time, waiting *bool) (*Lease, error) {
	l := &Lease{api: api, scope: scope, opts: o}
	var reread *Info // a read made after losing a create, used as the next read
	for {
		readAt := time.Now()
		info := reread
		reread = nil
		if info == nil {
			var err error
			if info, err = l.read(ctx); err != nil {
				return nil, err
			}
		}
		var busy *Info
		switch {
		case info == nil:
			won, err := l.create(ctx)
			if err != nil || won {
				return okOrNil(l, won), err
			}
			// Another run created the group between our read and our
			// create. Read it once more so that what we report (or wait
			// for) names its holder and expiry; only a group that is still
			// not listed (Describe is eventually consistent) is reported
			// without them.
			again, err := l.read(ctx)
			if err != nil {
				return nil, err
			}
			if again != nil {
				reread = again
				continue
			}
			busy = &Info{}
		case !info.Ours:
			return nil, &ForeignError{Scope: scope}
		case info.Holder != "" && info.Holder != o.Holder && o.Now().Before(info.Expires):
			busy = info
		default: // free, expired, or left by an earlier attempt of this run
			won, slow, err := l.takeOver(ctx, info, readAt)
			if err != nil || won {
				return okOrNil(l, won), err
			}
			if slow && time.Since(start) >= o.Wait {
				return nil, fmt.Errorf("could not take over the lease (%s): reading and writing it took longer than %s, so another run taking it at the same time could not be ruled out (AWS slow or throttling?)", scope.where(), o.Settle/2)
			}
			continue
		}
		left := o.Wait - time.Since(start)
		if left <= 0 {
			e := &HeldError{Scope: scope, Info: *busy}
			if o.Wait > 0 {
				e.Waited = time.Since(start)
			}
			return nil, e
		}
		if !*waiting && o.Waiting != nil && busy.Holder != "" {
			o.Waiting(*busy)
			*waiting = true
		}
		if err := sleep(ctx, min(o.Poll, left)); err != nil {
			return nil, fmt.Errorf("waiting for the lease (%s): %w", scope.where(), err)
		}
	}
}

func okOrNil(l *Lease, won bool) *Lease {
	if won {
		return l
	}
	return nil
}

// expiry is when a hold written now ends, to the millisecond as the tag
// says (RFC 3339, fractions only when there are any).
func (l *Lease) expiry() time.Time {
	return l.opts.Now().Add(l.opts.TTL).UTC().Truncate(time.Millisecond)
}

func (l *Lease) create(ctx context.Context) (bool, error) {
	exp := l.expiry()
	tags := []types.Tag{
		{Key: aws.String(TagProject), Value: aws.String(l.scope.Project)},
		{Key: aws.String(TagHolder), Value: aws.String(l.opts.Holder)},
		{Key: aws.String(TagExpires), Value: aws.String(exp.Format(time.RFC3339Nano))},
		{Key: aws.String(TagKind), Value: aws.String(KindProject)},
	}
	if l.scope.Shard() {
		tags[3].Value = aws.String(KindShard)
		if sel := l.scope.selection(); len(sel) <= maxTagValue {
			tags = append(tags, types.Tag{Key: aws.String(TagShard), Value: aws.String(sel)})
		}
	}
	out, err := l.api.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{
		GroupName:         aws.String(l.scope.Name()),
		Strategy:          types.PlacementStrategySpread,
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypePlacementGroup, Tags: tags}},
	})
	if errorCode(err) == "InvalidPlacementGroup.Duplicate" {
		return false, nil
	}
	if err != nil {
		return false, l.callError("creating", err)
	}
	l.mu.Lock()
	l.groupID, l.validUntil = aws.ToString(out.PlacementGroup.GroupId), exp
	l.mu.Unlock()
	return true, nil
}

// takeOver writes this run as holder of a free or expired lease, waits
// Settle and reads it back: the last writer wins and the others back off.
// A contender whose read and write spanned more than Settle/2 might have
// written after a rival's read-back, so it withdraws instead.
func (l *Lease) takeOver(ctx context.Context, info *Info, readAt time.Time) (won, slow bool, err error) {
	exp := l.expiry()
	_, err = l.api.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{info.GroupID}, Tags: []types.Tag{
		{Key: aws.String(TagHolder), Value: aws.String(l.opts.Holder)},
		{Key: aws.String(TagExpires), Value: aws.String(exp.Format(time.RFC3339Nano))},
	}})
	if isNotFound(err) {
		return false, false, nil // deleted meanwhile: start over
	}
	if err != nil {
		return false, false, l.callError("taking over", err)
	}
	if time.Since(readAt) > l.opts.Settle/2 {
		// DeleteTags with a value removes the tag only while it is ours.
		_, err := l.api.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{info.GroupID}, Tags: []types.Tag{
			{Key: aws.String(TagHolder), Value: aws.String(l.opts.Holder)},
		}})
		if err != nil && !isNotFound(err) {
			return false, true, l.callError("withdrawing from", err)
		}
		return false, true, nil
	}
	if err := sleep(ctx, l.opts.Settle); err != nil {
		return false, false, fmt.Errorf("taking over the lease (%s): %w", l.scope.where(), err)
	}
	again, err := l.read(ctx)
	if err != nil {
		return false, false, err
	}
	if again == nil || again.GroupID != info.GroupID || again.Holder != l.opts.Holder {
		return false, false, nil
	}
	l.mu.Lock()
	l.groupID, l.validUntil = info.GroupID, exp
	l.mu.Unlock()
	return true, false, nil
}

// Renew extends the hold by TTL. It returns a *LostError, for good, once
// the group is gone, held by another run, or was not renewed in time.
func (l *Lease) Renew(ctx context.Context) error {
	l.mu.Lock()
	lost, id, valid, released := l.lost, l.groupID, l.validUntil, l.released
	l.mu.Unlock()
	if released {
		return fmt.Errorf("renewing the lease (%s): it was released", l.scope.where())
	}
	if lost != nil {
		return lost
	}
	if !l.opts.Now().Before(valid.Add(-l.opts.TTL / 4)) {
		return l.lose(fmt.Sprintf("it was not renewed in time (it expires at %s)", valid.Format(time.RFC3339)))
	}
	if err := l.stillHeld(ctx, id); err != nil {
		return err
	}
	exp := l.expiry()
	_, err := l.api.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{
		{Key: aws.String(TagExpires), Value: aws.String(exp.Format(time.RFC3339Nano))},
	}})
	if isNotFound(err) {
		return l.lose("the placement group was deleted")
	}
	if err != nil {
		return l.callError("renewing", err)
	}
	l.mu.Lock()
	l.validUntil = exp
	l.mu.Unlock()
	return nil
}

func (l *Lease) lose(why string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil {
		l.lost = &LostError{Scope: l.scope, Why: why}
	}
	return l.lost
}

// Keep renews the lease every TTL/3 (sooner after a failed call) until
// Release. onLost is called once, from Keep's goroutine, if it is lost.
func (l *Lease) Keep(ctx context.Context, onLost func(error)) {
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	every := l.opts.TTL / 3
	go func() {
		defer close(l.done)
		next := every
		for {
			t := time.NewTimer(next)
			select {
			case <-l.stop:
				t.Stop()
				return
			case <-t.C:
			}
			err := l.Renew(ctx)
			var le *LostError
			switch {
			case errors.As(err, &le):
				if onLost != nil {
					onLost(err)
				}
				return
			case err != nil:
				next = every / 4 // retry sooner; Renew counts time
			default:
				next = every
			}
		}
	}()
}

// stillHeld reads the lease back and returns nil while this run holds the
// group id, else the read's error or a *LostError. Describe calls are
// eventually consistent: a quick run may renew or release before its own
// new group is listed, so not seeing it is read again, for up to Settle,
// before it counts as gone.
func (l *Lease) stillHeld(ctx context.Context, id string) error {
	info, err := l.read(ctx)
	for try := 0; try < 10 && err == nil && info == nil; try++ {
		if err = sleep(ctx, l.opts.Settle/10); err == nil {
			info, err = l.read(ctx)
		}
	}
	switch {
	case err != nil:
		return err
	case info == nil || info.GroupID != id:
		return l.lose("the placement group was deleted")
	case info.Holder != l.opts.Holder:
		return l.lose(fmt.Sprintf("run %q took it over", info.Holder))
	}
	return nil
}

// Release stops renewing and deletes the lease's placement group if this
// run still holds it. It returns the *LostError when the lease was lost.
func (l *Lease) Release(ctx context.Context) error {
	if l.stop != nil {
		close(l.stop)
		<-l.done
		l.stop = nil
	}
	l.mu.Lock()
	lost, id, valid, released := l.lost, l.groupID, l.validUntil, l.released
	l.mu.Unlock()
	if released {
		return nil
	}
	if lost != nil {
		return lost
	}
	if !l.opts.Now().Before(valid.Add(-l.opts.TTL / 4)) {
		// Another run may have taken it over by now: leave it.
		return l.lose(fmt.Sprintf("it was not renewed in time (it expired at %s)", valid.Format(time.RFC3339)))
	}
	if err := l.stillHeld(ctx, id); err != nil {
		return err
	}
	_, err := l.api.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String(l.scope.Name())})
	if err != nil && errorCode(err) != "InvalidPlacementGroup.Unknown" {
		return l.callError("releasing", err)
	}
	l.mu.Lock()
	l.released = true
	l.mu.Unlock()
	return nil
}

// Peek reads a project's lease without taking it: the holder while it is
// held and unexpired, else nil. It is for read-only commands that note a
// lease.
func Peek(ctx context.Context, api EC2API, scope Scope, now time.Time) (*Info, error) {
	l := &Lease{api: api, scope: scope}
	info, err := l.read(ctx)
	if err != nil || info == nil || !info.Ours || info.Holder == "" || !now.Before(info.Expires) {
		return nil, err
	}
	return info, nil
}

// read returns the lease's placement group, or nil when there is none.
func (l *Lease) read(ctx context.Context) (*Info, error) {
	name := l.scope.Name()
	out, err := l.api.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{GroupNames: []string{name}})
	if errorCode(err) == "InvalidPlacementGroup.Unknown" {
		return nil, nil
	}
	if err != nil {
		return nil, l.callError("reading", err)
	}
	for _, pg := range out.PlacementGroups {
		if aws.ToString(pg.GroupName) != name {
			continue
		}
		if pg.State == types.PlacementGroupStateDeleting || pg.State == types.PlacementGroupStateDeleted {
			return nil, nil
		}
		return l.info(pg), nil
	}
	return nil, nil
}

// info is what a placement group of the project says as a lease.
func (l *Lease) info(pg types.PlacementGroup) *Info {
	info := &Info{GroupID: aws.ToString(pg.GroupId), Name: aws.ToString(pg.GroupName)}
	for _, t := range pg.Tags {
		switch aws.ToString(t.Key) {
		case TagProject:
			info.Ours = aws.ToString(t.Value) == l.scope.Project
		case TagHolder:
			info.Holder = aws.ToString(t.Value)
		case TagExpires:
			// An unreadable expiry counts as expired.
			info.Expires, _ = time.Parse(time.RFC3339, aws.ToString(t.Value))
		case TagShard:
			info.Shard, info.ShardKnown = aws.ToString(t.Value), true
		}
	}
	return info
}

func (l *Lease) callError(doing string, err error) error {
	return fmt.Errorf("%s the lease (%s): %w", doing, l.scope.where(), err)
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func isNotFound(err error) bool {
	c := errorCode(err)
	return c == "InvalidPlacementGroupId.NotFound" || c == "InvalidPlacementGroup.Unknown" || c == "InvalidID"
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
