package campaign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
)

// Result is one run of the campaign.
type Result struct {
	Kind string // KindFaults, KindKills, KindPairSame or KindPairTwo
	Seed int64
	// Topologies are the manifests applied, in order.
	Topologies []string
	// Applies counts the applies each convergence took: per step for fault
	// runs (initial, then update), the re-applies after the kill for kill
	// runs, per side for pairs.
	Applies []int
	// Killed says a kill run's apply was killed; KillPoint where.
	Killed    bool
	KillPoint string
	Verdict   Verdict
	// Err is a run that could not be carried out or checked, or did not
	// converge within MaxApplies; ApplyErrors say why applies failed.
	Err         error
	ApplyErrors []string
	Took        time.Duration
}

// Run kinds.
const (
	KindFaults   = "faults"
	KindKills    = "kills"
	KindPairSame = "pairs (same manifest)"
	KindPairTwo  = "pairs (two projects)"
)

// Failed reports whether the run broke an invariant or did not converge.
func (r Result) Failed() bool { return r.Err != nil || !r.Verdict.OK() }

func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s seed %d: applies %v", r.Kind, r.Seed, r.Applies)
	if r.KillPoint != "" {
		fmt.Fprintf(&b, ", kill %s (killed: %t)", r.KillPoint, r.Killed)
	}
	fmt.Fprintf(&b, ", %s", r.Took.Round(time.Millisecond))
	for _, t := range r.Topologies {
		b.WriteString("\n  topology " + t)
	}
	if r.Err != nil {
		b.WriteString("\n  error: " + r.Err.Error())
	}
	for _, p := range r.Verdict.Problems {
		b.WriteString("\n  violated: " + p)
	}
	for _, e := range r.ApplyErrors {
		b.WriteString("\n  apply: " + e)
	}
	return b.String()
}

// FaultOptions are the sandbox options of a fault run with seed: throttling
// at 0.3 of AWS's buckets, 10% 5xx, 1% resets before the sandbox carries a
// call out (the proxy adds 1% after), and random consistency and
// transition delays.
func FaultOptions(rng *rand.Rand, seed int64) sandbox.Options {
	return sandbox.Options{Throttle: true, ThrottleScale: 0.3, ErrorRate: 0.1, ResetRate: 0.01,
		ConsistencyDelay:       between(rng, 0, 1500*time.Millisecond),
		EndpointAvailableDelay: between(rng, 200*time.Millisecond, 3*time.Second),
		ServiceAvailableDelay:  between(rng, 0, 2*time.Second),
		ServiceDeleteDelay:     between(rng, 0, 2*time.Second),
		AutoVerifyPrivateDNS:   true, Seed: seed}
}

// ResetAfterRate is the proxy's share of resets in fault runs: after the
// sandbox carried the call out.
const ResetAfterRate = 0.01

func allNLBs() []int { return []int{0, 1, 2, 3} }

func unused(ts ...Topology) []int {
	var free []int
	for i := range NLBs {
		if !slices.ContainsFunc(ts, func(t Topology) bool {
			return slices.ContainsFunc(t.Providers, func(p Provider) bool { return p.NLB == i })
		}) {
			free = append(free, i)
		}
	}
	return free
}

// FaultRun applies a random topology under faults until it converges,
// then, every other run, a random update of it, and checks the invariants.
func FaultRun(ctx context.Context, seed int64) (res Result) {
	start := time.Now()
	res = Result{Kind: KindFaults, Seed: seed}
	defer func() { res.Took = time.Since(start) }()
	rng := rand.New(rand.NewSource(seed))
	env, err := NewEnv(FaultOptions(rng, seed), ResetAfterRate)
	if err != nil {
		res.Err = err
		return res
	}
	defer env.Close()
	project := fmt.Sprintf("campaign-%d", seed)
	t := Generate(rng, project, allNLBs())
	foreign, err := env.SeedForeign(ctx, rng, unused(t))
	if err != nil {
		res.Err = err
		return res
	}
	exp := Expect{Project: project, Topology: t}
	path, err := env.step(ctx, &res, t, "initial.yaml")
	if err == nil && rng.Intn(2) == 0 {
		next := t.Mutate(rng)
		exp = Expect{Project: project, Topology: next}
		if exp.Keep, err = env.keep(ctx, project, t, next); err == nil {
			path, err = env.step(ctx, &res, next, "update.yaml")
		}
	}
	if err != nil {
		res.Err = err
		return res
	}
	env.finish(ctx, &res, []string{path}, []Expect{exp}, foreign)
	return res
}

