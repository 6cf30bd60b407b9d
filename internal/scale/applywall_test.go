package scale

import (
	"bytes"
	"flag"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plinkdev/plink/sandbox"
)

var (
	applyWall    = flag.Int("scale.applywall", 0, "TestApplyWall: apply this many consumers from the empty world, then plan them, and break both down")
	applyWallEnv = flag.String("scale.applywallenv", "", "TestApplyWall: extra environment of the plink processes, comma-separated (e.g. GOGC=100)")
)

// TestApplyWall breaks apply's wall time down at one size, against the
// table's sandbox (20 ms a call, AWS's buckets): each phase of plink
// apply (PLINK_TRACE=phases), the CPU time of the plink process (user and
// system, from its rusage: robust to a loaded machine, where the wall is
// not) and the calls refused for throttling; then the same for the plan
// of the applied world (--target-health=false, what the plan bound
// models). It is the table's apply without the rest of the table, so that
// one change can be measured in a few minutes:
//
//	go test ./internal/scale -run TestApplyWall -v -timeout 30m -scale.applywall=10000
func TestApplyWall(t *testing.T) {
	if *applyWall == 0 {
		t.Skip("-scale.applywall=N runs it")
	}
	bin := buildPlink(t)
	sz := tableSize(*applyWall)
	dir := t.TempDir()
	w, y := Generate(sz.accounts, sz.providers, sz.consumers, 1)
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), y, 0o644); err != nil {
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
	run := func(what string, args ...string) {
		sb.ResetCalls()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(plinkEnv(dir, srv.URL, key, secret), "PLINK_TRACE=phases")
		if *applyWallEnv != "" {
			cmd.Env = append(cmd.Env, strings.Split(*applyWallEnv, ",")...)
		}
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		if cmd.ProcessState == nil || (err != nil && cmd.ProcessState.ExitCode() != 2) {
			t.Fatalf("plink %s: %v\n%s", strings.Join(args, " "), err, tail(se.String()))
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		user, sys := time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
		th := map[string]int{}
		for _, c := range sb.Throttled() {
			th[c.Action] += c.Count
		}
		load, _ := os.ReadFile("/proc/loadavg")
		t.Logf("%s: %s: wall %.1f s, CPU %.1f s (user %.1f s, system %.1f s), %d calls, throttled %s, load average %s\n%s",
			sz, what, wall.Seconds(), (user + sys).Seconds(), user.Seconds(), sys.Seconds(), total(callsByAction(sb.Calls())),
			inline(th), strings.Join(strings.Fields(string(load))[:3], " "), phases(se.String()))
	}
	run("apply", "apply", "-f", "m.yaml", "--auto-approve", "--output", "json")
	run("plan (applied)", "plan", "-f", "m.yaml", "--detailed-exitcode", "--target-health=false")
}

var phaseLine = regexp.MustCompile(`^plink: (\[ *[0-9.]+s\] .*|throttled: .*)$`)

// phases are the phase lines of a plink's stderr (PLINK_TRACE=phases).
func phases(stderr string) string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if phaseLine.MatchString(l) {
			out = append(out, "  "+l)
		}
	}
	return strings.Join(out, "\n")
}
