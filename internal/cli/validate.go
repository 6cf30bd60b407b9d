package cli

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/finding"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/quota"
)

func newValidateCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate [-f PATH]...",
		Short: "Check a manifest: schema, references, id shapes and lint, without AWS",
		Long: `Check one or more manifest files or directories without calling AWS.
Every error and warning is reported with file:line:column; the exit status is
1 when there is any error, 0 otherwise.`,
		Example: "  plink validate -f manifests/\n  plink validate -f base.yaml -f team.yaml --output json",
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := outputFormat(f, "text", "json")
			if err != nil {
				return err
			}
			run := newManifestRun(f, format)
			paths, err := defaultPaths(append(run.files, args...))
			if err != nil {
				return err
			}
			m, diags, err := loadManifest(paths, run.quotas)
			if err != nil {
				return err
			}
			if format == "json" {
				if err := writeDiagnosticsJSON(f, diags); err != nil {
					return err
				}
			} else {
				printDiagnostics(f, diags)
			}
			if diags.HasErrors() {
				if format == "text" {
					fmt.Fprintf(f.IO.ErrOut, "%s\n", diagSummary(diags))
				}
				return silentExit(ExitError)
			}
			if format == "text" {
				fmt.Fprintf(f.IO.Out, "%s valid: %s%s\n", describePathsVerb(paths, "is"), describeManifest(m), warningSuffix(diags))
			}
			return nil
		},
	}
	addFileFlag(cmd)
	return cmd
}

// addFileFlag adds -f/--file, the manifest files or directories.
func addFileFlag(cmd *cobra.Command) {
	cmd.Flags().StringArrayP("file", "f", nil, "manifest file or directory (repeatable; default plink.yaml or manifests/)")
}

// defaultPaths are paths, else the default manifest that exists.
func defaultPaths(paths []string) ([]string, error) {
	if len(paths) > 0 {
		return paths, nil
	}
	for _, p := range []string{"plink.yaml", "plink.yml", "manifests"} {
		if fileExists(p) {
			return []string{p}, nil
		}
	}
	return nil, flagErrorf("no manifest given: pass -f FILE or -f DIR (or create plink.yaml)")
}

// loadManifest loads and lints against the project's quotas (quotas). A
// returned error means nothing could be read at all; problems in the
// manifest come back as diagnostics, all of them.
func loadManifest(paths []string, q quota.Table) (*manifest.Manifest, manifest.Diagnostics, error) {
	m, err := manifest.Load(paths...)
	var diags manifest.Diagnostics
	if err != nil {
		if !errors.As(err, &diags) {
			return nil, nil, err
		}
	}
	if m != nil && !diags.HasErrors() {
		diags = append(diags, manifest.LintWith(m, q)...)
	}
	diags.Sort()
	return m, diags, nil
}

// runManifest loads the manifest named by the run's -f (or the default
// paths) for a command that goes on to use it.
func runManifest(f *Factory, run manifestRun) (*manifest.Manifest, []string, error) {
	paths, err := defaultPaths(run.files)
	if err != nil {
		return nil, nil, err
	}
	m, err := loadValid(f, paths, run.quotas, run.format)
	return m, paths, err
}

// loadValid loads, lints and prints the diagnostics for a command that
// goes on to use the manifest: any error ends the command with exit 1.
func loadValid(f *Factory, paths []string, q quota.Table, format string) (*manifest.Manifest, error) {
	m, diags, err := loadManifest(paths, q)
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() && format == "json" {
		// A program asked for JSON: it gets the diagnostics as validate
		// -o json prints them (stdout carries no plan, the exit is 1).
		if err := writeDiagnosticsJSON(f, diags); err != nil {
			return nil, err
		}
		fmt.Fprintln(f.IO.ErrOut, diagSummary(diags))
		return nil, silentExit(ExitError)
	}
	printDiagnostics(f, diags)
	if diags.HasErrors() {
		fmt.Fprintln(f.IO.ErrOut, diagSummary(diags))
		return nil, silentExit(ExitError)
	}
	return m, nil
}

// writeDiagnosticsJSON prints diags as a JSON array on stdout, each with
// its file, line, column, severity, code, message and hint.
func writeDiagnosticsJSON(f *Factory, diags manifest.Diagnostics) error {
	if diags == nil {
		diags = manifest.Diagnostics{}
	}
	enc := json.NewEncoder(f.IO.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(diags)
}

func printDiagnostics(f *Factory, diags manifest.Diagnostics) {
	for _, d := range diags {
		fmt.Fprintln(f.IO.ErrOut, diagnosticLine(d))
		if d.Hint != "" {
			fmt.Fprintf(f.IO.ErrOut, "    hint: %s\n", d.Hint)
		}
	}
}

// diagnosticLine is "file:line:col: severity CODE: message", the code being
// the one plan shows and docs/manifest.md lists.
func diagnosticLine(d manifest.Diagnostic) string {
	sev := string(finding.Error) // an unset severity counts as one
	if !d.Severity.IsError() {
		sev = string(d.Severity)
	}
	if d.Code != "" {
		sev += " " + d.Code
	}
	if pos := d.Pos.String(); pos != "" {
		return pos + ": " + sev + ": " + d.Message
	}
	return sev + ": " + d.Message
}

func diagSummary(diags manifest.Diagnostics) string {
	return fmt.Sprintf("%s, %s", plural(len(diags.Errors()), "error"), plural(len(diags.Warnings()), "warning"))
}

func warningSuffix(diags manifest.Diagnostics) string {
	if w := len(diags.Warnings()); w > 0 {
		return fmt.Sprintf(" (%s)", plural(w, "warning"))
	}
	return ""
}

func describeManifest(m *manifest.Manifest) string {
	return fmt.Sprintf("project %s, %s, %s, %s", m.Project,
		plural(len(m.Accounts), "account"), plural(len(m.Providers), "provider"), plural(len(m.Consumers), "consumer"))
}

func describePaths(paths []string) string {
	if len(paths) == 1 {
		return paths[0]
	}
	return fmt.Sprintf("%s and %s", paths[0], plural(len(paths)-1, "more path"))
}

// describePathsVerb is describePaths with the verb that agrees with it:
// "m is", but "m and 1 more path are" (two paths).
func describePathsVerb(paths []string, verb string) string {
	if len(paths) > 1 {
		verb = map[string]string{"is": "are", "was": "were"}[verb]
	}
	return describePaths(paths) + " " + verb
}

// agree is the verb, one or many, that agrees with a count of n.
func agree(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// quotas is the project's quota table from the config: the lints and the
// plan count against the same raised quota.
func quotas(f *Factory) quota.Table {
	return quota.Table{EndpointsPerVPC: f.Config.Int("endpoints-per-vpc")}
}
