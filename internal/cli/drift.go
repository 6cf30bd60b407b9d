package cli

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/internal/atomicfile"
)

func newDriftCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "drift [-f PATH]...",
		Short: "Report every difference between live state and the manifest (for cron and pipelines)",
		Long: `Read live state like plan and report every difference as drift: resources changed
or deleted outside plink, principals added or removed by hand, pending connections
nobody accepted, undeclared connected endpoints, unverified private DNS, load
balancers that disappeared or lost an Availability Zone, and zones where consumers'
connections are reset because the load balancer has no healthy target there and
cross-zone load balancing is off (target_health).

Output: --output text, json, junit or markdown. The JSON report's verdict
(no_drift, drift, incomplete), exitCode and summary are the exit status's.
Exit status: 0 no drift; 2 drift, including live state that makes the manifest
unplannable (a load balancer deleted, an adopted resource gone); 1 plink could not
find out (an unreachable account is named and the others are still reported, an
invalid manifest, a plan error of the manifest alone). Never prompts.`,
		Example: `  plink drift -f manifests/
  plink drift -f manifests/ --output junit --report drift.xml --timeout 5m
  plink drift -f manifests/ --output markdown > drift.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := outputFormat(f, "text", "json", "junit", "markdown")
			if err != nil {
				return err
			}
			run := newDriftRun(f, cmd, format)
			m, _, err := runManifest(f, run.manifestRun)
			if err != nil {
				return err
			}
			ctx, cancel := withTimeout(cmd.Context(), run.timeout)
			defer cancel()
			sess, err := openAWS(ctx, f, m, run.awsRun)
			if err != nil {
				return err
			}
			defer sess.Close()
			// A failed account is reported and the rest still read.
			stateOf(ctx).setActivity("resolving credentials of %s", plural(len(m.Accounts), "account"))
			verifyErr := sess.Verify(ctx)
			if verifyErr != nil {
				report(f.IO.ErrOut, "plink drift", credentialsError(verifyErr), nil, "")
			}
			r, stopped, err := sess.Drift(ctx, m)
			if err != nil {
				return err
			}
			if stopped {
				// Interrupted or timed out: a report of what could not be
				// read would say nothing; report names the cause and activity.
				return silentExit(ExitError)
			}
			// What makes the run incomplete beyond the report's own
			// failures goes into the report, so that its verdict (the
			// summary line, the JSON and the exit code) says it too.
			if r.Verdict() != drift.VerdictIncomplete {
				switch {
				case verifyErr != nil:
					r.Incomplete, _, _ = strings.Cut(cmp.Or(credentialsError(verifyErr), verifyErr).Error(), "\n")
				case errors.Is(ctx.Err(), context.DeadlineExceeded):
					r.Incomplete = "the --timeout ran out"
				}
			}
			var out bytes.Buffer
			if err := renderDrift(&out, format, r); err != nil {
				return err
			}
			if file := run.report; file != "" {
				if err := atomicfile.WriteFile(file, out.Bytes(), 0o644); err != nil {
					return fmt.Errorf("write report: %w", err)
				}
				fmt.Fprintln(f.IO.Out, drift.Summary(r))
			} else {
				if _, err := f.IO.Out.Write(out.Bytes()); err != nil {
					return err
				}
				if format != "text" {
					fmt.Fprintln(f.IO.ErrOut, drift.Summary(r))
				}
			}
			// Plan errors raised by live state are drift items (exit 2);
			// manifest-only ones are r.Errors, which ExitCode counts as 1:
			// plink could not find out.
			if format != "text" {
				for _, e := range r.Errors {
					fmt.Fprintf(f.IO.ErrOut, "plink: error %s: %s\n", e.Code, e.Message)
				}
			}
			return silentExit(r.ExitCode())
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().String("report", "", "write the report (in the --output format) to FILE and print only the summary")
	cmd.Flags().Duration("timeout", 0, "give up after this long (e.g. 5m; 0 means no limit)")
	addShardFlags(cmd)
	return cmd
}

func renderDrift(w io.Writer, format string, r *drift.Report) error {
	switch format {
	case "json":
		return drift.JSON(w, r)
	case "junit":
		return drift.JUnit(w, r)
	case "markdown":
		return drift.Markdown(w, r)
	default:
		return drift.Text(w, r)
	}
}
