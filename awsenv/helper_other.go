//go:build !unix

package awsenv

import (
	"os"
	"os/exec"
)

// ownGroup does nothing where there are no Unix process groups.
func ownGroup(*exec.Cmd) bool { return false }

// killHelper kills the helper (on Windows, cmd.exe; what it started is not
// reached).
func killHelper(p *os.Process, _ bool) { _ = p.Kill() }
