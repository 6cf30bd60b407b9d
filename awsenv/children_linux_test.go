//go:build linux

package awsenv

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestStopChildrenKillsEveryDescendant runs a copy of this test binary as
// "plink": it starts `sh -c 'sleep 600 & …'` as the SDK does for a
// credential_process, reports the sleeper's pid, calls StopChildren and
// exits. The sleeper, a grandchild, must be gone.
func TestStopChildrenKillsEveryDescendant(t *testing.T) {
	if os.Getenv("PLINK_TEST_CHILDREN") == "1" {
		cmd := exec.Command("sh", "-c", "sleep 600 & echo $!; wait")
		out, err := cmd.StdoutPipe()
		if err != nil {
			os.Exit(3)
		}
		if err := cmd.Start(); err != nil {
			os.Exit(3)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		os.Stdout.WriteString(line)
		StopChildren()
		os.Exit(0)
	}
	self := exec.Command(os.Args[0], "-test.run=^TestStopChildrenKillsEveryDescendant$")
	self.Env = append(os.Environ(), "PLINK_TEST_CHILDREN=1")
	out, err := self.Output()
	if err != nil {
		t.Fatalf("child plink: %v\n%s", err, out)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("child plink printed %q", out)
	}
	waitGone(t, []int{pid})
}

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		in        string
		pid, ppid int
		ok        bool
	}{
		{"123 (sleep) S 45 123 45 0", 123, 45, true},
		{"7 (a (weird) name) R 1 7 7", 7, 1, true},
		{"garbage", 0, 0, false},
		{"9 (x)", 0, 0, false},
	} {
		pid, ppid, ok := parseStat(tc.in)
		if pid != tc.pid || ppid != tc.ppid || ok != tc.ok {
			t.Errorf("parseStat(%q) = %d %d %v", tc.in, pid, ppid, ok)
		}
	}
}
