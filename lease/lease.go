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
// It calls only CreatePlacementGroup, DescribePlacementGroups,
// DeletePlacementGroup, CreateTags and DeleteTags, on that one group, and
// never changes a placement group that lacks the project's tag. It does
// not print: waits and losses are reported through Options and errors.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
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

// EC2API is the part of the EC2 client the lease uses.
type EC2API interface {
	CreatePlacementGroup(context.Context, *ec2.CreatePlacementGroupInput, ...func(*ec2.Options)) (*ec2.CreatePlacementGroupOutput, error)
	DescribePlacementGroups(context.Context, *ec2.DescribePlacementGroupsInput, ...func(*ec2.Options)) (*ec2.DescribePlacementGroupsOutput, error)
	DeletePlacementGroup(context.Context, *ec2.DeletePlacementGroupInput, ...func(*ec2.Options)) (*ec2.DeletePlacementGroupOutput, error)
	CreateTags(context.Context, *ec2.CreateTagsInput, ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DeleteTags(context.Context, *ec2.DeleteTagsInput, ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error)
}

// Scope is where a project's lease lives.
type Scope struct {
	Project string
	// Account names the account in messages, e.g. "payments (111111111111)".
	Account string
	Region  string
}

func (s Scope) where() string {
	return fmt.Sprintf("placement group %s in account %s region %s", Name(s.Project), s.Account, s.Region)
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
	msg := fmt.Sprintf("project %s is locked by another run: %s holds the lease (%s)", e.Scope.Project, who, e.Scope.where())
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
	return fmt.Sprintf("lost the lease of project %s (%s): %s", e.Scope.Project, e.Scope.where(), e.Why)
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

// Acquire takes the project's lease: it creates the placement group, or
// takes over one that is free or expired. A lease another run holds is
// waited for up to Options.Wait, then reported as a *HeldError.
func Acquire(ctx context.Context, api EC2API, scope Scope, opts Options) (*Lease, error) {
	o := opts.withDefaults()
	l := &Lease{api: api, scope: scope, opts: o}
	start := time.Now()
	waiting := false
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
		if !waiting && o.Waiting != nil && busy.Holder != "" {
			o.Waiting(*busy)
			waiting = true
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
	out, err := l.api.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{
		GroupName: aws.String(Name(l.scope.Project)),
		Strategy:  types.PlacementStrategySpread,
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypePlacementGroup, Tags: []types.Tag{
			{Key: aws.String(TagProject), Value: aws.String(l.scope.Project)},
			{Key: aws.String(TagHolder), Value: aws.String(l.opts.Holder)},
			{Key: aws.String(TagExpires), Value: aws.String(exp.Format(time.RFC3339Nano))},
		}}},
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
	_, err := l.api.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String(Name(l.scope.Project))})
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
	out, err := l.api.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{GroupNames: []string{Name(l.scope.Project)}})
	if errorCode(err) == "InvalidPlacementGroup.Unknown" {
		return nil, nil
	}
	if err != nil {
		return nil, l.callError("reading", err)
	}
	for _, pg := range out.PlacementGroups {
		if aws.ToString(pg.GroupName) != Name(l.scope.Project) {
			continue
		}
		if pg.State == types.PlacementGroupStateDeleting || pg.State == types.PlacementGroupStateDeleted {
			return nil, nil
		}
		info := &Info{GroupID: aws.ToString(pg.GroupId)}
		for _, t := range pg.Tags {
			switch aws.ToString(t.Key) {
			case TagProject:
				info.Ours = aws.ToString(t.Value) == l.scope.Project
			case TagHolder:
				info.Holder = aws.ToString(t.Value)
			case TagExpires:
				// An unreadable expiry counts as expired.
				info.Expires, _ = time.Parse(time.RFC3339, aws.ToString(t.Value))
			}
		}
		return info, nil
	}
	return nil, nil
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
