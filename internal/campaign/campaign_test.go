package campaign

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plinkdev/plink/internal/cli"
	"github.com/plinkdev/plink/internal/iostreams"
)

// childEnv marks a process started by a kill run: the test binary is then
// plink itself (as cmd/plink's main), a separate process to SIGKILL.
const childEnv = "PLINK_CAMPAIGN_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		sigs := make(chan os.Signal, 2)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		os.Exit(cli.Run(os.Args[1:], iostreams.System(), os.Getenv, sigs, os.Exit))
	}
	os.Exit(m.Run())
}

// The campaign's bounds. The defaults are the small campaign that runs in
// 'go test ./...' (CI); docs/RELIABILITY.md gives the full one's command.
var (
	flagFaults    = flag.Int("campaign.faults", -1, "fault runs (default 1, 0 with -short)")
	flagKills     = flag.Int("campaign.kills", -1, "kill points (default 2, 1 with -short)")
	flagPairs     = flag.Int("campaign.pairs", -1, "concurrent pairs of each kind (default 1, 0 with -short)")
	flagSeed      = flag.Int64("campaign.seed", 1, "seed of the first run")
	flagBudget    = flag.Duration("campaign.budget", 0, "no run starts after this wall time (default 20s)")
	flagParallel  = flag.Int("campaign.parallel", 6, "runs at once, each with its own sandbox")
	flagWaitLease = flag.Bool("campaign.waitlease", false, "every other kill run waits for the killed run's lease to expire (2m) instead of breaking it")
)

func pick(v, normal, short int) int {
	switch {
	case v >= 0:
		return v
	case testing.Short():
		return short
	}
	return normal
}

// plinkChild runs this test binary as plink.
func plinkChild(t *testing.T) Plink {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PLINK_") && !strings.HasPrefix(kv, "GOCOVERDIR=") {
			env = append(env, kv)
		}
	}
	return Plink{Argv: []string{exe}, Env: append(env, childEnv+"=1")}
}

// TestCampaign runs the reliability campaign: fault runs, kill points and
// concurrent pairs, each checked for convergence, duplicates, losses,
// foreign resources touched and declared endpoints rejected. It fails on
// any violated invariant and prints the table of figures.
func TestCampaign(t *testing.T) {
	budget := *flagBudget
	if budget == 0 {
		budget = 20 * time.Second
	}
	cfg := Config{
		Faults: pick(*flagFaults, 1, 0), Kills: pick(*flagKills, 2, 1), Pairs: pick(*flagPairs, 1, 0),
		Seed: *flagSeed, Budget: budget, Parallel: *flagParallel, Plink: plinkChild(t), WaitLease: *flagWaitLease,
		Progress: func(r Result) {
			if r.Failed() || testing.Verbose() {
				t.Log(r.String())
			}
		},
	}
	start := time.Now()
	results := Run(context.Background(), cfg)
	figs := Summarize(results)
	var b strings.Builder
	if err := WriteTable(&b, figs, time.Since(start)); err != nil {
		t.Fatal(err)
	}
	t.Logf("campaign: %d fault runs, %d kill points, %d pairs of each kind, seed %d, budget %s, %d at once\n%s",
		cfg.Faults, cfg.Kills, cfg.Pairs, cfg.Seed, cfg.Budget, cfg.Parallel, b.String())
	for _, r := range results {
		if r.Failed() {
			t.Errorf("run failed:\n%s", r)
		}
	}
	if len(results) == 0 {
		t.Fatal("no run finished within the budget")
	}
}
