package buildinfo

import "testing"

func TestLdflagsWin(t *testing.T) {
	defer func(v, c, d string) { Version, Commit, Date = v, c, d }(Version, Commit, Date)
	Version, Commit, Date = "1.2.3", "abc123", "2026-11-23T00:00:00Z"
	got := Get()
	if got.Version != "1.2.3" || got.Commit != "abc123" || got.Date != "2026-11-23T00:00:00Z" {
		t.Fatalf("Get() = %+v, want the injected values", got)
	}
}

func TestFallbackIsNeverEmpty(t *testing.T) {
	defer func(v, c, d string) { Version, Commit, Date = v, c, d }(Version, Commit, Date)
	Version, Commit, Date = "", "", ""
	got := Get()
	if got.Version == "" || got.Commit == "" || got.Date == "" || got.GoVersion == "" {
		t.Fatalf("Get() = %+v: every field needs a value for go run / go install builds", got)
	}
}
