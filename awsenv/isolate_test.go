package awsenv

import (
	"os"
	"testing"
)

func TestIsolateClearsSettingsAndPointsAtEmptyFiles(t *testing.T) {
	t.Setenv("AWS_PROFILE", "prod")
	t.Setenv("AWS_ENDPOINT_URL_EC2", "http://example.invalid")
	got := map[string]string{}
	Isolate(func(k, v string) { got[k] = v }, "")
	for _, k := range []string{"AWS_PROFILE", "AWS_ENDPOINT_URL_EC2", "AWS_ACCESS_KEY_ID", "AWS_REGION"} {
		if v, ok := got[k]; !ok || v != "" {
			t.Errorf("%s not cleared: %q (set: %v)", k, v, ok)
		}
	}
	if got["AWS_CONFIG_FILE"] != os.DevNull || got["AWS_SHARED_CREDENTIALS_FILE"] != os.DevNull || got["AWS_EC2_METADATA_DISABLED"] != "true" {
		t.Errorf("files and IMDS: %v", got)
	}
}

func TestProcessEnvUnsetsEmptyValues(t *testing.T) {
	t.Setenv("PLINK_ISOLATE_PROBE", "x")
	ProcessEnv("PLINK_ISOLATE_PROBE", "")
	if _, ok := os.LookupEnv("PLINK_ISOLATE_PROBE"); ok {
		t.Fatal("an empty value must unset the variable")
	}
	ProcessEnv("PLINK_ISOLATE_PROBE", "y")
	if os.Getenv("PLINK_ISOLATE_PROBE") != "y" {
		t.Fatal("value not set")
	}
}
