package sandbox

// EC2 Filter.N matching and MaxResults/NextToken pagination.

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// fieldFunc returns a resource's values for a filter name; known is false
// for filter names the action does not support.
type fieldFunc func(name string) (vals []string, known bool)

// checkFilters rejects filter names the action does not know. probe is a
// fieldFunc over any resource (or a zero one).
func checkFilters(fs []filter, probe fieldFunc) *apiError {
	for _, f := range fs {
		if f.Name == "" {
			return badParam("The filter name must not be empty")
		}
		if _, known := probe(f.Name); !known {
			return badParam("The filter '%s' is invalid", f.Name)
		}
	}
	return nil
}

// matches reports whether a resource passes every filter (values within a
// filter are ORed, filters ANDed). Values may use * and ? wildcards.
func matches(fs []filter, get fieldFunc) bool {
	for _, f := range fs {
		vals, _ := get(f.Name)
		ok := false
		for _, want := range f.Values {
			for _, v := range vals {
				if globMatch(want, v) {
					ok = true
					break
				}
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// tagFields resolves tag:KEY, tag-key and tag-value against tags.
func tagFields(name string, tags []tag) ([]string, bool) {
	switch {
	case strings.HasPrefix(name, "tag:"):
		k := strings.TrimPrefix(name, "tag:")
		for _, t := range tags {
			if t.Key == k {
				return []string{t.Value}, true
			}
		}
		return nil, true
	case name == "tag-key":
		out := make([]string, len(tags))
		for i, t := range tags {
			out[i] = t.Key
		}
		return out, true
	case name == "tag-value":
		out := make([]string, len(tags))
		for i, t := range tags {
			out[i] = t.Value
		}
		return out, true
	}
	return nil, false
}

var (
	globMu    sync.Mutex
	globCache = map[string]*regexp.Regexp{}
)

func globMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	globMu.Lock()
	defer globMu.Unlock()
	re, ok := globCache[pattern]
	if !ok {
		var b strings.Builder
		b.WriteString("^")
		for _, r := range pattern {
			switch r {
			case '*':
				b.WriteString(".*")
			case '?':
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		b.WriteString("$")
		re = regexp.MustCompile(b.String())
		globCache[pattern] = re
	}
	return re.MatchString(s)
}

// pageLimits describes an action's MaxResults bounds.
type pageLimits struct {
	min, max int
	// clamp: values above max return max items instead of failing.
	clamp bool
	// idsConflict: MaxResults together with explicit ids is an error.
	idsConflict bool
	// param is the parameter name used in messages.
	param string
}

var (
	vpceLimits = pageLimits{min: 5, max: 1000, clamp: true, param: "MaxResults"}
	netLimits  = pageLimits{min: 5, max: 1000, idsConflict: true, param: "MaxResults"}
)

// paginate applies MaxResults and NextToken to items. haveIDs says whether
// the request named explicit ids.
func paginate[T any](c *call, items []T, lim pageLimits, haveIDs bool) ([]T, string, *apiError) {
	max, hasMax, err := c.p.integer("MaxResults")
	if err != nil {
		return nil, "", err
	}
	start := 0
	if tok := c.p.str("NextToken"); tok != "" {
		n, ok := decodeToken(tok, c.action)
		if !ok || n > len(items) {
			return nil, "", errf(400, "InvalidPaginationToken", "Invalid pagination token: %s", tok)
		}
		start = n
	}
	if !hasMax {
		return items[start:], "", nil
	}
	if haveIDs && lim.idsConflict {
		return nil, "", errf(400, "InvalidParameterCombination", "The parameter %ss cannot be used with the parameter maxResults", strings.TrimSuffix(c.idParamName(), "s"))
	}
	if max < lim.min || (max > lim.max && !lim.clamp) {
		return nil, "", badParam("Value ( %d ) for parameter maxResults is invalid. Parameter must be between %d and %d.", max, lim.min, lim.max)
	}
	if max > lim.max {
		max = lim.max
	}
	end := start + max
	if end >= len(items) {
		return items[start:], "", nil
	}
	return items[start:end], encodeToken(end, c.action), nil
}

// idParamName names the ids parameter of the current action for messages.
func (c *call) idParamName() string {
	switch c.action {
	case "DescribeVpcs":
		return "vpcIds"
	case "DescribeSubnets":
		return "subnetIds"
	case "DescribeSecurityGroups":
		return "groupIds"
	}
	return "ids"
}

func encodeToken(offset int, action string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s:%d", action, offset)))
}

func decodeToken(tok, action string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	a, n, ok := strings.Cut(string(b), ":")
	if !ok || a != action {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil && i >= 0
}
