package plan

// Lint PL117: a provider's connection notifications reach its SNS topic
// only if the topic's access policy lets the service principal
// vpce.amazonaws.com publish (sns:Publish) to it; otherwise nobody hears
// of the connections it exists for. The policies come from
// live.Snapshot.Topics (package live reads each topic the providers name
// once); they are evaluated here as IAM evaluates a resource policy for one request: vpce.amazonaws.com
// calling sns:Publish on the topic, with aws:SourceAccount the provider's
// account and aws:SourceArn its endpoint service (AWS PrivateLink guide,
// "Receive alerts for endpoint service events": the access policy to add,
// https://docs.aws.amazon.com/vpc/latest/privatelink/create-notification-endpoint-service.html).
// A topic whose policy could not be read is an info diagnostic: plink
// could not check it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
)

// vpcePrincipal is the service principal that publishes PrivateLink
// connection notifications.
const vpcePrincipal = "vpce.amazonaws.com"

// newServiceID stands for the id of a service this plan creates: no
// condition naming a real id matches it, a wildcard does.
const newServiceID = "vpce-svc-(created by this plan)"

// notificationTopics lints the topics of every provider's notifications.
func (c *computer) notificationTopics() {
	if len(c.s.Topics) == 0 {
		return
	}
	topics := map[string]*live.Topic{}
	for i := range c.s.Topics {
		topics[c.s.Topics[i].ARN] = &c.s.Topics[i]
	}
	for _, ps := range c.provs {
		if ps.accountID == "" {
			continue // an undeclared account: PL213 already
		}
		seen := map[string]bool{}
		for i, n := range ps.p.Notifications {
			t := topics[n.TopicARN]
			if t == nil || seen[n.TopicARN] {
				continue // not read (another shard's provider) or already said
			}
			seen[n.TopicARN] = true
			c.topicLint(ps, fmt.Sprintf("%s.notification[%d]", ps.addr, i), t)
		}
	}
}

func (c *computer) topicLint(ps *provState, addr string, t *live.Topic) {
	partition, _, _ := strings.Cut(strings.TrimPrefix(t.ARN, "arn:"), ":")
	serviceID := newServiceID
	if ps.svc != nil && ps.action != Create && ps.action != Replace {
		serviceID = ps.svc.ID
	}
	req := publishRequest{
		topic:      t.ARN,
		account:    ps.accountID,
		serviceARN: "arn:" + partition + ":ec2:" + ps.region + ":" + ps.accountID + ":vpc-endpoint-service/" + serviceID,
		newService: serviceID == newServiceID,
	}
	add := TopicStatement(t.ARN, partition, ps.region, ps.accountID)
	if t.Error != "" {
		c.diag(SeverityInfo, CodeTopicClosed, addr, ps.alias, ps.region,
			fmt.Sprintf("%s: could not check whether SNS topic %s lets %s publish %s's connection notifications: reading its policy as account %s failed: %s",
				addr, t.ARN, vpcePrincipal, ps.addr, c.accountLabel(t.AccountID), t.Error),
			unreadHint(t, add))
		return
	}
	v, err := evalPublish(t.Policy, req)
	if err != nil {
		c.diag(SeverityInfo, CodeTopicClosed, addr, ps.alias, ps.region,
			fmt.Sprintf("%s: could not check whether SNS topic %s lets %s publish %s's connection notifications: its policy does not parse: %v",
				addr, t.ARN, vpcePrincipal, ps.addr, err),
			"the topic's policy must let "+vpcePrincipal+" publish, with a statement like: "+add)
		return
	}
	if v.allowed && len(v.denies) == 0 {
		return
	}
	notes := v.notes
	if len(notes) == 0 {
		notes = []string{"no statement allows it"}
	}
	hint := "add this statement to the topic's access policy (SNS SetTopicAttributes, attribute Policy): " + add
	msg := fmt.Sprintf("%s: SNS topic %s would never receive %s's connection notifications: its access policy does not let %s publish (sns:Publish): %s",
		addr, t.ARN, ps.addr, vpcePrincipal, strings.Join(notes, "; "))
	switch {
	case len(v.denies) > 0:
		msg = fmt.Sprintf("%s: SNS topic %s would never receive %s's connection notifications: its access policy denies %s sns:Publish: %s",
			addr, t.ARN, ps.addr, vpcePrincipal, strings.Join(append(slices.Clone(v.denies), v.notes...), "; "))
		hint = "narrow " + strings.Join(v.denySids, " and ") + " of the topic's access policy so that it does not deny " + vpcePrincipal + " sns:Publish on the topic"
		if !v.allowed {
			hint += ", and add this statement to it (SNS SetTopicAttributes, attribute Policy): " + add
		}
	case v.maybe:
		msg = fmt.Sprintf("%s: SNS topic %s may never receive %s's connection notifications: no statement of its access policy lets %s publish (sns:Publish) for certain: %s",
			addr, t.ARN, ps.addr, vpcePrincipal, strings.Join(notes, "; "))
	}
	c.diag(SeverityWarning, CodeTopicClosed, addr, ps.alias, ps.region, msg, hint)
}

