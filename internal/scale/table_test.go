package scale

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
)

// The table of docs/scale.md is one command:
//
//	go test ./internal/scale -run TestScaleTable -v -timeout 2h \
//	    -scale.sizes=40,400,2000,10000,50000 -scale.apply=10000
//
// Without flags it is a smoke test of the smallest size (and -short makes
// that smaller still), so CI runs every column's code.
var (
	tableSizes = flag.String("scale.sizes", "", "comma-separated consumer counts for TestScaleTable (default: a smoke size)")
	tableApply = flag.Int("scale.apply", 2000, "TestScaleTable applies sizes up to this many consumers; larger ones are planned only and apply is extrapolated")
	tableOut   = flag.String("scale.out", "", "also write TestScaleTable's markdown table to this file")
	applyLog   = flag.String("scale.applylog", "", "write each apply's JSON event stream to FILE-N.jsonl, its stderr to FILE-N.stderr, the applied plan's to FILE-N-plan.stderr and the empty world's plan's to FILE-N-empty.stderr, with PLINK_TRACE=phases (N consumers), to break their wall time down")
)

// Model constants of the bounds (AWS's EC2 request-rate buckets, as the
// sandbox's Throttle option enforces them, and plink's read concurrency).
const (
	latency            = 20 * time.Millisecond
	nonMutatingBurst   = 100.0
	nonMutatingRate    = 20.0
	endpointBurst      = 4.0
	endpointRate       = 0.3
	serviceBurst       = 10.0
	serviceRate        = 1.0
	acceptBurst        = 10.0
	acceptRate         = 1.0
	stsBurst           = 100.0 // the operator's AssumeRole bucket (sandbox; AWS publishes none)
	stsRate            = 20.0
	readPerScope       = 4  // live.ReadOptions.PerScope default
	readConcurrency    = 16 // live.ReadOptions.Concurrency default
	terraformStartup   = 4.7
	terraformFixed     = 11
	terraformPerSvc    = 2
	terraformPerEP     = 2
	terraformPerLB     = 3
	terraformMemoryMin = 570
	terraformMemoryMax = 625
)

// tableSize is the topology at a number of consumers: the shape,
// 50 consumers and 12.5 providers per account (one account below 50).
func tableSize(consumers int) size {
	return size{accounts: max(1, consumers/50), providers: max(1, consumers/4), consumers: consumers}
}

// row is one line of the table.
type row struct {
	sz                            size
	validate                      time.Duration
	planEmpty, planApplied        time.Duration
	planAppliedRead               time.Duration // the default plan: no PL116 reads with nothing to change
	healthCalls                   int           // lint PL116's target-health reads
	rssEmpty, rssApplied          int64         // KiB
	callsApplied, boundApplied    int
	callsEmpty, boundEmpty        int
	planBound                     time.Duration
	apply                         time.Duration // 0: not applied
	applyBound                    time.Duration
	busiestEP, busiestSvc, busAcc int
	terraform                     int
}

func TestScaleTable(t *testing.T) {
	// The smoke sizes apply within the endpoint bucket's burst (-short) or
	// a little beyond it (about 15 s of paced creates).
	sizes := []int{8}
	if testing.Short() {
		sizes = []int{4}
	}
	if *tableSizes != "" {
		sizes = nil
		for _, s := range strings.Split(*tableSizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 {
				t.Fatalf("-scale.sizes: %q is not a positive number of consumers", s)
			}
			sizes = append(sizes, n)
		}
	}
	bin := buildPlink(t)
	var rows []row
	for _, n := range sizes {
		r := measure(t, bin, tableSize(n), n <= *tableApply)
		rows = append(rows, r)
		t.Logf("%d consumers done: %+v", n, r)
	}
	md := markdown(rows)
	t.Log("\n" + md)
	if *tableOut != "" {
		if err := os.WriteFile(*tableOut, []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// buildPlink builds the plink binary once: every measurement is a separate
// process, so the sandbox's memory (in this process) is not counted.
func buildPlink(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "plink")
	cmd := exec.Command(filepath.Join(goroot(), "bin", "go"), "build", "-o", bin, "github.com/plinkdev/plink/cmd/plink")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build plink: %v\n%s", err, out)
	}
	return bin
}

func goroot() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err == nil && len(bytes.TrimSpace(out)) > 0 {
		return string(bytes.TrimSpace(out))
	}
	return "/usr/local/go"
}

