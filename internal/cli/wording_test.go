package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/plinkdev/plink/internal/iostreams"
)

// TestRoundErrorNamesTheCommandOnce: a --watch round's error that names
// the command already is not prefixed with it again.
func TestRoundErrorNamesTheCommandOnce(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	f := &Factory{IO: ios, Config: newConfig()}
	logRoundError(f, "text", withHint(errors.New("connections: 1 of 1 decision failed or was skipped"), "fix it"))
	if got := errOut.String(); !strings.HasPrefix(got, "plink: connections: 1 of 1 decision failed or was skipped (hint: fix it)") {
		t.Fatalf("stderr: %q", got)
	}
}

// TestCountsAgree: a sentence built on a count agrees with it.
func TestCountsAgree(t *testing.T) {
	var destroyRun applyRun
	destroyRun.destroy = &destroyMode{}
	for _, c := range []struct{ got, want string }{
		{describePathsVerb([]string{"m"}, "is"), "m is"},
		{describePathsVerb([]string{"m", "n"}, "is"), "m and 1 more path are"},
		{describePathsVerb([]string{"m", "n", "o"}, "is"), "m and 2 more paths are"},
		{newVerdict(applyRun{}, nil, 1, true).Message, "The targeted resources match the manifest; 1 change outside the targets remains (run plink plan)."},
		{newVerdict(applyRun{}, nil, 2, true).Message, "The targeted resources match the manifest; 2 changes outside the targets remain (run plink plan)."},
		{newVerdict(destroyRun, nil, 1, true).Message, "The targeted resources are destroyed; 1 change outside the targets remains (run plink plan)."},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
