package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/quota"
	"github.com/plinkdev/plink/reconcile"
)

// awsRun is what every command that reads AWS resolves once at its top
// (flag > PLINK_* > config file > default, through Config) and passes
// explicitly: its scope, output format, manifest files, --timeout, the
// project's quotas and the engine's session settings. Nothing below the
// command reads a setting by key.
type awsRun struct {
	runScope
	format string
	// files are the -f paths (none: the default paths).
	files   []string
	timeout time.Duration
	quotas  quota.Table
	// session are the engine's options but the run's scope (runScope)
	// and hooks, which openAWS adds.
	session reconcile.Options
}

// newAWSRun reads the shared settings of cmd, whose output format was
// checked as format.
func newAWSRun(f *Factory, cmd *cobra.Command, format string) awsRun {
	return awsRun{
		runScope: runScope{shard: useShard(f, cmd)},
		format:   format,
		files:    f.Config.Strings("file"),
		timeout:  f.Config.Duration("timeout"),
		quotas:   quotas(f),
		session:  sessionSettings(f),
	}
}

// sessionSettings are the engine's options from the settings, without a
// run's scope or hooks.
func sessionSettings(f *Factory) reconcile.Options {
	return reconcile.Options{
		Sandbox:      f.Config.Bool("sandbox"),
		SandboxDir:   f.Config.String("sandbox-dir"),
		SandboxWorld: f.Config.String("sandbox-world"),
		RetryBudget:  f.Config.Duration("retry-budget"),
		STSRate:      f.Config.Float("sts-rate"),
		Parallelism:  f.Config.Int("parallelism"),
		ShardWait:    f.Config.Duration("shard-wait"),
		Plan: reconcile.PlanSettings{
			Prices:          f.Config.FloatMap("prices"),
			EndpointsPerVPC: f.Config.Int("endpoints-per-vpc"),
			AllowDisconnect: f.Config.Bool("allow-disconnect"),
		},
	}
}

// options are the engine's options of the run: the settings with the
// run's shard and, for destroy, the deletion.
func (r awsRun) options() reconcile.Options {
	o := r.session
	o.Shard = r.shard
	o.Plan.Destroy = r.destroy != nil
	o.Plan.DeleteAdopted = r.destroy != nil && r.destroy.deleteAdopted
	return o
}

// sandboxFlag is "--sandbox " when the run is against the sandbox, for
// the commands plink suggests next.
func (r awsRun) sandboxFlag() string {
	if r.session.Sandbox {
		return "--sandbox "
	}
	return ""
}

// planRun is one run of plink plan: the shared settings, with
// --destroy/--delete-adopted as its scope, and plan's own.
type planRun struct {
	awsRun
	// health is where target health is read for lint PL116.
	health string
	// out saves the plan to a file for apply FILE.
	out              string
	verbose          bool
	detailedExitcode bool
}

// newPlanRun reads the settings of plink plan; an invalid
// --target-health is refused naming where it came from.
func newPlanRun(f *Factory, cmd *cobra.Command, format string) (planRun, error) {
	health, err := targetHealthMode(f, cmd)
	if err != nil {
		return planRun{}, err
	}
	run := planRun{
		awsRun:           newAWSRun(f, cmd, format),
		health:           health,
		out:              f.Config.String("out"),
		verbose:          f.Config.Bool("verbose"),
		detailedExitcode: f.Config.Bool("detailed-exitcode"),
	}
	if f.Config.Bool("destroy") {
		// plan --destroy is what plink destroy would do (Terraform's plan
		// -destroy); its saved plan runs with plink destroy FILE.
		run.destroy = &destroyMode{deleteAdopted: f.Config.Bool("delete-adopted")}
	}
	return run, nil
}

// driftRun is one run of plink drift.
type driftRun struct {
	awsRun
	// report writes the report to this file and prints only the summary.
	report string
}

// connectionsRun is one run of plink connections.
type connectionsRun struct {
	awsRun
	// watch runs a round every interval; 0 runs one.
	watch time.Duration
	// apply are the options the decisions are carried out with.
	apply apply.Options
}

// newConnectionsRun reads and checks the settings of plink connections.
func newConnectionsRun(f *Factory, cmd *cobra.Command, format string) (connectionsRun, error) {
	every := f.Config.Duration("watch")
	if every < 0 || (every > 0 && every < time.Second) {
		return connectionsRun{}, flagErrorf("invalid %s %s: give an interval of at least 1s, such as 30s or 1m", f.Config.Source("watch"), every)
	}
	return connectionsRun{awsRun: newAWSRun(f, cmd, format), watch: every, apply: applySettings(f)}, nil
}

// exportRun is one run of plink export. Its --account flags are the
// accounts to read (ALIAS=ID...), not a shard: it reads all it is given.
type exportRun struct {
	awsRun
	accounts []string
	regions  []string
	project  string
	// out writes the manifest to a file instead of stdout.
	out string
}

// newExportRun reads the settings of plink export.
func newExportRun(f *Factory, cmd *cobra.Command, format string) exportRun {
	run := exportRun{
		awsRun:   newAWSRun(f, cmd, format),
		accounts: f.Config.Strings("account"),
		regions:  f.Config.Strings("region"),
		project:  f.Config.String("project"),
		out:      f.Config.String("out"),
	}
	run.runScope = runScope{}
	return run
}

// newDriftRun reads the settings of plink drift.
func newDriftRun(f *Factory, cmd *cobra.Command, format string) driftRun {
	return driftRun{awsRun: newAWSRun(f, cmd, format), report: f.Config.String("report")}
}
