package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/quota"
	"github.com/plinkdev/plink/reconcile"
	"github.com/plinkdev/plink/sandbox"
)

// awsRun is what every command that reads AWS resolves once at its top
// (flag > PLINK_* > config file > default, through Config) and passes
// explicitly: its scope, output format, manifest files, --timeout, the
// project's quotas and the engine's session settings. Nothing below the
// command reads a setting by key.
type awsRun struct {
	runScope
	manifestRun
	timeout time.Duration
	// session are the engine's options but the run's scope (runScope)
	// and hooks, which openAWS adds.
	session reconcile.Options
}

// newAWSRun reads the shared settings of cmd, whose output format was
// checked as format.
func newAWSRun(f *Factory, cmd *cobra.Command, format string) awsRun {
	return awsRun{
		runScope:    runScope{shard: useShard(f, cmd)},
		manifestRun: newManifestRun(f, format),
		timeout:     f.Config.Duration("timeout"),
		session:     sessionSettings(f),
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

// manifestRun is what every command that reads the manifest resolves at
// its top (validate and shards nothing more): the output format, the -f
// paths and the project's quotas the lints count against.
type manifestRun struct {
	format string
	// files are the -f paths (none: the default paths).
	files  []string
	quotas quota.Table
}

// newManifestRun reads the manifest settings of a command whose output
// format was checked as format.
func newManifestRun(f *Factory, format string) manifestRun {
	return manifestRun{format: format, files: f.Config.Strings("file"), quotas: quotas(f)}
}

// shardsRun is one run of plink shards.
type shardsRun struct {
	manifestRun
	maxAccounts int
}

// newShardsRun reads the settings of plink shards. Its output is JSON
// whatever --output says; --output only says how diagnostics print.
func newShardsRun(f *Factory) shardsRun {
	return shardsRun{manifestRun: newManifestRun(f, f.Config.String("output")), maxAccounts: f.Config.Int("max-accounts")}
}

// graphRun is one run of plink graph.
type graphRun struct {
	awsRun
	// drawing is mermaid or dot (--format).
	drawing string
	// live reads live state to colour the connections.
	live bool
}

// newGraphRun reads and checks the settings of plink graph: it draws
// Mermaid or DOT (--format), never an --output format.
func newGraphRun(f *Factory, cmd *cobra.Command) (graphRun, error) {
	if _, err := outputFormat(f, "text"); err != nil {
		return graphRun{}, flagErrorf("graph draws Mermaid or DOT: choose with --format mermaid|dot, not --output %s", f.Config.String("output"))
	}
	drawing := f.Config.String("format")
	if drawing != "mermaid" && drawing != "dot" {
		return graphRun{}, flagErrorf("invalid %s %q: valid values are \"mermaid\" and \"dot\"", f.Config.Source("format"), drawing)
	}
	return graphRun{awsRun: newAWSRun(f, cmd, "text"), drawing: drawing, live: f.Config.Bool("live")}, nil
}

// iamPolicyRun is one run of plink iam-policy.
type iamPolicyRun struct {
	awsRun
	mode iampolicy.Mode
	// check asks AWS about the calls (--check); its report is printed in
	// awsRun.format, checked then. Without it, format only says how
	// diagnostics print: the policy is JSON.
	check bool
	// live reads the providers' services to grant them by name.
	live bool
}

// newIAMPolicyRun reads and checks the settings of plink iam-policy.
func newIAMPolicyRun(f *Factory, cmd *cobra.Command) (iamPolicyRun, error) {
	mode, err := iampolicy.ParseMode(f.Config.String("for"))
	if err != nil {
		return iamPolicyRun{}, &flagError{err}
	}
	run := iamPolicyRun{awsRun: newAWSRun(f, cmd, f.Config.String("output")), mode: mode, check: f.Config.Bool("check"), live: f.Config.Bool("live")}
	if run.check {
		if run.format, err = outputFormat(f, "text", "json"); err != nil {
			return iamPolicyRun{}, err
		}
	}
	return run, nil
}

// schemaRun is one run of plink schema: which schema it prints.
type schemaRun struct {
	kind string
}

// newSchemaRun reads and checks --kind.
func newSchemaRun(f *Factory) (schemaRun, error) {
	switch kind := f.Config.String("kind"); kind {
	case "manifest", "plan", "drift", "status":
		return schemaRun{kind: kind}, nil
	default:
		return schemaRun{}, flagErrorf("invalid %s %q: valid values are \"manifest\", \"plan\", \"drift\" and \"status\"", f.Config.Source("kind"), kind)
	}
}

// sandboxServeRun is one run of plink sandbox serve.
type sandboxServeRun struct {
	// world is the world file ("": the built-in world).
	world   string
	addr    string
	options sandbox.Options
}

// newSandboxServeRun reads the settings of plink sandbox serve.
func newSandboxServeRun(f *Factory) sandboxServeRun {
	c := f.Config
	return sandboxServeRun{
		world: c.String("world"),
		addr:  c.String("addr"),
		options: sandbox.Options{
			StatePath:              c.String("state"),
			Latency:                c.Duration("latency"),
			Throttle:               c.Bool("throttle"),
			ThrottleScale:          c.Float("throttle-scale"),
			ErrorRate:              c.Float("error-rate"),
			ResetRate:              c.Float("reset-rate"),
			ConsistencyDelay:       c.Duration("consistency-delay"),
			ServiceAvailableDelay:  c.Duration("service-delay"),
			ServiceDeleteDelay:     c.Duration("service-delete-delay"),
			EndpointAvailableDelay: c.Duration("endpoint-delay"),
			AutoVerifyPrivateDNS:   c.Bool("verify-private-dns"),
			PrivateDNSVerifyDelay:  c.Duration("dns-verify-delay"),
			DNSChangeDelay:         c.Duration("dns-change-delay"),
		},
	}
}

// sandboxEnvRun is one run of plink sandbox env.
type sandboxEnvRun struct {
	url string
	// account is an alias or id ("": every account).
	account string
	world   string
	json    bool
}

// newSandboxEnvRun reads the settings of plink sandbox env.
func newSandboxEnvRun(f *Factory) sandboxEnvRun {
	return sandboxEnvRun{url: f.Config.String("url"), account: f.Config.String("account"), world: f.Config.String("world"), json: f.Config.String("output") == "json"}
}

// sandboxResetRun is one run of plink sandbox reset: the serve --state
// file, else the --sandbox state under sandboxDir.
type sandboxResetRun struct {
	state      string
	sandboxDir string
}

// newSandboxResetRun reads the settings of plink sandbox reset.
func newSandboxResetRun(f *Factory) sandboxResetRun {
	return sandboxResetRun{state: f.Config.String("state"), sandboxDir: f.Config.String("sandbox-dir")}
}

// sandboxCallsRun is one run of plink sandbox calls.
type sandboxCallsRun struct {
	format string
	url    string
	reset  bool
}

// newSandboxCallsRun reads the settings of plink sandbox calls.
func newSandboxCallsRun(f *Factory) (sandboxCallsRun, error) {
	format, err := outputFormat(f, "text", "json")
	if err != nil {
		return sandboxCallsRun{}, err
	}
	return sandboxCallsRun{format: format, url: f.Config.String("url"), reset: f.Config.Bool("reset")}, nil
}

// showRun is one run of plink show: how the saved plan is rendered and
// what it exits with.
type showRun struct {
	format           string
	verbose          bool
	detailedExitcode bool
}

// newShowRun reads the settings of plink show.
func newShowRun(f *Factory) (showRun, error) {
	format, err := outputFormat(f, "text", "json", "markdown")
	if err != nil {
		return showRun{}, err
	}
	return showRun{format: format, verbose: f.Config.Bool("verbose"), detailedExitcode: f.Config.Bool("detailed-exitcode")}, nil
}
