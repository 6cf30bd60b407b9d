package iampolicy

import (
	"testing"

	"github.com/plinkdev/plink/manifest"
)

// TestNotificationTopicReads: sns:GetTopicAttributes (lint PL117) is granted
// on exactly the topics the account reads for its providers' notifications
// (live.NotificationTopics: the topic's own account when one of its
// providers names it), for plink plan only (no other command reads the
// topics), and not at all without notifications.
func TestNotificationTopicReads(t *testing.T) {
	const topic = "arn:aws:sns:us-east-1:111111111111:pl-events"
	for _, mode := range []Mode{Apply, Drift, Status, Connections, Export} {
		if allowed(applyDocs(t, mode)["payments"], "sns:GetTopicAttributes", topic, nil) {
			t.Errorf("%s reads no topic, yet its policy grants it", mode)
		}
	}
	for _, mode := range []Mode{Plan} {
		docs := applyDocs(t, mode)
		if !allowed(docs["payments"], "sns:GetTopicAttributes", topic, nil) {
			t.Errorf("%s: payments cannot read its providers' topic", mode)
		}
		if allowed(docs["payments"], "sns:GetTopicAttributes", "arn:aws:sns:us-east-1:111111111111:other", nil) {
			t.Errorf("%s: payments may read a topic no provider names", mode)
		}
		for _, alias := range []string{"checkout", "analytics"} {
			if allowed(docs[alias], "sns:GetTopicAttributes", topic, nil) {
				t.Errorf("%s: %s, which reads no topic, may read one", mode, alias)
			}
		}
		generic, err := For(mode, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !allowed(generic[AnyAccount], "sns:GetTopicAttributes", "arn:aws:sns:eu-west-1:444444444444:t", nil) {
			t.Errorf("%s: the generic policy cannot read a topic", mode)
		}
	}

	// A topic of another account that only analytics' provider names is
	// read by analytics; one that payments' provider names too, by payments.
	m := loadTestManifest(t)
	for _, p := range m.Providers {
		if p.Account == "analytics" {
			p.Notifications = []manifest.Notification{{TopicARN: topic, Events: []string{"Connect"}},
				{TopicARN: "arn:aws:sns:us-west-2:222222222222:checkout-events", Events: []string{"Connect"}}}
		}
	}
	docs, err := For(Plan, m)
	if err != nil {
		t.Fatal(err)
	}
	if allowed(docs["analytics"], "sns:GetTopicAttributes", topic, nil) || !allowed(docs["payments"], "sns:GetTopicAttributes", topic, nil) ||
		!allowed(docs["analytics"], "sns:GetTopicAttributes", "arn:aws:sns:us-west-2:222222222222:checkout-events", nil) {
		t.Errorf("topic reads: payments %+v, analytics %+v", docs["payments"], docs["analytics"])
	}
	for _, p := range m.Providers {
		p.Notifications = nil
	}
	if docs, err = For(Plan, m); err != nil {
		t.Fatal(err)
	}
	for alias, d := range docs {
		if d.Allows("sns:GetTopicAttributes") {
			t.Errorf("%s reads topics without notifications", alias)
		}
	}
}
