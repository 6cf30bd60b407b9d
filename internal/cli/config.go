package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/plinkdev/plink/internal/bounded"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// maxConfigBytes caps the config file: a mapping of some dozen flag names.
const maxConfigBytes = 1 << 20

// envPrefix: PLINK_OUTPUT, PLINK_NO_COLOR, PLINK_SANDBOX_DIR, ...
const envPrefix = "PLINK"

// Config resolves every setting with the precedence flag > environment
// (PLINK_*) > config file > default. Keys are flag names.
type Config struct {
	v    *viper.Viper
	used string
	// flags are the command's, bound by load (for Source).
	flags *pflag.FlagSet
}

func newConfig() *Config {
	v := viper.New()
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_", ".", "_"))
	v.AutomaticEnv()
	return &Config{v: v}
}

// load reads the config file — explicit (must exist), else .plink.yaml in
// the working directory, else plink/config.yaml in the user config dir —
// and binds the command's flags.
func (c *Config) load(explicit string, flags *pflag.FlagSet) error {
	path := explicit
	if path == "" {
		path = os.Getenv(envPrefix + "_CONFIG")
	}
	if path == "" {
		candidates := []string{".plink.yaml"}
		if dir, err := os.UserConfigDir(); err == nil {
			candidates = append(candidates, filepath.Join(dir, "plink", "config.yaml"))
		}
		for _, p := range candidates {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	} else if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return withHint(fmt.Errorf("config file %s does not exist", path), "pass an existing file to --config, or drop the flag to use .plink.yaml")
	}
	if path != "" {
		// Read as every file plink reads: a regular file under a size cap,
		// its depth, width and values bounded before viper's YAML parser
		// sees it.
		data, err := bounded.ReadFile(path, maxConfigBytes)
		if err != nil {
			return withHint(fmt.Errorf("config file: %w", err), "a config file is a short YAML mapping of flag names to values")
		}
		if se := bounded.ScanYAML(data, bounded.Limits{}); se != nil {
			return withHint(fmt.Errorf("config file %s:%d:%d: %s", path, se.Line, se.Column, se.Problem()), "a config file is a short YAML mapping of flag names to values")
		}
		c.v.SetConfigType("yaml")
		if err := c.v.ReadConfig(bytes.NewReader(data)); err != nil {
			return fmt.Errorf("config file %s: %s", path, bounded.Quote(err.Error()))
		}
		c.used = path
	}
	c.flags = flags
	var bindErr error
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Name == "config" || f.Name == "help" {
			return
		}
		if err := c.v.BindPFlag(f.Name, f); err != nil {
			bindErr = err
		}
	})
	return bindErr
}

// Source names where the setting key came from, for an error that
// refuses its value: "--output" (the flag, or its default),
// "PLINK_OUTPUT", or "output in config file .plink.yaml".
func (c *Config) Source(key string) string {
	if c.flags != nil {
		if fl := c.flags.Lookup(key); fl != nil && fl.Changed {
			return "--" + key
		}
	}
	env := envPrefix + "_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(key))
	if v, ok := os.LookupEnv(env); ok && v != "" { // viper ignores an empty one
		return env
	}
	if c.used != "" && c.v.InConfig(key) {
		return fmt.Sprintf("%s in config file %s", key, c.used)
	}
	return "--" + key
}

// File is the config file in use, or "".
func (c *Config) File() string { return c.used }

// String returns a setting.
func (c *Config) String(key string) string { return c.v.GetString(key) }

// Bool returns a setting.
func (c *Config) Bool(key string) bool { return c.v.GetBool(key) }

// Float returns a setting.
func (c *Config) Float(key string) float64 { return c.v.GetFloat64(key) }

// Int returns a setting.
func (c *Config) Int(key string) int { return c.v.GetInt(key) }

// Strings returns a list setting (a YAML list, or comma-separated in env).
func (c *Config) Strings(key string) []string {
	var out []string
	for _, s := range c.v.GetStringSlice(key) {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// FloatMap returns a map setting such as prices.
func (c *Config) FloatMap(key string) map[string]float64 {
	raw := c.v.GetStringMap(key)
	out := make(map[string]float64, len(raw))
	for k, v := range raw {
		switch n := v.(type) {
		case float64:
			out[k] = n
		case int:
			out[k] = float64(n)
		}
	}
	return out
}

// Sub returns a raw config value (for settings with no flag).
func (c *Config) Get(key string) any { return c.v.Get(key) }

// Duration returns a duration setting ("90s", "5m").
func (c *Config) Duration(key string) time.Duration { return c.v.GetDuration(key) }