// step writes t and converges on it in process, recording the applies.
func (e *Env) step(ctx context.Context, res *Result, t Topology, name string) (string, error) {
	res.Topologies = append(res.Topologies, t.String())
	path, err := e.Write(t, name)
	if err != nil {
		return "", err
	}
	pl, err := e.Pipeline(path)
	if err != nil {
		return "", err
	}
	n, errs, err := pl.Converge(ctx)
	res.Applies = append(res.Applies, n)
	res.ApplyErrors = append(res.ApplyErrors, errs...)
	return path, err
}

// keep returns the ids that must survive the update from a to b: names
// both declare whose change in b's plan is not a replace.
func (e *Env) keep(ctx context.Context, project string, a, b Topology) (map[string]string, error) {
	path, err := e.Write(b, "preview.yaml")
	if err != nil {
		return nil, err
	}
	pl, err := e.Pipeline(path)
	if err != nil {
		return nil, err
	}
	p, _, _, err := pl.Plan(ctx)
	if err != nil {
		return nil, fmt.Errorf("planning the update: %w", err)
	}
	var replaced []string
	for _, c := range p.Changes {
		if c.Action == plan.Replace {
			_, name, _ := strings.Cut(c.Address, ".")
			replaced = append(replaced, name)
		}
	}
	return e.KeepIDs(ctx, project, a, b, replaced)
}

// finish checks that each manifest plans no change and the invariants.
func (e *Env) finish(ctx context.Context, res *Result, paths []string, exps []Expect, foreign Foreign) {
	for _, p := range paths {
		left, err := e.Matches(ctx, p)
		if err != nil {
			res.Err = fmt.Errorf("final plan: %w", err)
			return
		}
		if left != "" {
			res.Verdict.add(&res.Verdict.NotConverged, "a fresh plan of %s still has: %s", p, left)
		}
	}
	v, err := e.Check(ctx, exps, foreign)
	if err != nil {
		res.Err = fmt.Errorf("check: %w", err)
		return
	}
	res.Verdict.Duplicates += v.Duplicates
	res.Verdict.Lost += v.Lost
	res.Verdict.ForeignTouched += v.ForeignTouched
	res.Verdict.DeclaredRejected += v.DeclaredRejected
	res.Verdict.NotConverged += v.NotConverged
	res.Verdict.Problems = append(res.Verdict.Problems, v.Problems...)
}

// PairOptions are the sandbox options of a pair run: 5% 5xx, AWS's
// throttling buckets, random consistency and transition delays.
func PairOptions(rng *rand.Rand, seed int64) sandbox.Options {
	return sandbox.Options{Throttle: true, ErrorRate: 0.05,
		ConsistencyDelay:       between(rng, 0, time.Second),
		EndpointAvailableDelay: between(rng, 200*time.Millisecond, 2*time.Second),
		ServiceAvailableDelay:  between(rng, 0, time.Second),
		ServiceDeleteDelay:     between(rng, 0, time.Second),
		AutoVerifyPrivateDNS:   true, Seed: seed}
}

