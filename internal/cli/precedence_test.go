package cli

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/internal/iostreams"
)

// settingValues are, per flag type, three distinct values and how the
// Config reads them back: one for the config file, one for PLINK_*, one
// for the flag, each unlike the flag's default.
func settingValues(typ string) (vals [3]string, get func(c *Config, key string) any, ok bool) {
	switch typ {
	case "string":
		return [3]string{"from-file", "from-env", "from-flag"}, func(c *Config, k string) any { return c.String(k) }, true
	case "bool":
		// a bool has two values: the file says the opposite of the
		// default, the environment the default again, the flag the opposite
		return [3]string{"!", "=", "!"}, func(c *Config, k string) any { return c.Bool(k) }, true
	case "int":
		return [3]string{"7", "8", "9"}, func(c *Config, k string) any { return c.Int(k) }, true
	case "float64":
		return [3]string{"0.25", "0.5", "0.75"}, func(c *Config, k string) any { return c.Float(k) }, true
	case "duration":
		return [3]string{"7m0s", "8m0s", "9m0s"}, func(c *Config, k string) any { return c.Duration(k) }, true
	case "stringArray", "stringSlice":
		return [3]string{"file-a", "env-b", "flag-c"}, func(c *Config, k string) any { return strings.Join(c.Strings(k), ",") }, true
	}
	return vals, nil, false
}

// parse turns a setting's text into the Go value the getter returns.
func parse(typ, s string) any {
	switch typ {
	case "bool":
		return s == "true"
	case "int":
		var n int
		fmt.Sscan(s, &n)
		return n
	case "float64":
		var x float64
		fmt.Sscan(s, &x)
		return x
	case "duration":
		d, _ := time.ParseDuration(s)
		return d
	}
	return s
}

func walkCommands(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walkCommands(sub, fn)
	}
}

// TestEverySettingResolvesFlagEnvFileDefault: for every flag of every
// command, the value a command reads is the flag's if given, else
// PLINK_<NAME>'s, else the config file's, else the default — the promise
// of the README. TestCommandsReadSettingsOnlyThroughConfig keeps every
// command reading them through that one path.
func TestEverySettingResolvesFlagEnvFileDefault(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := NewRootCmd(&Factory{IO: ios, Config: newConfig(), Getenv: func(string) string { return "" }})
	n := 0
	walkCommands(root, func(cmd *cobra.Command) {
		if !cmd.Runnable() {
			return
		}
		cmd.InitDefaultHelpFlag()
		cmd.Flags().VisitAll(func(fl *pflag.Flag) {
			if fl.Name == "help" || fl.Name == "config" {
				return
			}
			vals, get, ok := settingValues(fl.Value.Type())
			if !ok {
				t.Errorf("%s --%s: flag type %s has no row in settingValues; add one", cmd.CommandPath(), fl.Name, fl.Value.Type())
				return
			}
			if fl.Value.Type() == "bool" {
				def := fl.DefValue == "true"
				vals = [3]string{fmt.Sprint(!def), fmt.Sprint(def), fmt.Sprint(!def)}
			}
			n++
			env := envPrefix + "_" + strings.ToUpper(strings.NewReplacer("-", "_").Replace(fl.Name))
			typ := fl.Value.Type()
			if typ == "stringArray" || typ == "stringSlice" {
				typ = "string"
			}
			for _, tc := range []struct {
				name                string
				file, envVal, flagV string
				want                any
			}{
				{"default", "", "", "", nil},
				{"file", vals[0], "", "", parse(typ, vals[0])},
				{"env over file", vals[0], vals[1], "", parse(typ, vals[1])},
				{"flag over env", vals[0], vals[1], vals[2], parse(typ, vals[2])},
			} {
				t.Run(fmt.Sprintf("%s/--%s/%s", strings.ReplaceAll(cmd.CommandPath(), " ", "_"), fl.Name, tc.name), func(t *testing.T) {
					dir := t.TempDir()
					cfg := ""
					if tc.file != "" {
						cfg = filepath.Join(dir, "plink.yaml")
						if err := os.WriteFile(cfg, fmt.Appendf(nil, "%s: %q\n", fl.Name, tc.file), 0o600); err != nil {
							t.Fatal(err)
						}
					}
					t.Setenv(env, tc.envVal)
					if tc.envVal == "" {
						os.Unsetenv(env)
					}
					// a fresh flag set of the same definition, so no test sees another's values
					fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
					fs.AddFlagSet(cmd.Flags())
					fresh := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
					fs.VisitAll(func(f *pflag.Flag) {
						cp := *f
						cp.Value = newValueLike(t, f)
						cp.Changed = false
						fresh.AddFlag(&cp)
					})
					if tc.flagV != "" {
						if err := fresh.Set(fl.Name, tc.flagV); err != nil {
							t.Fatal(err)
						}
					}
					c := newConfig()
					if err := c.load(cfg, fresh); err != nil {
						t.Fatal(err)
					}
					want := tc.want
					if want == nil {
						want = parse(typ, fl.DefValue)
						if typ == "string" && (fl.Value.Type() == "stringArray" || fl.Value.Type() == "stringSlice") {
							want = strings.Trim(fl.DefValue, "[]")
						}
					}
					if got := get(c, fl.Name); !reflect.DeepEqual(got, want) {
						t.Errorf("%s --%s (%s): got %#v, want %#v", cmd.CommandPath(), fl.Name, tc.name, got, want)
					}
				})
			}
		})
	})
	if n < 50 {
		t.Fatalf("only %d flags visited; the walk is broken", n)
	}
}

