package apply

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func (r *runner) notificationCreate(ctx context.Context, s *step, purpose string) *Error {
	c, a, e := created(s)
	if e != nil {
		return e
	}
	svc := r.parentID(c)
	if svc == "" {
		return missing(c, "service id (its provider was not created)")
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	in := &ec2.CreateVpcEndpointConnectionNotificationInput{
		ServiceId:                 aws.String(svc),
		ConnectionNotificationArn: aws.String(a.TopicARN),
		ConnectionEvents:          a.Events,
	}
	// A notification has no state in which a token could answer it stale.
	id, _, e := r.create(ctx, c, classService, "CreateVpcEndpointConnectionNotification", "connection notification", purpose, in,
		nil, func(ctx context.Context, token *string) (*string, string, error) {
			attempt := *in
			attempt.ClientToken = token
			out, err := cl.CreateVpcEndpointConnectionNotification(ctx, &attempt)
			if err != nil || out.ConnectionNotification == nil {
				return nil, "", err
			}
			return out.ConnectionNotification.ConnectionNotificationId, "", nil
		})
	if e != nil {
		return e
	}
	r.setOutput(c.Address, output{ID: id, Created: true})
	s.note = "created " + id
	return nil
}

func (r *runner) notificationUpdate(ctx context.Context, s *step) *Error {
	c := s.cs.c
	if c.ID == "" {
		return missing(c, "live id")
	}
	if c.After == nil {
		return missing(c, "after values")
	}
	cl, e := r.client(ctx, c)
	if e != nil {
		return e
	}
	if e := r.call(ctx, c, classService, "ModifyVpcEndpointConnectionNotification", func(ctx context.Context) error {
		_, err := cl.ModifyVpcEndpointConnectionNotification(ctx, &ec2.ModifyVpcEndpointConnectionNotificationInput{
			ConnectionNotificationId:  aws.String(c.ID),
			ConnectionNotificationArn: aws.String(c.After.TopicARN),
			ConnectionEvents:          c.After.Events,
		})
		return err
	}); e != nil {
		return e
	}
	s.note = "modified " + c.ID
	return nil
}

func (r *runner) notificationDelete(ctx context.Context, s *step) *Error {
	_, _, _, e := r.deleteByID(ctx, s, classService, "DeleteVpcEndpointConnectionNotifications", func(ctx context.Context, cl EC2API, id string) ([]types.UnsuccessfulItem, error) {
		out, err := cl.DeleteVpcEndpointConnectionNotifications(ctx, &ec2.DeleteVpcEndpointConnectionNotificationsInput{ConnectionNotificationIds: []string{id}})
		return unsuccessfulOf(out, err, func(o *ec2.DeleteVpcEndpointConnectionNotificationsOutput) []types.UnsuccessfulItem {
			return o.Unsuccessful
		})
	})
	return e
}
