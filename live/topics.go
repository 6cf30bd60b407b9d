package live

// Notification topics: a provider's connection notifications reach its SNS
// topic only if the topic's own access policy lets the service principal
// vpce.amazonaws.com publish to it. The reader reads that policy (SNS
// GetTopicAttributes, attribute Policy) once per distinct topic the
// manifest's providers name, in the topic's region with the credentials of
// an account that names it; package plan evaluates it (lint PL117). A topic
// that cannot be read (another account's, a deleted one, a role without
// sns:GetTopicAttributes) is recorded in Topic.Error, not as a failed read:
// the plan is complete without it, plan only says it could not check.

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/manifest"
)

// CallTopicAttributes is the SNS call that reads a topic's policy.
const CallTopicAttributes = "GetTopicAttributes"

// SNSAPI is the part of the SNS client the reader calls; *sns.Client
// satisfies it.
type SNSAPI interface {
	GetTopicAttributes(context.Context, *sns.GetTopicAttributesInput, ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error)
}

// TopicAPISource is an APISource that also hands out SNS clients. ReadAPIs
// reads the notification topics' policies only from a source that is one
// (Read's always is); a source that is not one leaves Snapshot.Topics
// empty, and plan checks no topic.
type TopicAPISource interface {
	TopicAPI(ctx context.Context, account, region string) (SNSAPI, error)
}

// TopicAPI is the account's SNS client in region.
func (c clientAPIs) TopicAPI(ctx context.Context, account, region string) (SNSAPI, error) {
	return awsenv.Client(ctx, c.src, account, region, "SNS", func(c *awsenv.Clients) SNSAPI { return c.SNS() })
}

// Topic is the access policy of an SNS topic that connection notifications
// of the manifest's providers go to.
type Topic struct {
	ARN string `json:"arn"`
	// Account and AccountID are the account whose credentials read it;
	// Region is the topic's (from its ARN).
	Account   string `json:"account"`
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	// Policy is the topic's access policy (JSON) as SNS returns it.
	Policy string `json:"policy,omitempty"`
	// Error says why the policy could not be read ("AuthorizationError:
	// ..."), ErrorCode is AWS's error code when there is one; Policy is
	// then empty.
	Error     string `json:"error,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
}

// TopicRead is a topic to read, and the account alias whose credentials
// read it in the topic's region.
type TopicRead struct {
	ARN     string
	Account string
	Region  string
}

// NotificationTopics lists the distinct SNS topics the providers of m name
// in notifications (only providers whose account-region shard owns, when
// shard is not nil), sorted by ARN. Each is read by the topic's own account
// when a provider naming it is there (an account reads its own topics under
// its identity policy alone), else by the account of the first such
// provider by name. A topic ARN that does not parse is left out (manifest
// validation refuses it).
func NotificationTopics(m *manifest.Manifest, shard func(account, region string) bool) []TopicRead {
	type cand struct{ provider, alias string }
	byARN := map[string][]cand{}
	for _, p := range m.Providers {
		region := p.Region
		if region == "" {
			region = m.Defaults.Region
		}
		if shard != nil && !shard(p.Account, region) {
			continue
		}
		if m.Accounts[p.Account] == nil {
			continue
		}
		for _, n := range p.Notifications {
			byARN[n.TopicARN] = append(byARN[n.TopicARN], cand{p.Name, p.Account})
		}
	}
	var out []TopicRead
	for arn, cands := range byARN {
		region, owner, ok := TopicScope(arn)
		if !ok {
			continue
		}
		sort.Slice(cands, func(i, j int) bool { return cands[i].provider < cands[j].provider })
		reader := cands[0].alias
		for _, c := range cands {
			if m.Accounts[c.alias].ID == owner {
				reader = c.alias
				break
			}
		}
		out = append(out, TopicRead{ARN: arn, Account: reader, Region: region})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// TopicScope splits an SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME)
// into its region and account id.
func TopicScope(arn string) (region, account string, ok bool) {
	f := strings.Split(arn, ":")
	if len(f) != 6 || f[0] != "arn" || f[2] != "sns" || f[3] == "" || f[4] == "" || f[5] == "" {
		return "", "", false
	}
	return f[3], f[4], true
}

// readTopics reads the policy of every topic NotificationTopics lists, each
// once, under the overall bound.
func (rd *reader) readTopics(ctx context.Context, src TopicAPISource) {
	reads := NotificationTopics(rd.m, rd.opts.Shard)
	if len(reads) == 0 {
		return
	}
	out := make([]Topic, len(reads))
	var wg sync.WaitGroup
	for i, tr := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = rd.readTopic(ctx, src, tr)
		}()
	}
	wg.Wait()
	rd.add(func(s *Snapshot) { s.Topics = append(s.Topics, out...) })
}

func (rd *reader) readTopic(ctx context.Context, src TopicAPISource, tr TopicRead) Topic {
	t := Topic{ARN: tr.ARN, Account: tr.Account, AccountID: rd.m.Accounts[tr.Account].ID, Region: tr.Region}
	err := func() error {
		// Clients first, outside the bound: they may wait for the
		// account's role to be verified (awsenv's Verified source).
		api, err := src.TopicAPI(ctx, tr.Account, tr.Region)
		if err != nil {
			return err
		}
		select {
		case rd.global <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-rd.global }()
		out, err := api.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(tr.ARN)})
		if err != nil {
			return err
		}
		p, ok := out.Attributes["Policy"]
		if !ok || p == "" {
			return errors.New("SNS returned no Policy attribute")
		}
		t.Policy = p
		return nil
	}()
	if err != nil {
		t.Error = awsenv.Describe(err)
		t.ErrorCode = awsenv.ErrorCode(err)
	}
	return t
}
