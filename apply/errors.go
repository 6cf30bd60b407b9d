package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/plan"
)

// toError turns a call's error into an Error with a hint.
func toError(action string, c *plan.Change, err error) *Error {
	e := &Error{Call: action}
	var api smithy.APIError
	switch {
	case errors.As(err, &api):
		e.Code, e.Message = api.ErrorCode(), api.ErrorMessage()
	case errors.Is(err, context.Canceled):
		e.Code, e.Message = "Canceled", "the run was interrupted"
	case errors.Is(err, context.DeadlineExceeded):
		e.Code, e.Message = "Timeout", "the run's deadline passed"
	default:
		e.Code, e.Message = "ClientError", err.Error()
	}
	e.Hint = hint(e.Code, action, c)
	return e
}

// itemError is an Unsuccessful item of a batch call.
func itemError(action string, c *plan.Change, code, msg string) *Error {
	return &Error{Call: action, Code: code, Message: msg, Hint: hint(code, action, c)}
}

func hint(code, action string, c *plan.Change) string {
	where := fmt.Sprintf("account %s (%s) in %s", c.Account, c.AccountID, c.Region)
	switch {
	case code == "UnauthorizedOperation" || strings.HasPrefix(code, "AccessDenied") || code == "AuthFailure":
		return fmt.Sprintf("the credentials plink uses for %s lack ec2:%s; grant it to the role or profile of that account", where, action)
	case code == "InvalidServiceName" || code == "InvalidVpcEndpointService.NotFound":
		return fmt.Sprintf("the service is not visible from %s: the provider must allow this account (allowedPrincipals) and, for a consumer in another region, list that region in supportedRegions", where)
	case code == "InvalidSubnetID.NotFound" || code == "InvalidSubnet.NotFound" || code == "InvalidVpcID.NotFound" ||
		code == "InvalidGroup.NotFound" || code == "InvalidSecurityGroupID.NotFound":
		return fmt.Sprintf("the manifest names an id that does not exist in %s; correct it and plan again", where)
	case code == "DuplicateSubnetsInSameZone":
		return "an endpoint takes at most one subnet per Availability Zone; keep one subnet per zone in subnetIds"
	case code == "IdempotentParameterMismatch":
		return "an earlier create used the same client token with other parameters; plan again so the plan starts from live state"
	case code == "ExistingVpcEndpointConnections":
		return "the service still has connections; reject them (connections.rejectUndeclared) or delete the endpoints, then plan again"
	case strings.HasSuffix(code, "LimitExceeded") && code != "RequestLimitExceeded":
		return fmt.Sprintf("a quota of %s is reached; raise it in Service Quotas or remove unused resources", where)
	case code == "RequestLimitExceeded" || code == "Throttling" || code == "ThrottlingException":
		return "AWS kept throttling after the SDK's retries; lower --parallelism or try again later"
	case strings.HasSuffix(code, ".NotFound"):
		return "the resource is gone or not yet visible; run plink plan again: it plans from live state"
	case strings.HasPrefix(code, "InvalidParameter") || code == "MissingParameter":
		return "AWS rejected a value of this resource; check the manifest entry, then plan again"
	case code == "Timeout":
		return "the resource did not reach the state in time and may still get there; run plink plan to see where it is, or raise the timeout"
	case code == "Canceled":
		return "run plink plan to see what is left, then apply again"
	case strings.HasPrefix(code, "Invalid") && strings.Contains(code, "State"):
		return "the resource is in a state that does not allow this; run plink plan again once it settles"
	}
	return "run plink plan again: it plans from live state and shows what is left to do"
}
