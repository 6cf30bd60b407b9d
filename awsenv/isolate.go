package awsenv

import (
	"os"
	"path/filepath"
)

// settingsEnv are the environment variables through which the SDK picks up
// a machine's AWS configuration: profiles, credentials, region, endpoints
// and retry settings.
var settingsEnv = []string{
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
	"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
}

// Isolate keeps the SDK away from the machine's AWS configuration: it
// clears every setting variable and points the shared config and
// credentials files into dir (at os.DevNull when dir is ""), with the
// instance metadata service off. setenv sets a variable, or unsets it when
// value is "" — os.Setenv-like for a process, t.Setenv-like for a test.
func Isolate(setenv func(key, value string), dir string) {
	for _, k := range settingsEnv {
		setenv(k, "")
	}
	config, creds := os.DevNull, os.DevNull
	if dir != "" {
		config, creds = filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	}
	setenv("AWS_CONFIG_FILE", config)
	setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// ProcessEnv is the setenv of Isolate for the running process.
func ProcessEnv(key, value string) {
	if value == "" {
		os.Unsetenv(key)
		return
	}
	os.Setenv(key, value)
}
