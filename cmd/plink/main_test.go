package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/plinkdev/plink/internal/cli"
	"github.com/plinkdev/plink/internal/iostreams"
)

// TestMain registers the real plink binary entry point so testscript
// scripts run `plink ...` as a user would: a separate process with its own
// exit status, stdout and stderr.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"plink": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], iostreams.System(), os.Getenv))
		},
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
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