// newValueLike returns a fresh pflag.Value of f's type at f's default.
func newValueLike(t *testing.T, f *pflag.Flag) pflag.Value {
	t.Helper()
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	switch f.Value.Type() {
	case "string":
		fs.String("v", f.DefValue, "")
	case "bool":
		fs.Bool("v", f.DefValue == "true", "")
	case "int":
		var n int
		fmt.Sscan(f.DefValue, &n)
		fs.Int("v", n, "")
	case "float64":
		var x float64
		fmt.Sscan(f.DefValue, &x)
		fs.Float64("v", x, "")
	case "duration":
		d, _ := time.ParseDuration(f.DefValue)
		fs.Duration("v", d, "")
	case "stringArray":
		fs.StringArray("v", nil, "")
	case "stringSlice":
		fs.StringSlice("v", nil, "")
	default:
		t.Fatalf("no fresh value for type %s", f.Value.Type())
	}
	return fs.Lookup("v").Value
}

// TestCommandsReadSettingsOnlyThroughConfig: a command that reads a flag
// from its FlagSet (or binds it to a variable) skips PLINK_* and the
// config file; every setting is read through Factory.Config.
func TestCommandsReadSettingsOnlyThroughConfig(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	// completion runs before settings are loaded, on cobra's own parse
	allowed := map[string]bool{"completion.go": true}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || allowed[name] {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			m := sel.Sel.Name
			direct := isFlagGetter(m)
			bound := strings.HasSuffix(m, "Var") || strings.HasSuffix(m, "VarP")
			if (direct || bound) && !isConfigReceiver(sel.X) {
				t.Errorf("%s: %s reads a flag around Factory.Config (flag > PLINK_* > config file); use f.Config", fset.Position(call.Pos()), m)
			}
			return true
		})
	}
}

func isFlagGetter(m string) bool {
	switch m {
	case "GetString", "GetBool", "GetInt", "GetDuration", "GetStringArray", "GetStringSlice", "GetFloat64", "GetCount":
		return true
	}
	return false
}

// isConfigReceiver allows viper's own getters inside config.go (c.v.GetX)
// and root.go's --config, which names the file the settings come from.
func isConfigReceiver(x ast.Expr) bool {
	if sel, ok := x.(*ast.SelectorExpr); ok && sel.Sel.Name == "v" {
		return true
	}
	if id, ok := x.(*ast.Ident); ok && id.Name == "pf" {
		return true // root's --config: where the settings come from
	}
	return false
}