// tracePhases has plink log its phases on stderr (PLINK_TRACE=phases).
var tracePhases bool

// proc is a finished plink process.
type proc struct {
	wall   time.Duration
	rssKiB int64
	stdout string
	stderr string
	code   int
}

// plink runs the binary against the sandbox at url as the operator.
func plink(t *testing.T, bin, dir, url, key, secret string, args ...string) proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = plinkEnv(dir, url, key, secret)
	if tracePhases {
		cmd.Env = append(cmd.Env, "PLINK_TRACE=phases")
	}
	if g := os.Getenv("SCALE_GODEBUG"); g != "" {
		cmd.Env = append(cmd.Env, "GODEBUG="+g)
	}
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("plink %s: %v", strings.Join(args, " "), err)
	}
	// The peak RSS is the process's own VmHWM, sampled while it runs:
	// getrusage's maxrss of a child counts the memory of this test process
	// that exec replaced (Go starts children with CLONE_VM|CLONE_VFORK),
	// and this process holds the generated world.
	done := make(chan struct{})
	hwm := make(chan int64, 1)
	go func() {
		var peak int64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, vmHWM(cmd.Process.Pid))
			select {
			case <-done:
				hwm <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	p := proc{wall: time.Since(start), stdout: so.String(), stderr: se.String(), rssKiB: <-hwm}
	if cmd.ProcessState == nil {
		t.Fatalf("plink %s: %v", strings.Join(args, " "), err)
	}
	p.code = cmd.ProcessState.ExitCode()
	return p
}

