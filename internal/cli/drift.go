package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/internal/atomicfile"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
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

Output: --output text, json, junit or markdown.
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
			m, _, err := manifestFromFlags(f)
			if err != nil {
				return err
			}
			useShard(f, cmd)
			ctx, cancel := withTimeout(cmd.Context(), f)
			defer cancel()
			sess, err := openAWS(ctx, f, m)
			if err != nil {
				return err
			}
			defer sess.Close()
			// A shard checks its own entries, reading the ones they connect to.
			sm := shardManifest(f, m)
			// A failed account is reported and the rest still read.
			f.setActivity("resolving credentials of %s", plural(len(m.Accounts), "account"))
			verifyErr := sess.resolver.Verify(ctx)
			if verifyErr != nil {
				report(f.IO.ErrOut, "plink drift", credentialsError(verifyErr), nil, "")
			}
			f.setActivity("reading live state of %s", describeScopes(m))
			snap, readErr := live.Read(ctx, sm, sess.resolver, live.ReadOptions{PerScope: f.Config.Int("parallelism"), Shard: shardReadOption(f)})
			if snap == nil {
				return readErr
			}
			if ctx.Err() != nil {
				// Interrupted or timed out: a report of what could not be
				// read would say nothing; report names the cause and activity.
				return silentExit(ExitError)
			}
			// What consumers experience is drift too: zones whose
			// connections are reset (target_health).
			th := readTargetHealth(ctx, f, sm, snap, sess)
			if ctx.Err() != nil {
				return silentExit(ExitError)
			}
			f.setActivity("building the drift report")
			p := plan.Compute(sm, snap, planOptions(f, sm))
			r := shardDrift(f, m, sm, drift.BuildWith(sm, snap, p, drift.Options{LoadBalancerHealth: th.LoadBalancers, HealthFailures: th.Failures}))
			var out bytes.Buffer
			if err := renderDrift(&out, format, r); err != nil {
				return err
			}
			if file := f.Config.String("report"); file != "" {
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
			code := r.ExitCode()
			if verifyErr != nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
				code = ExitError
			}
			// Plan errors raised by live state are drift items (exit 2);
			// manifest-only ones are r.Errors, which ExitCode counts as 1:
			// plink could not find out.
			if format != "text" {
				for _, e := range r.Errors {
					fmt.Fprintf(f.IO.ErrOut, "plink: error %s: %s\n", e.Code, e.Message)
				}
			}
			return silentExit(code)
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().String("report", "", "write the report (in the --output format) to FILE and print only the summary")
	cmd.Flags().Duration("timeout", 0, "give up after this long (e.g. 5m; 0 means no limit)")
	addShardFlags(cmd)
	return cmd
}

// shardDrift keeps the items, checked resources and errors of r that
// belong to the run's shard: the entries it reads from other shards were
// compared only to plan its own, and are the other shards' to report.
// Failed reads stay: the shard's report is incomplete without them.
func shardDrift(f *Factory, m, sm *manifest.Manifest, r *drift.Report) *drift.Report {
	if f.selection().All() {
		return r
	}
	entry := map[string]bool{} // address of an entry of sm → owned
	for _, p := range sm.Providers {
		entry["provider."+p.Name] = owns(f, m, p.Account, "", regionOr(m, p.Region))
	}
	for _, c := range sm.Consumers {
		entry["consumer."+c.Name] = owns(f, m, c.Account, "", regionOr(m, c.Region))
	}
	items := r.Items[:0:0]
	kept := map[string]bool{}
	for _, it := range r.Items {
		if mine, ok := entry[it.Address]; ok && !mine {
			continue
		}
		if owns(f, m, it.Account, it.AccountID, it.Region) {
			items = append(items, it)
			kept[it.Address] = true
		}
	}
	r.Items = items
	checked := r.Checked[:0:0]
	for _, a := range r.Checked {
		if mine, ok := entry[a]; (ok && mine) || (!ok && kept[a]) {
			checked = append(checked, a)
		}
	}
	r.Checked = checked
	errs := r.Errors[:0:0]
	for _, e := range r.Errors {
		if mine, ok := entry[e.Address]; (!ok || mine) && owns(f, m, e.Account, "", e.Region) {
			errs = append(errs, e)
		}
	}
	r.Errors = errs
	return r
}

// regionOr is r, or the manifest's default region when r is empty.
func regionOr(m *manifest.Manifest, r string) string {
	if r == "" {
		return m.Defaults.Region
	}
	return r
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