// PairRun runs two applies at once: of one manifest (same) or of two
// projects on disjoint load balancers in the same accounts and VPCs. Every
// provider rejects undeclared connections, the setting under which a stale
// view would reject the other run's endpoints. Every other run the pair
// applies an update of topologies applied before.
func PairRun(ctx context.Context, seed int64, same bool) (res Result) {
	start := time.Now()
	res = Result{Kind: KindPairTwo, Seed: seed}
	if same {
		res.Kind = KindPairSame
	}
	defer func() { res.Took = time.Since(start) }()
	rng := rand.New(rand.NewSource(seed))
	env, err := NewEnv(PairOptions(rng, seed), 0)
	if err != nil {
		res.Err = err
		return res
	}
	defer env.Close()
	var ts []Topology
	if same {
		ts = []Topology{Generate(rng, fmt.Sprintf("pair-%d", seed), allNLBs())}
	} else {
		lbs := allNLBs()
		rng.Shuffle(len(lbs), func(i, j int) { lbs[i], lbs[j] = lbs[j], lbs[i] })
		ts = []Topology{Generate(rng, fmt.Sprintf("pair-a-%d", seed), lbs[:2]), Generate(rng, fmt.Sprintf("pair-b-%d", seed), lbs[2:])}
	}
	for i := range ts {
		for j := range ts[i].Providers {
			ts[i].Providers[j].RejectUndeclared = true
		}
	}
	foreign, err := env.SeedForeign(ctx, rng, unused(ts...))
	if err != nil {
		res.Err = err
		return res
	}
	exps := make([]Expect, len(ts))
	if rng.Intn(2) == 0 {
		// An update: converge on the first topologies one at a time, then
		// race on their mutations.
		for i, t := range ts {
			if _, err := env.step(ctx, &res, t, fmt.Sprintf("before-%d.yaml", i)); err != nil {
				res.Err = err
				return res
			}
		}
		for i, t := range ts {
			next := t.Mutate(rng)
			for j := range next.Providers {
				next.Providers[j].RejectUndeclared = true
			}
			keep, err := env.keep(ctx, t.Project, t, next)
			if err != nil {
				res.Err = err
				return res
			}
			ts[i], exps[i].Keep = next, keep
		}
	}
	var paths []string
	for i, t := range ts {
		exps[i].Project, exps[i].Topology = t.Project, t
		res.Topologies = append(res.Topologies, t.String())
		p, err := env.Write(t, fmt.Sprintf("pair-%d.yaml", i))
		if err != nil {
			res.Err = err
			return res
		}
		paths = append(paths, p)
	}
	sides := []string{paths[0], paths[len(paths)-1]} // same: one manifest twice
	applies := make([]int, 2)
	errs := make([][]string, 2)
	runErrs := make([]error, 2)
	var wg sync.WaitGroup
	startLine := make(chan struct{})
	for i, p := range sides {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pl, err := env.Pipeline(p)
			if err != nil {
				runErrs[i] = err
				return
			}
			<-startLine
			applies[i], errs[i], runErrs[i] = pl.Converge(ctx)
		}()
	}
	close(startLine)
	wg.Wait()
	res.Applies = append(res.Applies, applies...)
	res.ApplyErrors = append(res.ApplyErrors, append(errs[0], errs[1]...)...)
	if err := errors.Join(runErrs...); err != nil {
		res.Err = err
		return res
	}
	env.finish(ctx, &res, paths, exps, foreign)
	return res
}

// KillOptions are the sandbox options of a kill run: no injected errors
// (the kill is the fault), random consistency and transition delays.
func KillOptions(rng *rand.Rand, seed int64) sandbox.Options {
	return sandbox.Options{
		ConsistencyDelay:       between(rng, 0, time.Second),
		EndpointAvailableDelay: between(rng, 200*time.Millisecond, 1500*time.Millisecond),
		ServiceAvailableDelay:  between(rng, 0, time.Second),
		ServiceDeleteDelay:     between(rng, 0, time.Second),
		AutoVerifyPrivateDNS:   true, Seed: seed}
}

// Plink runs plink as a child process: Argv is the command line up to the
// plink arguments, Env its environment before the sandbox's.
type Plink struct {
	Argv []string
	Env  []string
}

