package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain registers the real plink binary entry point so testscript
// scripts run `plink ...` as a user would: a separate process with its own
// exit status, stdout and stderr.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"plink": func() { os.Exit(run()) },
	})
}

// TestScripts runs testdata/script/*.txtar from the repository root.
func TestScripts(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := wd + "/../.."
	testscript.Run(t, testscript.Params{
		Dir: root + "/testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", root)
			env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/.config")
			env.Setenv("HOME", env.WorkDir)
			return nil
		},
		// [boto3] is true where python3 can import boto3 (an independent AWS client).
		Condition: func(cond string) (bool, error) {
			if cond != "boto3" {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			return exec.Command("python3", "-c", "import boto3").Run() == nil, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// freeport NAME sets $NAME to a free TCP port on 127.0.0.1.
			"freeport": func(ts *testscript.TestScript, neg bool, args []string) {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					ts.Fatalf("freeport: %v", err)
				}
				ts.Setenv(args[0], strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
				l.Close()
			},
			// sleep DURATION lets a background server start (at most 10s).
			"sleep": func(ts *testscript.TestScript, neg bool, args []string) {
				d, err := time.ParseDuration(args[0])
				if err != nil || d > 10*time.Second {
					ts.Fatalf("usage: sleep DURATION (at most 10s)")
				}
				time.Sleep(d)
			},
			// exitcode N CMD ARGS... runs CMD and asserts its exact exit
			// status (testscript's "! exec" only says "not zero").
			"exitcode": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exitcode N command [args...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exitcode: %v", err)
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exitcode: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("exit status %d, want %d", got, want)
				}
			},
		},
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
