package sandbox

// SNS (awsquery, 2010-03-31): GetTopicAttributes for the topics a world
// declares, with their topic policy, so that plink can read whether a
// connection notification's topic lets vpce.amazonaws.com publish. Topics
// are part of the world (RegionWorld.Topics); the sandbox sends no messages.

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

const (
	svcSNS = "sns"
	snsNS  = "http://sns.amazonaws.com/doc/2010-03-31/"
)

// Topic is an SNS topic of an account in a region.
type Topic struct {
	// Name is the topic name (the last part of its ARN).
	Name string `yaml:"name"`
	// Policy is the topic's access policy (JSON); empty means AWS's default
	// policy, which lets only the owner account's principals use the topic.
	Policy      string `yaml:"policy"`
	DisplayName string `yaml:"displayName"`
}

var (
	reTopicName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}(\.fifo)?$`)
	reTopicArn  = regexp.MustCompile(`^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$`)
)

func snsHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{"GetTopicAttributes": snsGetTopicAttributes}
}

// validateTopics checks the topics of one account and region.
func validateTopics(where string, topics []Topic) []error {
	var errs []error
	seen := map[string]bool{}
	for _, t := range topics {
		if !reTopicName.MatchString(t.Name) || len(t.Name) > 256 {
			errs = append(errs, fmt.Errorf("%s: topic %q: name must be 1-256 letters, digits, - or _ (and .fifo at the end for a FIFO topic)", where, t.Name))
		}
		if seen[t.Name] {
			errs = append(errs, fmt.Errorf("%s: topic %q: duplicate name", where, t.Name))
		}
		seen[t.Name] = true
		if t.Policy != "" {
			var doc map[string]any
			if err := json.Unmarshal([]byte(t.Policy), &doc); err != nil {
				errs = append(errs, fmt.Errorf("%s: topic %s: policy is not a JSON object: %w", where, t.Name, err))
			} else if _, ok := doc["Statement"]; !ok {
				errs = append(errs, errors.New(where+": topic "+t.Name+": policy has no Statement"))
			}
		}
	}
	return errs
}

// topicByArn finds a world topic.
func (s *Sandbox) topicByArn(arn string) (*Topic, string, string) {
	m := reTopicArn.FindStringSubmatch(arn)
	if m == nil {
		return nil, "", ""
	}
	n := s.net(m[2], m[1])
	if n.acct == nil {
		return nil, m[1], m[2]
	}
	rw := n.acct.Regions[m[1]]
	for i := range rw.Topics {
		if rw.Topics[i].Name == m[3] {
			return &rw.Topics[i], m[1], m[2]
		}
	}
	return nil, m[1], m[2]
}

// defaultTopicPolicy is the policy AWS gives a topic created without one.
func defaultTopicPolicy(arn, owner string) string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2008-10-17",
		"Id":      "__default_policy_ID",
		"Statement": []any{map[string]any{
			"Sid":       "__default_statement_ID",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": "*"},
			"Action": []string{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
				"SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"},
			"Resource":  arn,
			"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceOwner": owner}},
		}},
	})
	return string(b)
}

const snsDeliveryPolicy = `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`

func snsGetTopicAttributes(c *call) ([]xn, *apiError) {
	arn := c.p.str("TopicArn")
	if arn == "" {
		return nil, errf(400, "InvalidParameter", "Invalid parameter: TopicArn")
	}
	t, region, account := c.sb.topicByArn(arn)
	switch {
	case region == "":
		return nil, errf(400, "InvalidParameter", "Invalid parameter: TopicArn")
	case region != c.region:
		return nil, errf(400, "InvalidParameter", "Invalid parameter: TopicArn (the topic is in %s, the request was sent to %s)", region, c.region)
	case account != c.account():
		// A topic of another account is readable only if its policy
		// grants the caller, which the sandbox does not evaluate.
		return nil, errf(403, "AuthorizationError", "User: %s is not authorized to perform: SNS:GetTopicAttributes on resource: %s", c.caller.Arn, arn)
	case t == nil:
		return nil, errf(404, "NotFound", "Topic does not exist")
	}
	policy := t.Policy
	if policy == "" {
		policy = defaultTopicPolicy(arn, account)
	}
	entry := func(k, v string) xn { return el("entry", tx("key", k), tx("value", v)) }
	attrs := []xn{
		entry("Policy", policy),
		entry("Owner", account),
		entry("SubscriptionsPending", "0"),
		entry("TopicArn", arn),
		entry("EffectiveDeliveryPolicy", snsDeliveryPolicy),
		entry("SubscriptionsConfirmed", "0"),
		entry("DisplayName", t.DisplayName),
		entry("SubscriptionsDeleted", "0"),
	}
	if strings.HasSuffix(t.Name, ".fifo") {
		attrs = append(attrs, entry("FifoTopic", "true"), entry("ContentBasedDeduplication", "false"))
	}
	return []xn{el("Attributes", attrs...)}, nil
}