func (p Plink) command(ctx context.Context, env *Env, args ...string) (*exec.Cmd, *bytes.Buffer, error) {
	key, secret, err := env.SB.OperatorCredentials()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, p.Argv[0], append(slices.Clone(p.Argv[1:]), args...)...)
	cmd.Env = append(slices.Clone(p.Env), "HOME="+env.Dir, "XDG_CONFIG_HOME="+env.Dir,
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL="+env.URL, "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_REGION=us-east-1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = env.Dir
	return cmd, &out, nil
}

// applyArgs are the child's apply arguments: --detailed-exitcode, so that
// exit 0 means live state matches the manifest.
func applyArgs(path string) []string {
	return []string{"apply", "--auto-approve", "--detailed-exitcode", "--wait-timeout", "2m", "-f", path}
}

// KillRun runs 'plink apply' as a child process and SIGKILLs it at a
// random point: at the k-th mutating call, either before the sandbox sees
// it or after the sandbox carried it out and before the reply, or after a
// random delay. Every other run the kill hits the update of a topology
// applied before rather than its initial creates. Then plink apply runs
// again, as a child, until it exits 0, and the invariants are checked.
//
// The killed run's lease stays until it expires (lease.DefaultTTL): with
// waitLease the re-apply waits for it (--lock-timeout), otherwise the
// campaign deletes it first, as an operator who knows the run is dead
// would. Every apply that exits 0 must have released its lease.
func KillRun(ctx context.Context, seed int64, plink Plink, waitLease bool) (res Result) {
	start := time.Now()
	res = Result{Kind: KindKills, Seed: seed}
	defer func() { res.Took = time.Since(start) }()
	rng := rand.New(rand.NewSource(seed))
	env, err := NewEnv(KillOptions(rng, seed), 0)
	if err != nil {
		res.Err = err
		return res
	}
	defer env.Close()
	project := fmt.Sprintf("kill-%d", seed)
	t := Generate(rng, project, allNLBs())
	foreign, err := env.SeedForeign(ctx, rng, unused(t))
	if err != nil {
		res.Err = err
		return res
	}
	exp := Expect{Project: project, Topology: t}
	phase := "create"
	if rng.Intn(2) == 0 {
		phase = "update"
		if _, err := env.step(ctx, &res, t, "initial.yaml"); err != nil {
			res.Err = err
			return res
		}
		next := t.Mutate(rng)
		if exp.Keep, err = env.keep(ctx, project, t, next); err != nil {
			res.Err = err
			return res
		}
		t, exp.Topology = next, next
		res.Applies = nil
	}
	res.Topologies = append(res.Topologies, t.String())
	path, err := env.Write(t, "target.yaml")
	if err != nil {
		res.Err = err
		return res
	}
	cmd, out, err := plink.command(ctx, env, applyArgs(path)...)
	if err != nil {
		res.Err = err
		return res
	}
	var (
		mu             sync.Mutex
		killed, exited bool
		killAction     string
	)
	kill := func() {
		mu.Lock()
		defer mu.Unlock()
		if !killed && !exited && cmd.Process != nil && cmd.Process.Kill() == nil {
			killed = true
		}
	}
	delay := time.Duration(-1)
	if rng.Intn(3) < 2 {
		k := 1 + rng.Intn(8)
		after := rng.Intn(2) == 0
		res.KillPoint = fmt.Sprintf("%s, mutating call %d, before the sandbox sees it", phase, k)
		if after {
			res.KillPoint = fmt.Sprintf("%s, mutating call %d, after the sandbox carried it out", phase, k)
		}
		env.Proxy.mu.Lock()
		k += env.Proxy.seq // counted from the child's first mutating call
		env.Proxy.Hook = func(seq int, action string) HookAction {
			if seq != k {
				return Pass
			}
			mu.Lock()
			killAction = action
			mu.Unlock()
			if after {
				return ServeThenDrop
			}
			kill()
			return Drop
		}
		env.Proxy.AfterServe = func(int) { kill() }
		env.Proxy.mu.Unlock()
	} else {
		delay = between(rng, 0, 4*time.Second)
		res.KillPoint = fmt.Sprintf("%s, %s after the start", phase, delay.Round(time.Millisecond))
	}
	mu.Lock() // cmd.Process is set by Start
	err = cmd.Start()
	mu.Unlock()
	if err != nil {
		res.Err = err
		return res
	}
	if delay >= 0 {
		timer := time.AfterFunc(delay, kill)
		defer timer.Stop()
	}
	werr := cmd.Wait()
	env.Proxy.mu.Lock()
	env.Proxy.Hook, env.Proxy.AfterServe = nil, nil
	env.Proxy.mu.Unlock()
	mu.Lock()
	exited = true // a timer firing now kills nothing
	if killAction != "" {
		res.KillPoint += " (" + killAction + ")"
	}
	res.Killed = killed
	mu.Unlock()
	if !res.Killed && werr != nil {
		res.ApplyErrors = append(res.ApplyErrors, fmt.Sprintf("unkilled apply: %v\n%s", werr, out.String()))
	}
	if !res.Killed && werr == nil {
		env.checkLease(ctx, &res, project, "the apply the kill did not reach")
	}
	if res.Killed && !waitLease {
		// The operator knows the run was killed and breaks its lease, as
		// the lock error's hint says.
		if err := env.breakLease(ctx, project); err != nil {
			res.Err = err
			return res
		}
	}
	// Re-apply until plink says live state matches the manifest, waiting
	// for the killed run's lease (package lease) to expire unless it was
	// broken above.
	n := 0
	for n < MaxApplies {
		n++
		cmd, out, err := plink.command(ctx, env, append(applyArgs(path), "--lock-timeout", "3m")...)
		if err != nil {
			res.Err = err
			return res
		}
		if err := cmd.Run(); err == nil {
			env.checkLease(ctx, &res, project, fmt.Sprintf("re-apply %d", n))
			break
		} else {
			res.ApplyErrors = append(res.ApplyErrors, fmt.Sprintf("re-apply %d: %v\n%s", n, err, out.String()))
		}
		if n == MaxApplies {
			res.Applies = append(res.Applies, n)
			res.Err = fmt.Errorf("not converged after %d re-applies", n)
			return res
		}
	}
	res.Applies = append(res.Applies, n)
	env.finish(ctx, &res, []string{path}, []Expect{exp}, foreign)
	return res
}

