// A command file that reconciles by itself: TestCLIReconcilesNothing
// must name each of its four violations.
package bad

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/plan"
)

func run(ctx context.Context, src any) {
	_ = ec2.Options{}
	snap, _ := live.Read(ctx, nil, nil, live.ReadOptions{})
	p := plan.Compute(nil, snap, plan.Options{})
	_, _ = apply.Run(ctx, p, nil, apply.Options{})
}
