package apply_test

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/sandbox"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// apply says it tagged a principal's permission only when it made the call:
// a new principal without tags is not "tagged" (and no CreateTags is
// made for it); one with tags names the keys; an update that only removes
// a tag says so.
func TestPrincipalTagNotes(t *testing.T) {
	e := &env{t: t, srv: sandboxtest.Start(t, sandbox.Options{})}
	path := optionsManifest(t, `      - { account: checkout, tags: { team: checkout, cost: shared } }
      - { service: `+elbService+` }
`, "")
	e.srv.Sandbox.ResetCalls()
	res := e.apply(path)
	notes := map[string]string{}
	for _, c := range res.Changes {
		notes[c.Address] = c.Message
	}
	const tagged, untagged = "provider.payments-api.principal[" + checkoutRoot + "]", "provider.payments-api.principal[" + elbService + "]"
	if got := notes[untagged]; got == "" || strings.Contains(got, "tagged") {
		t.Errorf("untagged principal's note %q", got)
	}
	if got := notes[tagged]; !strings.Contains(got, "tagged vpce-svc-perm-") || !strings.Contains(got, " (cost, team)") {
		t.Errorf("tagged principal's note %q", got)
	}
	if n := e.callsOf("CreateTags"); n < 1 {
		t.Errorf("CreateTags calls %d", n)
	}
	tagCalls := e.callsOf("CreateTags")

	// Without the tagged principal's tags at all: one tag removed, no
	// CreateTags.
	path2 := optionsManifest(t, `      - { account: checkout, tags: { team: checkout } }
      - { service: `+elbService+` }
`, "")
	e.srv.Sandbox.ResetCalls()
	res = e.apply(path2)
	for _, c := range res.Changes {
		if c.Address == tagged && (strings.Contains(c.Message, "tagged ") || !strings.Contains(c.Message, "removed tags cost from vpce-svc-perm-")) {
			t.Errorf("update's note %q", c.Message)
		}
	}
	if n := e.callsOf("CreateTags"); n != 0 {
		t.Errorf("CreateTags calls on a removal only: %d (first apply: %d)", n, tagCalls)
	}
	e.converged(path2)
}