// plinkEnv is the environment of a plink process run in dir against the
// sandbox at url with the operator's key: nothing of the machine's AWS
// configuration.
func plinkEnv(dir, url, key, secret string) []string {
	return []string{
		"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1",
		"AWS_ENDPOINT_URL=" + url, "AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_REGION=" + Regions[0], "AWS_CONFIG_FILE=" + filepath.Join(dir, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"), "AWS_EC2_METADATA_DISABLED=true",
	}
}

// vmHWM is the peak resident set of a running process in KiB, from
// /proc/PID/status (0 once it has exited).
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// measure generates the topology, serves it from this process with 20 ms
// per call and AWS's buckets, and times plink's validate, plan (empty),
// apply and plan (applied) as separate processes.
func measure(t *testing.T, bin string, sz size, doApply bool) row {
	t.Helper()
	dir := t.TempDir()
	w, y := Generate(sz.accounts, sz.providers, sz.consumers, 1)
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), y, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Parse("m.yaml", y)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.New(w, sandbox.Options{Seed: 1, Latency: latency, Throttle: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	key, secret, err := sb.OperatorCredentials()
	if err != nil {
		t.Fatal(err)
	}
	r := row{sz: sz}
	run := func(args ...string) proc {
		p := plink(t, bin, dir, srv.URL, key, secret, args...)
		if p.code != 0 && !(p.code == 2 && contains(args, "--detailed-exitcode")) {
			t.Fatalf("%s: plink %s: exit %d\n%s", sz, strings.Join(args, " "), p.code, tail(p.stderr+p.stdout))
		}
		return p
	}
	r.validate = run("validate", "-f", "m.yaml").wall

	sb.ResetCalls()
	tracePhases = *applyLog != ""
	p := run("plan", "-f", "m.yaml", "--detailed-exitcode")
	tracePhases = false
	r.planEmpty, r.rssEmpty = p.wall, p.rssKiB
	if *applyLog != "" {
		if err := os.WriteFile(fmt.Sprintf("%s-%d-empty.stderr", *applyLog, sz.consumers), []byte(p.stderr), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getenv("SCALE_GODEBUG") != "" {
		t.Logf("plan stderr:\n%s", p.stderr)
	}
	r.callsEmpty = total(callsByAction(sb.Calls()))
	logThrottled(t, sz, "plan (empty)", sb)
	r.boundEmpty = total(expectedCalls(m, false).Total())

	r.busiestEP, r.busiestSvc, r.busAcc = busiest(m)
	r.applyBound = applyBound(r.busiestEP, r.busiestSvc, r.busAcc)
	r.terraform = terraformCalls(m)
	b := expectedCalls(m, true)
	r.boundApplied = total(b.Total())
	r.planBound = planBound(m, b)
	if !doApply {
		return r
	}
	sb.ResetCalls()
	args := []string{"apply", "-f", "m.yaml", "--auto-approve"}
	if *applyLog != "" {
		args = append(args, "--output", "json")
		tracePhases = true
	}
	began := time.Now()
	a := run(args...)
	tracePhases = false
	r.apply = a.wall
	logThrottled(t, sz, "apply", sb)
	if *applyLog != "" {
		if err := os.WriteFile(fmt.Sprintf("%s-%d.jsonl", *applyLog, sz.consumers), []byte(a.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fmt.Sprintf("%s-%d.stderr", *applyLog, sz.consumers), []byte(fmt.Sprintf("# plink apply ran from %s to %s\n%s", began.UTC().Format(time.RFC3339Nano), began.Add(a.wall).UTC().Format(time.RFC3339Nano), a.stderr)), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	sb.ResetCalls()
	tracePhases = *applyLog != ""
	// --target-health=all: the default (changed) reads none for a plan
	// with nothing to change; this measures what PL116's reads cost.
	p = run("plan", "-f", "m.yaml", "--detailed-exitcode", "--target-health=all")
	tracePhases = false
	if *applyLog != "" {
		if err := os.WriteFile(fmt.Sprintf("%s-%d-plan.stderr", *applyLog, sz.consumers), []byte(p.stderr), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if p.code != 0 {
		t.Errorf("%s: the plan after apply has changes:\n%s", sz, tail(p.stdout))
	}
	r.planApplied = p.wall
	logThrottled(t, sz, "plan (applied)", sb)
	calls := callsByAction(sb.Calls())
	// plink plan's target-health lint (PL116, status.ReadTargetHealth)
	// reads ELB target groups beside live.Read; its calls are not part of
	// the read's bound and are logged apart.
	health := map[string]int{}
	for _, a := range []string{"DescribeTargetGroups", "DescribeTargetHealth", "DescribeLoadBalancerAttributes"} {
		if calls[a] > 0 {
			health[a] = calls[a]
			delete(calls, a)
		}
	}
	if len(health) > 0 {
		t.Logf("%s: target-health calls of plan (not in the bound): %s", sz, inline(health))
	}
	r.callsApplied, r.healthCalls = total(calls), total(health)
	if diff := diffCounts(calls, b.Total()); len(diff) > 0 {
		t.Errorf("%s: plan calls after apply differ from the bound:\n  %s", sz, strings.Join(diff, "\n  "))
	}
	// The pipeline's plan, the default --target-health=changed: for a plan
	// with nothing to change it reads no target health, so it makes the
	// reads the bound models; its wall and peak RSS are the table's.
	sb.ResetCalls()
	p = run("plan", "-f", "m.yaml", "--detailed-exitcode")
	if p.code != 0 {
		t.Errorf("%s: the default plan after apply has changes:\n%s", sz, tail(p.stdout))
	}
	for _, a := range []string{"DescribeTargetGroups", "DescribeTargetHealth", "DescribeLoadBalancerAttributes"} {
		if n := callsByAction(sb.Calls())[a]; n > 0 {
			t.Errorf("%s: the default plan with nothing to change made %d %s calls", sz, n, a)
		}
	}
	r.planAppliedRead, r.rssApplied = p.wall, p.rssKiB
	return r
}

// logThrottled logs the calls of a run that the sandbox refused for
// throttling, by action (AssumeRole: the operator's STS bucket), and
// checks that the run assumed each account's role once: its AssumeRole
// calls, less those refused, are one per account, however many times it
// read live state (apply reads before and after taking the lease, and
// again to confirm).
func logThrottled(t *testing.T, sz size, what string, sb *sandbox.Sandbox) {
	t.Helper()
	th := map[string]int{}
	for _, c := range sb.Throttled() {
		th[c.Action] += c.Count
	}
	if assumed := callsByAction(sb.Calls())["AssumeRole"] - th["AssumeRole"]; assumed != sz.accounts {
		t.Errorf("%s: %s assumed %d roles for %d accounts", sz, what, assumed, sz.accounts)
	}
	if len(th) == 0 {
		th["none"] = 0
	}
	t.Logf("%s: %s: calls refused for throttling, by action: %s", sz, what, inline(th))
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

func tail(s string) string {
	if len(s) > 2500 {
		return "…" + s[len(s)-2500:]
	}
	return s
}

// busiest returns, over every account-region, the most endpoints, the most
// service-bucket calls (one create and one permissions change per service)
// and the most accept calls (one per service requiring acceptance that has
// consumers elsewhere... batched per service: one per accepting service).
func busiest(m *manifest.Manifest) (endpoints, services, accepts int) {
	key := func(account, region string) string {
		if region == "" {
			region = m.Defaults.Region
		}
		return account + "|" + region
	}
	eps, svcs, acc := map[string]int{}, map[string]int{}, map[string]int{}
	consumers := map[string]int{}
	for _, c := range m.Consumers {
		eps[key(c.Account, c.Region)]++
		consumers[c.Provider]++
	}
	for _, p := range m.Providers {
		k := key(p.Account, p.Region)
		svcs[k]++
		if len(p.AllowedPrincipals) > 0 {
			svcs[k]++
		}
		if p.AcceptanceRequired && p.Connections.AcceptsDeclared() && consumers[p.Name] > 0 {
			acc[k]++
		}
	}
	return maxOf(eps), maxOf(svcs), maxOf(acc)
}

func maxOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n = max(n, v)
	}
	return n
}

// bucketTime is how long n calls take through a token bucket that starts
// full: the first burst are free, the rest come at rate per second.
func bucketTime(n int, burst, rate float64) time.Duration {
	return time.Duration(math.Max(0, float64(n)-burst) / rate * float64(time.Second))
}

// applyBound is the longest of the busiest account-region's buckets: no
// apply can be faster than its CreateVpcEndpoint bucket lets it create.
func applyBound(eps, svcs, accepts int) time.Duration {
	return max(bucketTime(eps, endpointBurst, endpointRate), bucketTime(svcs, serviceBurst, serviceRate),
		bucketTime(accepts, acceptBurst, acceptRate))
}

// planBound is the shortest a plan's reads can take at the injected
// latency with plink's read concurrency (16 in flight, 4 per
// account-region) and the non-mutating bucket: the largest of the total
// calls over 16 lanes, the busiest account-region's calls over 4 lanes,
// and that account-region's bucket; plus the dependent rounds every scope
// waits for (credentials, zones, then the service list before its
// permissions). No read of an account can start before its role is
// assumed, and every role comes through the operator's one STS bucket: the
// last account's reads begin no sooner than the bucket lets the last role
// through.
func planBound(m *manifest.Manifest, b budget) time.Duration {
	perScope := scopeCalls(m)
	busiest := maxOf(perScope)
	calls := total(b.Total())
	lanes := max(time.Duration(calls)*latency/readConcurrency,
		time.Duration(math.Ceil(float64(busiest)/readPerScope))*latency,
		bucketTime(busiest, nonMutatingBurst, nonMutatingRate),
		bucketTime(len(m.Accounts), stsBurst, stsRate)+time.Duration(math.Ceil(float64(minOf(perScope))/readPerScope))*latency)
	return lanes + 3*latency
}

func minOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		if n == 0 || v < n {
			n = v
		}
	}
	return n
}

// scopeCalls estimates the applied plan's calls per account-region: the
// fixed list calls and one permissions call per owned service.
func scopeCalls(m *manifest.Manifest) map[string]int {
	out := map[string]int{}
	regions := map[string]bool{m.Defaults.Region: true}
	for _, p := range m.Providers {
		regions[p.Region] = true
		for _, r := range p.SupportedRegions {
			regions[r] = true
		}
	}
	for a := range m.Accounts {
		for r := range regions {
			out[a+"|"+r] = 9 // zones, services, endpoints, subnets, vpcs, groups, lbs, connections, notifications
		}
	}
	for _, p := range m.Providers {
		out[p.Account+"|"+p.Region]++
	}
	return out
}

// terraformCalls is the AWS provider's refresh of the same topology: 11
// fixed calls, 2 per endpoint service, 2 per endpoint, 3 per load balancer.
func terraformCalls(m *manifest.Manifest) int {
	lbs := 0
	for _, p := range m.Providers {
		lbs += len(p.NetworkLoadBalancerARNs) + len(p.GatewayLoadBalancerARNs)
	}
	return terraformFixed + terraformPerSvc*len(m.Providers) + terraformPerEP*len(m.Consumers) + terraformPerLB*lbs
}

func ratio(a, b float64) string {
	if b <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// markdown renders the rows as docs/scale.md's tables.
func markdown(rows []row) string {
	var b strings.Builder
	b.WriteString("| consumers | accounts | providers | validate | plan calls (applied) | bound | ratio | + PL116 reads | plan calls (empty) | bound | plan wall (applied, without / with PL116) | bound | ratio | plan RSS (empty / applied) | Terraform calls | Terraform / plink |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		applied, health, planApplied, rss := "—", "—", "—", fmt.Sprintf("%d MB / —", r.rssEmpty/1024)
		calls := r.callsApplied
		if r.apply > 0 {
			applied, health = strconv.Itoa(r.callsApplied), strconv.Itoa(r.healthCalls)
			planApplied = secs(r.planAppliedRead) + " / " + secs(r.planApplied)
			rss = fmt.Sprintf("%d MB / %d MB", r.rssEmpty/1024, r.rssApplied/1024)
		} else {
			calls = r.boundApplied
		}
		callRatio, wallRatio := "—", "—"
		if r.apply > 0 {
			callRatio = ratio(float64(r.callsApplied), float64(r.boundApplied))
			wallRatio = ratio(r.planAppliedRead.Seconds(), r.planBound.Seconds())
		}
		fmt.Fprintf(&b, "| %d | %d | %d | %s | %s | %d | %s | %s | %d | %d | %s | %s | %s | %s | %d | %s |\n",
			r.sz.consumers, r.sz.accounts, r.sz.providers, secs(r.validate),
			applied, r.boundApplied, callRatio, health,
			r.callsEmpty, r.boundEmpty,
			planApplied, secs(r.planBound), wallRatio,
			rss, r.terraform, ratio(float64(r.terraform), float64(calls)))
	}
	b.WriteString("\n| consumers | plan wall (empty) | busiest account-region: endpoints / service calls / accepts | apply bound | apply wall | ratio |\n")
	b.WriteString("|---:|---:|---|---:|---:|---:|\n")
	for _, r := range rows {
		apply, rt := "not run (extrapolated: ≈ bound)", "—"
		if r.apply > 0 {
			apply, rt = secs(r.apply), ratio(r.apply.Seconds(), r.applyBound.Seconds())
		}
		fmt.Fprintf(&b, "| %d | %s | %d / %d / %d | %s | %s | %s |\n", r.sz.consumers, secs(r.planEmpty),
			r.busiestEP, r.busiestSvc, r.busAcc, secs(r.applyBound), apply, rt)
	}
	return b.String()
}
