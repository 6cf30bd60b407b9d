// Package buildinfo owns the version, commit and build date of the binary:
// injected with -ldflags by release builds, read from the module build info
// for `go install` and `go run` builds.
package buildinfo

import (
	"runtime/debug"
)

// Set at release build time:
//
//	-ldflags "-X github.com/plinkdev/plink/internal/buildinfo.Version=1.2.3 ..."
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is what `plink version` prints.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
}

// Get returns the build information, falling back to the module build info
// (the module version for `go install ...@v1.2.3`, "(devel)" and the VCS
// revision for builds from a checkout).
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		info.GoVersion = bi.GoVersion
		if info.Version == "" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			case "vcs.modified":
				if s.Value == "true" && info.Commit != "" && Commit == "" {
					info.Commit += "-dirty"
				}
			}
		}
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	if info.Date == "" {
		info.Date = "unknown"
	}
	return info
}
