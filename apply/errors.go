package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/plan"
)

// toError turns a call's error into an Error with a hint about the
// change's account and region.
func toError(action string, c *plan.Change, err error) *Error {
	return toErrorAt(action, changeScope(c), err)
}

// toErrorAt turns a call's error into an Error with a hint about the account
// and region the call went to.
func toErrorAt(action string, w where, err error) *Error {
	e := &Error{Call: action}
	var api smithy.APIError
	var late *noAnswerError
	switch {
	case errors.As(err, &api):
		e.Code, e.Message = api.ErrorCode(), api.ErrorMessage()
	case errors.As(err, &late):
		e.Code, e.Message = "RequestTimeout", late.Error()
	case errors.Is(err, errNotStarted):
		e.Code, e.Message = "Interrupted", err.Error()
	case errors.Is(err, context.Canceled):
		e.Code, e.Message = "Canceled", "the run was interrupted"
	case errors.Is(err, context.DeadlineExceeded):
		e.Code, e.Message = "Timeout", "the run's deadline passed"
	default:
		e.Code, e.Message = "ClientError", err.Error()
	}
	e.Hint = hintAt(e.Code, action, w)
	return e
}

// noAnswerError is a call that got no answer within its own deadline.
type noAnswerError struct{ after time.Duration }

func (e *noAnswerError) Error() string {
	return fmt.Sprintf("AWS did not answer within %s", e.after)
}

// notFound reports whether an AWS error code says the resource does not
// exist (InvalidVpcEndpointId.NotFound, ...): gone, or not visible yet.
func notFound(code string) bool { return strings.HasSuffix(code, ".NotFound") }

// unverifiedName reports whether AWS refused to turn private DNS on
// because the service's private DNS name is not verified yet.
func unverifiedName(e *Error) bool {
	return e.Code == "InvalidParameter" && strings.Contains(strings.ToLower(e.Message), "verif")
}

// itemError is an Unsuccessful item of a batch call.
func itemError(action string, c *plan.Change, code, msg string) *Error {
	return itemErrorAt(action, changeScope(c), code, msg)
}

func itemErrorAt(action string, w where, code, msg string) *Error {
	return &Error{Call: action, Code: code, Message: msg, Hint: hintAt(code, action, w)}
}

// hint says what to do about an error of a call in the change's account
// and region.
func hint(code, action string, c *plan.Change) string {
	return hintAt(code, action, changeScope(c))
}

// hintAt says what to do about an error of a call in an account and region.
func hintAt(code, action string, w where) string {
	loc := fmt.Sprintf("account %s (%s) in %s", w.account, w.accountID, w.region)
	switch {
	case code == "UnauthorizedOperation" || strings.HasPrefix(code, "AccessDenied") || code == "AuthFailure":
		return fmt.Sprintf("the credentials plink uses for %s lack ec2:%s; grant it to the role or profile of that account", loc, action)
	case code == "InvalidServiceName" || code == "InvalidVpcEndpointService.NotFound":
		return fmt.Sprintf("the service is not visible from %s: the provider must allow this account (allowedPrincipals) and, for a consumer in another region, list that region in supportedRegions", loc)
	case code == "InvalidSubnetID.NotFound" || code == "InvalidSubnet.NotFound" || code == "InvalidVpcID.NotFound" ||
		code == "InvalidGroup.NotFound" || code == "InvalidSecurityGroupID.NotFound":
		return fmt.Sprintf("the manifest names an id that does not exist in %s; correct it and plan again", loc)
	case code == "DuplicateSubnetsInSameZone":
		return "an endpoint takes at most one subnet per Availability Zone; keep one subnet per zone in subnetIds"
	case code == "IdempotentParameterMismatch":
		return "an earlier create used the same client token with other parameters; plan again so the plan starts from live state"
	case code == "ExistingVpcEndpointConnections":
		return "the service still has connections; reject them (connections.rejectUndeclared) or delete the endpoints, then plan again"
	case strings.HasSuffix(code, "LimitExceeded") && code != "RequestLimitExceeded":
		return fmt.Sprintf("a quota of %s is reached; raise it in Service Quotas or remove unused resources", loc)
	case code == "RequestLimitExceeded" || code == "Throttling" || code == "ThrottlingException":
		return "AWS kept throttling after the SDK's retries; lower --parallelism or try again later"
	case notFound(code):
		return "the resource is gone or not yet visible; run plink plan again: it plans from live state"
	case strings.HasPrefix(code, "InvalidParameter") || code == "MissingParameter":
		return "AWS rejected a value of this resource; check the manifest entry, then plan again"
	case code == "RequestTimeout":
		return fmt.Sprintf("AWS did not answer in time; check the network path to EC2 of %s, then run plink plan again", loc)
	case code == "Timeout":
		return "the resource did not reach the state in time and may still get there; run plink plan to see where it is, or raise the timeout"
	case code == "Canceled":
		return "run plink plan to see what is left, then apply again"
	case strings.HasPrefix(code, "Invalid") && strings.Contains(code, "State"):
		return "the resource is in a state that does not allow this; run plink plan again once it settles"
	}
	return "run plink plan again: it plans from live state and shows what is left to do"
}
