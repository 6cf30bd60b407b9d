package live

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// readZones reads the scope's Availability Zones, names and ids: a zone
// name means another zone in every account, the id does not.
func (rd *reader) readZones(ctx context.Context, sc *scopeState) ([]Zone, error) {
	var zones []Zone
	err := rd.call(ctx, sc, callZones, func(ctx context.Context) error {
		out, err := sc.ec2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
		if err != nil {
			return err
		}
		for _, z := range out.AvailabilityZones {
			zones = append(zones, Zone{AccountID: sc.AccountID, Region: sc.Region, Name: aws.ToString(z.ZoneName), ID: aws.ToString(z.ZoneId)})
		}
		return nil
	})
	return zones, err
}
