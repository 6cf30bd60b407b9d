//go:build linux

package awsenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// StopChildren kills every process that descends from plink: the safety
// net under StopHelpers for helpers plink did not start itself — the SDK
// still runs a credential_process reached through a role chain
// (role_arn with source_profile), as `sh -c`, and never kills what it
// starts. plink calls it just before it exits; it starts no child that
// should outlive it. The process tree is read from /proc (Linux only).
func StopChildren() {
	for _, pid := range descendants(os.Getpid()) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// descendants lists the processes below root, parents before children:
// collected whole first, so that a parent killed first does not hide its
// children (they would be reparented away from root).
func descendants(root int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	children := map[int][]int{}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // ended meanwhile
		}
		pid, ppid, ok := parseStat(string(b))
		if ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// parseStat reads pid and ppid from /proc/PID/stat: "PID (COMM) STATE
// PPID …", where COMM may hold spaces and parentheses (hence the last ')').
func parseStat(s string) (pid, ppid int, ok bool) {
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 1 || closing < open {
		return 0, 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:open]))
	if err != nil {
		return 0, 0, false
	}
	f := strings.Fields(s[closing+1:])
	if len(f) < 2 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	return pid, ppid, err == nil
}
