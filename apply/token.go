package apply

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

// maxTokenLen is the longest ClientToken EC2 accepts.
const maxTokenLen = 64

// ClientToken derives the idempotency token of a create from the project,
// the resource address, what the create is for ("create", or "replace:" and
// the replaced id) and the create's parameters (any JSON-encodable value, the
// SDK input without its token). The same inputs always give the same token,
// so a retried or repeated create returns the resource made the first time;
// different parameters give a different token.
func ClientToken(project, address, purpose string, params any) string {
	b, err := json.Marshal(params)
	if err != nil {
		// Inputs are plain SDK structs; fall back to the address alone.
		b = nil
	}
	h := sha256.New()
	for _, s := range []string{project, address, purpose} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(b)
	t := "plink-" + hex.EncodeToString(h.Sum(nil))
	if len(t) > maxTokenLen {
		t = t[:maxTokenLen]
	}
	return t
}

// resourceName is the plink:name tag value of an address: the manifest name
// (provider.api → api, consumer.web → web).
func resourceName(address string) string {
	for _, p := range []string{"provider.", "consumer."} {
		if strings.HasPrefix(address, p) {
			return strings.TrimPrefix(address, p)
		}
	}
	return address
}

// OwnedTags are the tags a create (or adopt) carries: the change's tags,
// then plink's ownership tags, which win.
func OwnedTags(project, address string, tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags)+2)
	for k, v := range tags {
		out[k] = v
	}
	out[live.TagProject] = project
	out[live.TagName] = resourceName(address)
	return out
}

// SDKTags turns a map into sorted SDK tags.
func SDKTags(m map[string]string) []types.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func tagSpec(rt types.ResourceType, m map[string]string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: rt, Tags: SDKTags(m)}}
}

// isPlinkTag reports whether k is one of plink's own tag keys, which apply
// never deletes.
func isPlinkTag(k string) bool { return strings.HasPrefix(k, "plink:") }

// renamesTo reports whether tag k is plink:name and the change renames the
// resource: both sides carry a name and they differ.
func renamesTo(k string, before, after map[string]string) bool {
	return k == live.TagName && before[k] != "" && after[k] != "" && before[k] != after[k]
}

// renameNote says what an update that renames a resource did, or "".
func renameNote(before, after map[string]string) string {
	if !renamesTo(live.TagName, before, after) {
		return ""
	}
	return fmt.Sprintf("renamed %s -> %s (%s)", before[live.TagName], after[live.TagName], live.TagName)
}

// maxStaleTokens bounds how many answers with a deleted resource one create
// takes on salted, deterministic tokens before it takes a fresh one. Each
// answer costs a create call from the account-region's bucket (0.3/s for
// endpoints), behind every create queued there: with five, a name deleted
// and made again five times within AWS's token retention took 2m15s to
// create beside seven other creates, past a shard's --shard-wait. One
// keeps a run retried at once after a stale answer on the token it used;
// the fresh token after it is safe because a create tags what it makes,
// and a later run finds the resource by its tags.
const maxStaleTokens = 1

// saltedPurpose is the purpose a create's ClientToken is derived from after
// its earlier tokens were answered with the deleted resources stale names:
// "create", then "create after:vpce-1", "create after:vpce-1 after:vpce-2".
// It is deterministic, so a retried run derives the same tokens and finds
// the resource it made the first time.
//
// Past maxStaleTokens (a resource deleted and made again that often within
// AWS's token retention, as a destroy-and-apply loop does) the chain would
// grow by a call every cycle and then refuse until the tokens expire: the
// last try takes a token nobody used (fresh), which AWS answers with a new
// resource. Its idempotency is then the SDK's, which retries the call
// with the same token, and the plink tags the resource is created with,
// which a later run finds it by.
func saltedPurpose(purpose string, stale []string, fresh func() string) string {
	if len(stale) > maxStaleTokens {
		return purpose + " fresh:" + fresh()
	}
	for _, id := range stale {
		purpose += " after:" + id
	}
	return purpose
}

// freshSalt is a random salt for saltedPurpose.
func freshSalt() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// staleToken handles a create answered with a resource in a final state
// (deleted, deleting, rejected, failed): AWS keeps ClientTokens for a while
// after the resource they made is deleted, so an identical create of a
// resource removed earlier gets the removed one back. It emits an event that
// says so and returns stale with id added, for a create with a token salted
// by it; or an error once maxStaleTokens were answered so.
func (r *runner) staleToken(c *plan.Change, action, what, id, state string, stale []string) ([]string, *Error) {
	stale = append(stale, id)
	if len(stale) > maxStaleTokens+1 {
		return stale, &Error{Call: action, Code: "StaleClientToken",
			Message: fmt.Sprintf("%d creates in a row were answered with a deleted %s (last %s, %s)", len(stale), what, id, state),
			Hint:    "AWS still answers these client tokens with resources deleted earlier; apply again later, or create the resource outside plink and adopt it by id"}
	}
	r.emit(c, ProgressStarted, fmt.Sprintf("%s %s made by an earlier run is %s; creating a new %s",
		what, id, state, what), 0)
	return stale, nil
}

// createdNote says what a create made, and which deleted resources its
// earlier tokens were answered with.
func createdNote(id string, stale []string) string {
	if len(stale) == 0 {
		return "created " + id
	}
	return fmt.Sprintf("created %s (an earlier run had made %s for it, deleted since)", id, strings.Join(stale, ", "))
}