// TestRunValuesCarryResolvedSettings: the run value each command fills
// at its top (planRun, driftRun, statusRun, connectionsRun, exportRun,
// and those of validate, show, schema, shards, graph, iam-policy and the
// sandbox commands) holds the resolved setting — here the environment's
// over the config file's — including the config-only keys
// (endpoints-per-vpc, prices), which have no flag for the walk above to
// visit.
func TestRunValuesCarryResolvedSettings(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "plink.yaml")
	if err := os.WriteFile(cfg, []byte("timeout: 7m\nsandbox-dir: from-file\nendpoints-per-vpc: 60\nprices:\n  us-east-1: 0.02\nparallelism: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PLINK_TIMEOUT", "8m")
	t.Setenv("PLINK_ENDPOINTS_PER_VPC", "70")
	t.Setenv("PLINK_PARALLELISM", "4")
	t.Setenv("PLINK_FILE", "a.yaml,b.yaml")
	t.Setenv("PLINK_OUT", "plan.json")
	t.Setenv("PLINK_REPORT", "drift.xml")
	t.Setenv("PLINK_FAIL_ON", "error")
	t.Setenv("PLINK_WATCH", "30s")
	t.Setenv("PLINK_PROJECT", "payments")
	t.Setenv("PLINK_DESTROY", "true")
	t.Setenv("PLINK_TARGET_HEALTH", "off")
	t.Setenv("PLINK_MAX_ACCOUNTS", "5")
	t.Setenv("PLINK_VERBOSE", "true")
	t.Setenv("PLINK_KIND", "drift")
	t.Setenv("PLINK_FORMAT", "dot")
	t.Setenv("PLINK_LIVE", "true")
	t.Setenv("PLINK_FOR", "status")
	t.Setenv("PLINK_CHECK", "true")
	t.Setenv("PLINK_LATENCY", "3s")
	t.Setenv("PLINK_URL", "http://127.0.0.1:9")
	t.Setenv("PLINK_STATE", "s.json")
	t.Setenv("PLINK_RESET", "true")
	setup := func(t *testing.T, name string) (*Factory, *cobra.Command) {
		t.Helper()
		ios, _, _, _ := iostreams.Test()
		f := &Factory{IO: ios, Config: newConfig(), Getenv: func(string) string { return "" }}
		root := NewRootCmd(f)
		cmd, _, err := root.Find(strings.Fields(name))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Config.load(cfg, cmd.Flags()); err != nil {
			t.Fatal(err)
		}
		return f, cmd
	}
	shared := func(t *testing.T, r awsRun) {
		t.Helper()
		if r.timeout != 8*time.Minute || r.session.SandboxDir != "from-file" || r.session.Parallelism != 4 ||
			r.quotas.EndpointsPerVPC != 70 || r.session.Plan.EndpointsPerVPC != 70 ||
			r.session.Plan.Prices["us-east-1"] != 0.02 || strings.Join(r.files, ",") != "a.yaml,b.yaml" {
			t.Errorf("shared settings: %+v", r)
		}
	}
	t.Run("plan", func(t *testing.T) {
		f, cmd := setup(t, "plan")
		r, err := newPlanRun(f, cmd, "text")
		if err != nil {
			t.Fatal(err)
		}
		shared(t, r.awsRun)
		if r.out != "plan.json" || r.destroy == nil || r.health != HealthOff || !r.options().Plan.Destroy {
			t.Errorf("plan: %+v", r)
		}
	})
	t.Run("drift", func(t *testing.T) {
		f, cmd := setup(t, "drift")
		r := newDriftRun(f, cmd, "text")
		shared(t, r.awsRun)
		if r.report != "drift.xml" {
			t.Errorf("drift: %+v", r)
		}
	})
	t.Run("status", func(t *testing.T) {
		f, cmd := setup(t, "status")
		r, err := newStatusRun(f, cmd, "text")
		if err != nil {
			t.Fatal(err)
		}
		shared(t, r.awsRun)
		if r.status.FailOn != "error" || r.status.PricePerAZHour["us-east-1"] != 0.02 {
			t.Errorf("status: %+v", r.status)
		}
	})
	t.Run("connections", func(t *testing.T) {
		f, cmd := setup(t, "connections")
		r, err := newConnectionsRun(f, cmd, "text")
		if err != nil {
			t.Fatal(err)
		}
		shared(t, r.awsRun)
		if r.watch != 30*time.Second || r.apply.Parallelism != 4 {
			t.Errorf("connections: %+v", r)
		}
	})
	t.Run("export", func(t *testing.T) {
		f, cmd := setup(t, "export")
		r := newExportRun(f, cmd, "yaml")
		shared(t, r.awsRun)
		if r.project != "payments" || r.out != "plan.json" || !r.shard.All() {
			t.Errorf("export: %+v", r)
		}
	})
	t.Run("validate", func(t *testing.T) {
		f, _ := setup(t, "validate")
		r := newManifestRun(f, "text")
		if strings.Join(r.files, ",") != "a.yaml,b.yaml" || r.quotas.EndpointsPerVPC != 70 {
			t.Errorf("validate: %+v", r)
		}
	})
	t.Run("shards", func(t *testing.T) {
		f, _ := setup(t, "shards")
		r := newShardsRun(f)
		if r.maxAccounts != 5 || strings.Join(r.files, ",") != "a.yaml,b.yaml" || r.quotas.EndpointsPerVPC != 70 {
			t.Errorf("shards: %+v", r)
		}
	})
	t.Run("show", func(t *testing.T) {
		f, _ := setup(t, "show")
		r, err := newShowRun(f)
		if err != nil {
			t.Fatal(err)
		}
		if !r.verbose || r.format != "text" {
			t.Errorf("show: %+v", r)
		}
	})
	t.Run("schema", func(t *testing.T) {
		f, _ := setup(t, "schema")
		r, err := newSchemaRun(f)
		if err != nil {
			t.Fatal(err)
		}
		if r.kind != "drift" {
			t.Errorf("schema: %+v", r)
		}
	})
	t.Run("graph", func(t *testing.T) {
		f, cmd := setup(t, "graph")
		r, err := newGraphRun(f, cmd)
		if err != nil {
			t.Fatal(err)
		}
		shared(t, r.awsRun)
		if r.drawing != "dot" || !r.live {
			t.Errorf("graph: %+v", r)
		}
	})
	t.Run("iam-policy", func(t *testing.T) {
		f, cmd := setup(t, "iam-policy")
		r, err := newIAMPolicyRun(f, cmd)
		if err != nil {
			t.Fatal(err)
		}
		shared(t, r.awsRun)
		if r.mode != iampolicy.Status || !r.check || !r.live || r.format != "text" {
			t.Errorf("iam-policy: %+v", r)
		}
	})
	t.Run("sandbox serve", func(t *testing.T) {
		f, _ := setup(t, "sandbox serve")
		r := newSandboxServeRun(f)
		if r.options.Latency != 3*time.Second || r.options.StatePath != "s.json" || r.addr != defaultSandboxAddr {
			t.Errorf("sandbox serve: %+v", r)
		}
	})
	t.Run("sandbox env", func(t *testing.T) {
		f, _ := setup(t, "sandbox env")
		r := newSandboxEnvRun(f)
		if r.url != "http://127.0.0.1:9" || r.json {
			t.Errorf("sandbox env: %+v", r)
		}
	})
	t.Run("sandbox reset", func(t *testing.T) {
		f, _ := setup(t, "sandbox reset")
		r := newSandboxResetRun(f)
		if r.state != "s.json" || r.sandboxDir != "from-file" {
			t.Errorf("sandbox reset: %+v", r)
		}
	})
	t.Run("sandbox calls", func(t *testing.T) {
		f, _ := setup(t, "sandbox calls")
		r, err := newSandboxCallsRun(f)
		if err != nil {
			t.Fatal(err)
		}
		if !r.reset || r.url != "http://127.0.0.1:9" || r.format != "text" {
			t.Errorf("sandbox calls: %+v", r)
		}
	})
}

// TestCommandsReadSettingsAtTheirTop: in every file of the package, a
// setting is read by key (f.Config.X("key")) only where the run value is
// filled — a command's constructor (its RunE), a new*Run / *Settings
// function it calls, or the root's checks of every setting — never deeper
// in the call tree, which gets the value. config.go is Config itself;
// completion.go runs before the settings are loaded.
func TestCommandsReadSettingsAtTheirTop(t *testing.T) {
	allowed := map[string]bool{
		"sessionSettings": true, "applySettings": true, "leaseSettingsOf": true, "useShard": true, "targetHealthMode": true, "quotas": true,
		"outputFormat": true, "refuseNegative": true, "checkSettings": true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "config.go" || name == "completion.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || strings.HasPrefix(fd.Name.Name, "new") || strings.HasPrefix(fd.Name.Name, "New") || allowed[fd.Name.Name] {
				continue
			}
			ast.Inspect(fd, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "Config" {
					t.Errorf("%s: %s reads the setting %s.%s by key; fill it into the run value at the command's top", fset.Position(sel.Pos()), fd.Name.Name, inner.Sel.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}
