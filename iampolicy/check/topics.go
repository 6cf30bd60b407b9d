package check

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// callTopic is the read of a notification topic's access policy (lint
// PL117).
const callTopic = "sns:GetTopicAttributes"

// topics asks, as the account that reads each notification topic
// (live.NotificationTopics), in the topic's region, whether it may read
// the topic's policy: the read itself. A topic that does not exist was
// still a call AWS allowed; one whose own policy refuses another account
// (SNS's AuthorizationError) is not a grant plink's policy can give, so
// it is skipped with AWS's words: plan notes it and goes on.
func (ck *checker) topics(ctx context.Context) {
	for _, t := range live.NotificationTopics(ck.m, nil) {
		w, err := ck.clients(ctx, t.Account, t.Region)
		if err != nil {
			ck.rep.Results = append(ck.rep.Results, Result{Account: t.Account, AccountID: ck.m.Accounts[t.Account].ID, Region: t.Region,
				Call: "credentials", Status: Unknown, Reason: err.Error()})
			continue
		}
		change := notificationOf(ck.m, t)
		_, err = w.c.SNS().GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(t.ARN)})
		switch awsenv.ErrorCode(err) {
		case "NotFound":
			err = nil
		case "AuthorizationError":
			ck.rep.Results = append(ck.rep.Results, Result{Account: w.alias, AccountID: w.id, Region: w.region, Call: callTopic, Change: change,
				Status: Skipped, Reason: "the topic's own policy does not let this account read it (plan notes it, PL117): " + describe(err)})
			continue
		}
		ck.record(ctx, w, callTopic, change, false, err)
	}
}

// notificationOf is the plan address of the first notification of the
// reading account's providers that names the topic.
func notificationOf(m *manifest.Manifest, t live.TopicRead) string {
	for _, p := range m.Providers {
		if p.Account != t.Account {
			continue
		}
		for i, n := range p.Notifications {
			if n.TopicARN == t.ARN {
				return fmt.Sprintf("provider.%s.notification[%d]", p.Name, i)
			}
		}
	}
	return ""
}
