// Package cli owns plink's command tree: flags, configuration, and turning
// a command's result into output and an exit code. Commands are thin: they
// parse options, call the library packages (manifest, live, plan, apply,
// sandbox) and render. Nothing here decides what a plan contains.
package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/internal/iostreams"
)

// Factory holds what commands share, built lazily so that a command that
// needs no cloud (validate, schema, version) never touches credentials.
type Factory struct {
	IO     *iostreams.IOStreams
	Config *Config
	// Getenv is os.Getenv, replaceable in tests.
	Getenv func(string) string
}

// Main runs plink with args and returns the process exit code.
func Main(ctx context.Context, args []string, ios *iostreams.IOStreams, getenv func(string) string) int {
	f := &Factory{IO: ios, Config: newConfig(), Getenv: getenv}
	root := NewRootCmd(f)
	root.SetArgs(terraformFlags(args))
	cmd, err := root.ExecuteContextC(ctx)
	path := "plink"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	return report(ios.ErrOut, path, err)
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	var configPath string
	root := &cobra.Command{
		Use:   "plink",
		Short: "Manage AWS PrivateLink declaratively",
		Long: `plink manages AWS PrivateLink across accounts and regions from a YAML manifest:
endpoint services (providers), who may connect to them, and interface endpoints
(consumers). 'plink plan' diffs the manifest against live state; 'plink apply'
makes live state match, accepting the connections of declared consumers.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.Config.load(configPath, cmd.Flags()); err != nil {
				return err
			}
			if f.Config.Bool("no-color") {
				f.IO.DisableColor()
			}
			return nil
		},
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{err} })

	pf := root.PersistentFlags()
	pf.StringVar(&configPath, "config", "", "config file (default .plink.yaml, then $XDG_CONFIG_HOME/plink/config.yaml)")
	pf.StringP("output", "o", "text", "output format: text or json")
	pf.Bool("no-color", false, "never colour output (NO_COLOR is honoured too)")

	root.AddCommand(
		newVersionCmd(f),
		newSchemaCmd(f),
		newValidateCmd(f),
		newPlanCmd(f),
		newShowCmd(f),
		newApplyCmd(f),
		newDriftCmd(f),
		newExportCmd(f),
		newGraphCmd(f),
		newIAMPolicyCmd(f),
		newSandboxCmd(f),
	)
	root.CompletionOptions.HiddenDefaultCmd = false
	return root
}

// outputFormat returns the --output setting, checked against allowed.
func outputFormat(f *Factory, allowed ...string) (string, error) {
	o := f.Config.String("output")
	if o == "" {
		o = "text"
	}
	for _, a := range allowed {
		if o == a {
			return o, nil
		}
	}
	return "", flagErrorf("invalid --output %q: valid values are %s", o, joinQuoted(allowed))
}

func joinQuoted(vals []string) string {
	s := ""
	for i, v := range vals {
		switch {
		case i == 0:
		case i == len(vals)-1:
			s += " and "
		default:
			s += ", "
		}
		s += fmt.Sprintf("%q", v)
	}
	return s
}

// terraformFlags accepts the single-dash long flags Terraform users type
// (-out FILE, -detailed-exitcode, -auto-approve, -target X) as their
// double-dash forms; pflag would read them as bundles of short flags.
func terraformFlags(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		for _, name := range []string{"out", "detailed-exitcode", "auto-approve", "target"} {
			if a == "-"+name || strings.HasPrefix(a, "-"+name+"=") {
				a = "-" + a
				break
			}
		}
		out = append(out, a)
	}
	return out
}
