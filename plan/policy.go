package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// FullAccessPolicy is the normalized form of the policy AWS puts on an
// endpoint that has none of its own. In Values a policy equal to it is
// written as "" so that "no policy in the manifest" and AWS's default
// compare equal.
const FullAccessPolicy = `{"Statement":[{"Action":["*"],"Effect":"Allow","Principal":"*","Resource":["*"]}],"Version":"2008-10-17"}`

// defaultPolicyVersion is the IAM policy language version assumed when a
// document has none (IAM's own default).
const defaultPolicyVersion = "2008-10-17"

// listKeys are statement keys whose values are unordered lists of strings:
// a single string equals a one-element list and order carries no meaning.
var listKeys = []string{"Action", "NotAction", "Resource", "NotResource"}

// NormalizePolicy returns the canonical compact JSON of an IAM policy
// document: keys sorted, no insignificant whitespace, a missing Version
// set to IAM's default, Statement always a list, Action/Resource (and
// their Not forms), principal and condition values always sorted,
// de-duplicated lists. A policy that grants full access (AWS's default
// endpoint policy) and the empty string both normalize to "".
func NormalizePolicy(doc string) (string, error) {
	if strings.TrimSpace(doc) == "" {
		return "", nil
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("policy is not valid JSON: %w", err)
	}
	if dec.More() {
		return "", errors.New("policy has trailing data after the JSON document")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return "", errors.New("policy must be a JSON object with Version and Statement")
	}
	if _, ok := obj["Version"]; !ok {
		obj["Version"] = defaultPolicyVersion
	}
	switch st := obj["Statement"].(type) {
	case map[string]any:
		obj["Statement"] = []any{normalizeStatement(st)}
	case []any:
		for i, s := range st {
			if m, ok := s.(map[string]any); ok {
				st[i] = normalizeStatement(m)
			}
		}
	case nil:
		return "", errors.New("policy has no Statement")
	}
	if isFullAccess(obj) {
		return "", nil
	}
	return marshalCanonical(obj), nil
}

// NormalizePolicyMap normalizes a policy given as decoded YAML/JSON (the
// manifest's form).
func NormalizePolicyMap(doc map[string]any) (string, error) {
	if doc == nil {
		return "", nil
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("policy cannot be written as JSON: %w", err)
	}
	return NormalizePolicy(string(b))
}

// PrettyPolicy indents a normalized policy for display; "" shows the
// full-access default.
func PrettyPolicy(normalized string) string {
	if normalized == "" {
		normalized = FullAccessPolicy
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(normalized), "", "  "); err != nil {
		return normalized
	}
	return buf.String()
}

func normalizeStatement(st map[string]any) map[string]any {
	for _, k := range listKeys {
		if v, ok := st[k]; ok {
			st[k] = sortedList(v)
		}
	}
	for _, k := range []string{"Principal", "NotPrincipal"} {
		if m, ok := st[k].(map[string]any); ok {
			for pk, pv := range m {
				m[pk] = sortedList(pv)
			}
		}
	}
	if cond, ok := st["Condition"].(map[string]any); ok {
		for _, ov := range cond {
			if keys, ok := ov.(map[string]any); ok {
				for ck, cv := range keys {
					keys[ck] = sortedList(cv)
				}
			}
		}
	}
	return st
}

// sortedList turns a string or a list of scalars into a sorted list without
// duplicates; other values are returned as they are.
func sortedList(v any) any {
	var items []any
	switch t := v.(type) {
	case string, json.Number, bool:
		items = []any{t}
	case []any:
		items = t
	default:
		return v
	}
	strs := make([]string, 0, len(items))
	for _, it := range items {
		switch s := it.(type) {
		case string:
			strs = append(strs, s)
		case json.Number:
			strs = append(strs, s.String())
		case bool:
			strs = append(strs, fmt.Sprint(s))
		default:
			return v // nested structure: leave the order alone
		}
	}
	sort.Strings(strs)
	out := make([]any, 0, len(strs))
	for i, s := range strs {
		if i > 0 && strs[i-1] == s {
			continue
		}
		out = append(out, s)
	}
	return out
}

func isFullAccess(doc map[string]any) bool {
	sts, ok := doc["Statement"].([]any)
	if !ok || len(sts) != 1 {
		return false
	}
	st, ok := sts[0].(map[string]any)
	if !ok {
		return false
	}
	for k := range st {
		switch k {
		case "Sid", "Effect", "Principal", "Action", "Resource":
		default:
			return false
		}
	}
	if st["Effect"] != "Allow" || !isStar(st["Action"]) || !isStar(st["Resource"]) {
		return false
	}
	switch p := st["Principal"].(type) {
	case string:
		return p == "*"
	case map[string]any:
		return len(p) == 1 && isStar(p["AWS"])
	}
	return false
}

func isStar(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 1 && l[0] == "*"
}

func marshalCanonical(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