// unreadHint says what to do about a topic whose policy could not be read.
func unreadHint(t *live.Topic, add string) string {
	check := "its policy must let " + vpcePrincipal + " publish, with a statement like: " + add
	switch t.ErrorCode {
	case "NotFound":
		return "the topic does not exist in " + t.Region + ": create it or correct topicArn; " + check
	case "AuthorizationError", "AccessDenied", "AccessDeniedException":
		return fmt.Sprintf("plan reads the topic as account %s: give it sns:GetTopicAttributes on the topic (plink iam-policy --for plan), and for a topic of another account in the topic's policy too; or check by hand: %s",
			t.Account, check)
	}
	return "run plan again to check it; " + check
}

// TopicStatement is the statement that lets vpce.amazonaws.com publish a
// provider's connection notifications to topic: AWS PrivateLink's own
// example, scoped to the provider's account and its services in region, as
// compact JSON.
func TopicStatement(topic, partition, region, accountID string) string {
	type stmt struct {
		Sid       string                       `json:"Sid"`
		Effect    string                       `json:"Effect"`
		Principal map[string]string            `json:"Principal"`
		Action    string                       `json:"Action"`
		Resource  string                       `json:"Resource"`
		Condition map[string]map[string]string `json:"Condition"`
	}
	if partition == "" {
		partition = "aws"
	}
	b, _ := json.Marshal(stmt{
		Sid: "AllowPrivateLinkNotifications", Effect: "Allow", Principal: map[string]string{"Service": vpcePrincipal},
		Action: "SNS:Publish", Resource: topic,
		Condition: map[string]map[string]string{
			"ArnLike":      {"aws:SourceArn": "arn:" + partition + ":ec2:" + region + ":" + accountID + ":vpc-endpoint-service/*"},
			"StringEquals": {"aws:SourceAccount": accountID},
		},
	})
	return string(b)
}

// publishRequest is the request whose authorization the lint decides:
// vpce.amazonaws.com calling sns:Publish on topic for a service of account.
type publishRequest struct {
	topic, account, serviceARN string
	// newService: the service is created by this plan, its id unknown.
	newService bool
}

// verdict is how a topic policy decides a publishRequest.
type verdict struct {
	// allowed: some Allow statement applies for certain.
	allowed bool
	// denies describe Deny statements that apply for certain; denySids
	// name them.
	denies, denySids []string
	// notes say why statements that name the request do not apply for
	// certain (a condition that does not hold, or that plink cannot tell).
	notes []string
	// maybe: an Allow statement applies under a condition plink cannot
	// tell.
	maybe bool
}

// tri is a condition's truth: yes, no, or cannot tell.
type tri int

const (
	no tri = iota
	yes
	unknown
)

// policyDoc is a resource policy as written: fields that are a string or a
// list are kept raw.
type policyDoc struct {
	Statement json.RawMessage `json:"Statement"`
}

type policyStmt struct {
	Sid          any                                   `json:"Sid"`
	Effect       string                                `json:"Effect"`
	Principal    json.RawMessage                       `json:"Principal"`
	NotPrincipal json.RawMessage                       `json:"NotPrincipal"`
	Action       json.RawMessage                       `json:"Action"`
	NotAction    json.RawMessage                       `json:"NotAction"`
	Resource     json.RawMessage                       `json:"Resource"`
	NotResource  json.RawMessage                       `json:"NotResource"`
	Condition    map[string]map[string]json.RawMessage `json:"Condition"`
}

