//go:build unix

package awsenv

import (
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/term"
)

// ownGroup puts the helper in a process group of its own, so that
// killHelper reaches whatever it started (sh -c runs the helper, which may
// run more). Not when stdin is a terminal: a helper outside the terminal's
// foreground group is stopped (SIGTTIN) when it reads an MFA code; there it
// stays in plink's group, which the terminal's Ctrl-C reaches whole.
func ownGroup(cmd *exec.Cmd) bool {
	if term.IsTerminal(int(os.Stdin.Fd())) {
		return false
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return true
}

// killHelper kills the helper's process group when it leads one (the
// group outlives its leader: what the helper started is killed even after
// the helper itself has exited), else the helper.
func killHelper(p *os.Process, grouped bool) {
	if grouped {
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
		return
	}
	_ = p.Kill()
}
