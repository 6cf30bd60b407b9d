package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/live"
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

// ownedTags are the tags a create carries: the change's tags, then plink's
// ownership tags, which win.
func ownedTags(project, address string, tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags)+2)
	for k, v := range tags {
		out[k] = v
	}
	out[live.TagProject] = project
	out[live.TagName] = resourceName(address)
	return out
}

// sdkTags turns a map into sorted SDK tags.
func sdkTags(m map[string]string) []types.Tag {
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
	return []types.TagSpecification{{ResourceType: rt, Tags: sdkTags(m)}}
}

// isPlinkTag reports whether k is one of plink's own tag keys, which apply
// never deletes.
func isPlinkTag(k string) bool { return strings.HasPrefix(k, "plink:") }