// evalPublish evaluates policy for req as IAM does for a resource policy:
// an explicit deny wins, else an allow must apply.
func evalPublish(policy string, req publishRequest) (verdict, error) {
	var v verdict
	var d policyDoc
	if err := json.Unmarshal([]byte(policy), &d); err != nil {
		return v, err
	}
	var stmts []policyStmt
	raw := strings.TrimSpace(string(d.Statement))
	switch {
	case raw == "" || raw == "null":
		return v, fmt.Errorf("no Statement")
	case strings.HasPrefix(raw, "["):
		if err := json.Unmarshal(d.Statement, &stmts); err != nil {
			return v, fmt.Errorf("%s: %w", "Statement", err) // the policy field's own name
		}
	default:
		var s policyStmt
		if err := json.Unmarshal(d.Statement, &s); err != nil {
			return v, fmt.Errorf("%s: %w", "Statement", err) // the policy field's own name
		}
		stmts = []policyStmt{s}
	}
	for i, s := range stmts {
		name := fmt.Sprintf("statement %d", i+1)
		if sid := fmt.Sprint(s.Sid); s.Sid != nil && sid != "" {
			name = fmt.Sprintf("statement %q", sid)
		}
		ok, err := s.names(req)
		if err != nil {
			return v, fmt.Errorf("%s: %w", name, err)
		}
		if !ok {
			continue
		}
		holds, why, err := conditionsHold(s.Condition, req)
		if err != nil {
			return v, fmt.Errorf("%s: %w", name, err)
		}
		switch {
		case strings.EqualFold(s.Effect, "Deny") && holds == yes:
			v.denies = append(v.denies, name+" denies it")
			v.denySids = append(v.denySids, name)
		case strings.EqualFold(s.Effect, "Deny") && holds == unknown:
			v.notes = append(v.notes, name+" may deny it: "+why)
		case strings.EqualFold(s.Effect, "Allow") && holds == yes:
			v.allowed = true
		case strings.EqualFold(s.Effect, "Allow"):
			v.notes = append(v.notes, name+" allows it only if "+why)
			v.maybe = v.maybe || holds == unknown
		}
	}
	return v, nil
}

// names reports whether the statement's principal, action and resource
// cover vpce.amazonaws.com's sns:Publish on the topic.
func (s policyStmt) names(req publishRequest) (bool, error) {
	var principal bool
	switch {
	case len(s.Principal) > 0:
		p, err := principalMatches(s.Principal)
		if err != nil {
			return false, fmt.Errorf("%s: %w", "Principal", err) // the policy field's own name
		}
		principal = p
	case len(s.NotPrincipal) > 0:
		p, err := principalMatches(s.NotPrincipal)
		if err != nil {
			return false, fmt.Errorf("NotPrincipal: %w", err)
		}
		principal = !p
	}
	action, err := listMatches(s.Action, s.NotAction, "Action", "sns:Publish", true)
	if err != nil {
		return false, err
	}
	resource, err := listMatches(s.Resource, s.NotResource, "Resource", req.topic, false)
	if err != nil {
		return false, err
	}
	return principal && action && resource, nil
}

// principalMatches reports whether a Principal element names
// vpce.amazonaws.com: "*", {"AWS": "*"} (the same as "*") or the service.
func principalMatches(raw json.RawMessage) (bool, error) {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*", nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, err
	}
	for k, v := range m {
		vals, err := stringList(v)
		if err != nil {
			return false, fmt.Errorf("%s: %w", k, err)
		}
		for _, val := range vals {
			if strings.EqualFold(k, "AWS") && val == "*" || strings.EqualFold(k, "Service") && strings.EqualFold(val, vpcePrincipal) {
				return true, nil
			}
		}
	}
	return false, nil
}

// listMatches matches value against an element and its Not form
// (Action/NotAction, Resource/NotResource), with IAM's wildcards.
func listMatches(pos, neg json.RawMessage, field, value string, fold bool) (bool, error) {
	raw, negate := pos, false
	if len(raw) == 0 {
		raw, negate = neg, true
		field = "Not" + field
	}
	if len(raw) == 0 {
		return false, nil
	}
	pats, err := stringList(raw)
	if err != nil {
		return false, fmt.Errorf("%s: %w", field, err)
	}
	hit := false
	for _, p := range pats {
		hit = hit || glob(p, value, fold)
	}
	return hit != negate, nil
}

// conditionsHold evaluates a Condition block for req: every operator and
// key must hold. why says which does not, or cannot be told.
func conditionsHold(cond map[string]map[string]json.RawMessage, req publishRequest) (tri, string, error) {
	result := yes
	var whys []string
	ops := make([]string, 0, len(cond))
	for op := range cond {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		keys := make([]string, 0, len(cond[op]))
		for k := range cond[op] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			vals, err := stringList(cond[op][key])
			if err != nil {
				return no, "", fmt.Errorf("%s %s %s: %w", "Condition", op, key, err) // the policy field's own name
			}
			t, why := conditionHolds(op, key, vals, req)
			switch t {
			case no:
				result = no
				whys = append([]string{why}, whys...)
			case unknown:
				if result == yes {
					result = unknown
				}
				whys = append(whys, why)
			}
		}
	}
	return result, strings.Join(whys, ", and "), nil
}

