package campaign

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/sandbox"
)

// MaxApplies is how many applies a run may take before it counts as not
// converged.
const MaxApplies = 5

// Env is one sandbox behind a Proxy, served over real HTTP on loopback,
// with a scratch directory for manifests.
type Env struct {
	SB      *sandbox.Sandbox
	Proxy   *Proxy
	URL     string
	Reader  *Reader
	Options sandbox.Options
	Dir     string
	srv     *httptest.Server
	// seeded is the proxy's count of mutating calls when SeedForeign
	// finished.
	seeded int
}

// NewEnv starts a sandbox with o behind a proxy that resets resetAfter of
// the calls after carrying them out.
func NewEnv(o sandbox.Options, resetAfter float64) (*Env, error) {
	sb, err := sandbox.New(sandbox.DefaultWorld(), o)
	if err != nil {
		return nil, err
	}
	px := NewProxy(sb, o.Seed+1)
	px.ResetAfterRate = resetAfter
	srv := httptest.NewServer(px)
	dir, err := os.MkdirTemp("", "plink-campaign-")
	if err != nil {
		srv.Close()
		return nil, err
	}
	rd, err := NewReader(sb, srv.URL)
	if err != nil {
		srv.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	return &Env{SB: sb, Proxy: px, URL: srv.URL, Reader: rd, Options: o, Dir: dir, srv: srv}, nil
}

// Close stops the server and removes the scratch directory.
func (e *Env) Close() {
	e.srv.CloseClientConnections()
	e.srv.Close()
	os.RemoveAll(e.Dir)
}

// Write writes t's manifest into the scratch directory and returns its path.
func (e *Env) Write(t Topology, name string) (string, error) {
	p := filepath.Join(e.Dir, name)
	return p, os.WriteFile(p, []byte(t.YAML()), 0o600)
}

// ErrPlanErrors marks a plan with error diagnostics: the generator made a
// manifest plink refuses, a bug of the campaign, not of plink.
var ErrPlanErrors = errors.New("the plan has errors")

// Pipeline is plink's pipeline for one manifest against the Env, as the
// CLI runs it: credentials verified, live state read, a plan computed,
// applied, and live state read again to confirm.
type Pipeline struct {
	env  *Env
	path string
	m    *manifest.Manifest
}

// Pipeline loads the manifest at path.
func (e *Env) Pipeline(path string) (*Pipeline, error) {
	m, err := manifest.Load(path)
	if err != nil {
		return nil, err
	}
	return &Pipeline{env: e, path: path, m: m}, nil
}

func (pl *Pipeline) resolver(ctx context.Context) (*awsenv.Resolver, error) {
	key, secret, err := pl.env.SB.OperatorCredentials()
	if err != nil {
		return nil, err
	}
	return awsenv.New(ctx, pl.m, awsenv.Options{Endpoint: pl.env.URL,
		BaseCredentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
}

// Plan reads live state and plans, as 'plink plan' does.
func (pl *Pipeline) Plan(ctx context.Context) (*plan.Plan, *live.Snapshot, *awsenv.Resolver, error) {
	r, err := pl.resolver(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := r.Verify(ctx); err != nil {
		return nil, nil, nil, err
	}
	snap, err := live.Read(ctx, pl.m, r, live.ReadOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	p := plan.Compute(pl.m, snap, plan.Options{})
	if p.HasErrors() {
		var msgs []string
		for _, d := range p.Diagnostics {
			if d.Severity == plan.SeverityError {
				msgs = append(msgs, fmt.Sprintf("%s %s: %s", d.Code, d.Address, d.Message))
			}
		}
		return p, snap, r, fmt.Errorf("%w: %s", ErrPlanErrors, strings.Join(msgs, "; "))
	}
	return p, snap, r, nil
}

// Left lists what a plan still would do, and what keeps it from meaning
// "matches" (plan.Unsettled), empty when live state matches the manifest.
func Left(p *plan.Plan, snap *live.Snapshot) []string {
	var out []string
	for _, c := range p.Changes {
		if c.Action != plan.NoOp {
			out = append(out, fmt.Sprintf("%s: %s", c.Address, c.Action))
		}
	}
	return append(out, plan.Unsettled(p, snap)...)
}

// ApplyOptions are apply.Run's options in the campaign: the CLI's against
// AWS (paced to AWS's buckets), with a shorter poll interval.
func ApplyOptions() apply.Options {
	return apply.Options{Pace: true, PollInterval: 250 * time.Millisecond,
		ServiceTimeout: 3 * time.Minute, EndpointTimeout: 3 * time.Minute, DeleteTimeout: 3 * time.Minute, Heartbeat: -1}
}

// Apply is one 'plink apply --auto-approve': plan, apply the changes, and
// confirm with a fresh plan. It reports whether live state then matches
// the manifest, and if not, why.
func (pl *Pipeline) Apply(ctx context.Context) (converged bool, why string, err error) {
	p, snap, r, err := pl.Plan(ctx)
	if err != nil {
		return false, "", err
	}
	if p.HasChanges() {
		if _, err := apply.Run(ctx, p, apply.FromClientSource(r), ApplyOptions()); err != nil {
			return false, "", fmt.Errorf("apply: %w", err)
		}
		if p, snap, _, err = pl.Plan(ctx); err != nil {
			return false, "", fmt.Errorf("confirm: %w", err)
		}
	}
	if left := Left(p, snap); len(left) > 0 {
		return false, strings.Join(left, "; "), nil
	}
	return true, "", nil
}

// Converge applies until live state matches the manifest, at most
// MaxApplies times, and returns how many applies it took. errs collects
// why each apply that did not converge did not.
func (pl *Pipeline) Converge(ctx context.Context) (applies int, errs []string, err error) {
	for applies < MaxApplies {
		applies++
		ok, why, err := pl.Apply(ctx)
		switch {
		case errors.Is(err, ErrPlanErrors):
			return applies, errs, err
		case err != nil:
			errs = append(errs, err.Error())
		case ok:
			return applies, errs, nil
		default:
			errs = append(errs, "not converged: "+why)
		}
		if ctx.Err() != nil {
			return applies, errs, ctx.Err()
		}
	}
	return applies, errs, fmt.Errorf("not converged after %d applies: %s", applies, strings.Join(errs, " | "))
}

// Matches reports whether a fresh plan of the manifest at path has
// nothing to do, after the sandbox's consistency delay has passed.
func (e *Env) Matches(ctx context.Context, path string) (string, error) {
	time.Sleep(e.Options.ConsistencyDelay)
	pl, err := e.Pipeline(path)
	if err != nil {
		return "", err
	}
	p, snap, _, err := pl.Plan(ctx)
	if err != nil {
		return "", err
	}
	return strings.Join(Left(p, snap), "; "), nil
}

// between draws a duration uniformly in [lo, hi].
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int63n(int64(hi-lo)+1))
}
