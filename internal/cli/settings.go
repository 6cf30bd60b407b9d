package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// configOnlyKeys are settings with no flag, read from the config file.
var configOnlyKeys = []string{"prices", "endpoints-per-vpc"}

// checkSettings refuses a setting from PLINK_* or the config file that
// its flag would refuse ("30" for a duration, "yes" for a boolean), which
// viper would otherwise read as zero or false without a word, and warns of
// a config file key that no command knows (a typo).
func checkSettings(f *Factory, cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if err != nil || fl.Changed || fl.Name == "help" || fl.Name == "config" {
			return
		}
		env := envPrefix + "_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(fl.Name))
		where, raw := "", ""
		if v, ok := os.LookupEnv(env); ok {
			where, raw = env, v
		} else if f.Config.used != "" && f.Config.v.InConfig(fl.Name) {
			v := f.Config.v.Get(fl.Name)
			if _, list := v.([]any); list {
				return // a YAML list: checked as its items are used
			}
			where, raw = fmt.Sprintf("%s in config file %s", fl.Name, f.Config.used), fmt.Sprint(v)
		} else {
			return
		}
		if fl.Value.Type() == "stringArray" || fl.Value.Type() == "stringSlice" || fl.Value.Type() == "string" {
			return
		}
		probe := pflag.NewFlagSet("probe", pflag.ContinueOnError)
		probe.AddFlag(&pflag.Flag{Name: fl.Name, Value: newValueOf(fl)})
		if perr := probe.Set(fl.Name, raw); perr != nil {
			err = flagErrorf("invalid %s %s: %v; give what --%s takes (%s)", where, quoteSetting(raw), perr, fl.Name, settingExample(fl))
		}
	})
	if err != nil || f.Config.used == "" {
		return err
	}
	known := map[string]bool{"config": true}
	for _, k := range configOnlyKeys {
		known[k] = true
	}
	walkFlags(cmd.Root(), func(fl *pflag.Flag) { known[fl.Name] = true })
	for _, k := range f.Config.v.AllKeys() {
		top := strings.SplitN(k, ".", 2)[0]
		if !known[top] && f.Config.v.InConfig(top) {
			hint := ""
			if s := closestKey(top, known); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			fmt.Fprintf(f.IO.ErrOut, "plink: warning: config file %s: %q is not a setting of plink (keys are flag names)%s\n", f.Config.used, top, hint)
		}
	}
	return nil
}

// newValueOf returns an unset pflag.Value of fl's type, for parsing.
func newValueOf(fl *pflag.Flag) pflag.Value {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	switch fl.Value.Type() {
	case "bool":
		fs.Bool("v", false, "")
	case "int":
		fs.Int("v", 0, "")
	case "float64":
		fs.Float64("v", 0, "")
	case "duration":
		fs.Duration("v", 0, "")
	default:
		fs.String("v", "", "")
	}
	return fs.Lookup("v").Value
}

func settingExample(fl *pflag.Flag) string {
	switch fl.Value.Type() {
	case "bool":
		return "true or false"
	case "duration":
		return "a duration with its unit, such as " + durationExample(fl)
	case "int":
		return "a whole number"
	}
	return "a number"
}

func quoteSetting(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func walkFlags(c *cobra.Command, fn func(*pflag.Flag)) {
	c.Flags().VisitAll(fn)
	c.PersistentFlags().VisitAll(fn)
	for _, sub := range c.Commands() {
		walkFlags(sub, fn)
	}
}

// closestKey is the known key within two edits of k, or "".
func closestKey(k string, known map[string]bool) string {
	best, bestD := "", 3
	keys := make([]string, 0, len(known))
	for kk := range known {
		keys = append(keys, kk)
	}
	slices.Sort(keys)
	for _, kk := range keys {
		if d := editDistance(k, kk); d < bestD {
			best, bestD = kk, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