// conditionHolds evaluates one operator on one key for the notification
// request. The request carries aws:SourceAccount (the provider's account)
// and aws:SourceArn (its endpoint service), as AWS PrivateLink's example
// policy conditions on, and not aws:SourceOwner: SNS documents that a
// service publishing to a topic sets one of the two account keys, and
// PrivateLink's is aws:SourceAccount ("aws:SourceAccount versus
// aws:SourceOwner", https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html).
// For any other key plink cannot tell what vpce.amazonaws.com sends.
func conditionHolds(op, key string, vals []string, req publishRequest) (tri, string) {
	shown := fmt.Sprintf("%s %s %s", op, key, strings.Join(vals, ", "))
	base, allValues := op, false
	if b, ok := strings.CutPrefix(base, "ForAnyValue:"); ok {
		base = b
	} else if b, ok := strings.CutPrefix(base, "ForAllValues:"); ok {
		base, allValues = b, true
	}
	base, ifExists := strings.CutSuffix(base, "IfExists")
	var match func(pat, have string) bool
	negated := false
	switch base {
	case "StringEquals", "StringNotEquals":
		match = func(p, have string) bool { return p == have }
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		match = strings.EqualFold
	case "StringLike", "StringNotLike":
		match = func(p, have string) bool { return glob(p, have, false) }
	case "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike":
		match = arnMatch
	case "Null":
	default:
		return unknown, fmt.Sprintf("%s holds, which plink cannot evaluate (operator %s)", shown, op)
	}
	negated = strings.Contains(base, "Not")
	var have, what string
	switch strings.ToLower(key) {
	case "aws:sourceaccount":
		have, what = req.account, "the provider's account "+req.account
	case "aws:sourcearn":
		have, what = req.serviceARN, "its endpoint service "+req.serviceARN
		if req.newService {
			what = "its endpoint service, which this plan creates (a new id, matched only by a wildcard)"
		}
	case "aws:sourceowner":
		// Absent from the request: only Null, IfExists, the negated
		// operators and ForAllValues hold.
		absent := base == "Null" && slicesHasFold(vals, "true") || base != "Null" && (ifExists || negated || allValues)
		if absent {
			return yes, ""
		}
		return no, fmt.Sprintf("%s holds, which it never does: %s sets aws:SourceAccount, not aws:SourceOwner", shown, vpcePrincipal)
	default:
		return unknown, fmt.Sprintf("%s holds, which plink cannot tell for %s's notifications", shown, vpcePrincipal)
	}
	if base == "Null" {
		if slicesHasFold(vals, "false") {
			return yes, ""
		}
		return no, fmt.Sprintf("%s holds, which it does not: %s sets %s", shown, vpcePrincipal, key)
	}
	hit := false
	for _, v := range vals {
		hit = hit || match(v, have)
	}
	if hit != negated {
		return yes, ""
	}
	return no, fmt.Sprintf("%s holds, which it does not for %s", shown, what)
}

func slicesHasFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// arnMatch is IAM's ArnEquals/ArnLike: each of the six colon-separated
// parts matched on its own, case-sensitively, with wildcards.
func arnMatch(pattern, arn string) bool {
	p, a := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(p) != 6 || len(a) != 6 {
		return false
	}
	for i := range p {
		if !glob(p[i], a[i], false) {
			return false
		}
	}
	return true
}

// stringList reads a policy value that is a string or a list of strings
// (numbers and booleans are taken as their text).
func stringList(raw json.RawMessage) ([]string, error) {
	var one any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // an account id written as a number stays whole
	if err := dec.Decode(&one); err != nil {
		return nil, err
	}
	scalar := func(x any) (string, error) {
		switch x := x.(type) {
		case string:
			return x, nil
		case json.Number, bool:
			return fmt.Sprint(x), nil
		}
		return "", fmt.Errorf("want a string or a list of strings")
	}
	if list, ok := one.([]any); ok {
		out := make([]string, 0, len(list))
		for _, x := range list {
			s, err := scalar(x)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := scalar(one)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// glob matches IAM's wildcards: * any run of characters, ? one character;
// fold ignores case (actions).
func glob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	p, v := []rune(pattern), []rune(s)
	// Iterative matching with backtracking to the last *.
	pi, vi, star, mark := 0, 0, -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == v[vi]):
			pi++
			vi++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, vi
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			vi = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