// leases returns the project's lease placement groups in every account
// and region, after the consistency delay.
func (e *Env) leases(ctx context.Context, project string) ([]string, error) {
	time.Sleep(e.Options.ConsistencyDelay)
	var out []string
	for _, a := range accounts {
		for _, region := range regions {
			got, err := e.Reader.EC2(a.alias, region).DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{})
			if err != nil {
				return nil, fmt.Errorf("campaign: DescribePlacementGroups in %s/%s: %w", a.alias, region, err)
			}
			for _, pg := range got.PlacementGroups {
				if aws.ToString(pg.GroupName) == lease.Name(project) {
					out = append(out, a.alias+"/"+region)
				}
			}
		}
	}
	return out, nil
}

// checkLease counts a lease that an apply which exited 0 left behind: it
// blocks the project's next run until it expires.
func (e *Env) checkLease(ctx context.Context, res *Result, project, which string) {
	left, err := e.leases(ctx, project)
	if err != nil {
		res.Err = err
		return
	}
	if len(left) > 0 {
		res.Verdict.add(&res.Verdict.LeasesLeft, "%s exited 0 but left the lease %s in %v", which, lease.Name(project), left)
	}
}

// breakLease deletes the project's lease wherever it is.
func (e *Env) breakLease(ctx context.Context, project string) error {
	for _, a := range accounts {
		for _, region := range regions {
			_, err := e.Reader.EC2(a.alias, region).DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String(lease.Name(project))})
			var ae smithy.APIError
			if err != nil && !(errors.As(err, &ae) && ae.ErrorCode() == "InvalidPlacementGroup.Unknown") {
				return fmt.Errorf("campaign: breaking the lease in %s/%s: %w", a.alias, region, err)
			}
		}
	}
	return nil
}
