package apply

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/awsauthz"
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
	e := &Error{Call: action, Err: err}
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
	if m := reEncoded.FindStringSubmatch(e.Message); m != nil && e.Code == "UnauthorizedOperation" {
		// EC2's reason is some 2 KB of opaque text: keep it whole in
		// EncodedMessage (JSON) and say it short, with how to read it.
		e.EncodedMessage = m[1]
		e.Message = fmt.Sprintf("not authorized to perform ec2:%s in account %s (%s) in %s; AWS's reason is encoded (%d characters: "+
			"the error's encodedMessage in --output json)", action, w.account, w.accountID, w.region, len(m[1]))
		e.Hint = fmt.Sprintf("to read it, with the credentials plink uses for account %s: aws sts decode-authorization-message "+
			"--query DecodedMessage --output text --encoded-message MESSAGE (plink decodes it itself when those credentials may call "+
			"sts:DecodeAuthorizationMessage); plink iam-policy --check -f PATH names the statement to add", w.account)
	}
	return e
}

// reAccessDenied is the permission and resource of AWS's AccessDenied
// text: "User: ARN is not authorized to perform: ACTION [on resource:
// ARN] because …".
var reAccessDenied = regexp.MustCompile(`not authorized to perform: (\S+?)(?: on resource: (\S+))?(?: because| with|$)`)

// reEncoded finds EC2's encoded authorization failure message.
var reEncoded = regexp.MustCompile(`Encoded authorization failure message: (\S+)`)

// Decoder is sts:DecodeAuthorizationMessage with the credentials plink
// uses for an account (alias) in a region: the decoded JSON.
type Decoder func(ctx context.Context, account, region, encoded string) (string, error)

// Explain decodes, with dec, the encoded authorization message of each
// failed change of res, and says what AWS refused: the permission, the
// resource, the account and region. When a message cannot be decoded (the
// credentials may not call sts:DecodeAuthorizationMessage, or anything
// else) AWS has not said which permission it refused: the error says so
// and lists every permission the call depends on (its own on each
// resource type, tag on create, vpce:AllowMultiRegion: package awsauthz)
// rather than naming one. The other services (Route 53, VPC Lattice,
// ELB, STS) say in their AccessDenied text which permission and resource
// they refused: the hint names that permission, not an EC2 one.
func Explain(ctx context.Context, res *Result, dec Decoder) {
	if res == nil {
		return
	}
	for i := range res.Changes {
		cr := &res.Changes[i]
		e := cr.Error
		if e != nil && e.EncodedMessage == "" && strings.HasPrefix(e.Code, "AccessDenied") {
			if m := reAccessDenied.FindStringSubmatch(e.Message); m != nil {
				on := ""
				if m[2] != "" {
					on = " on " + m[2]
				}
				e.Hint = fmt.Sprintf("grant %s%s to the role or profile plink uses for account %s: plink iam-policy -f PATH (--for the command) "+
					"prints the policy, and plink iam-policy --check -f PATH names the statement to add", m[1], on, cr.Account)
			}
			continue
		}
		if e == nil || e.EncodedMessage == "" || dec == nil {
			continue
		}
		out, err := dec(ctx, cr.Account, cr.Region, e.EncodedMessage)
		var d struct {
			ExplicitDeny bool `json:"explicitDeny"`
			Context      struct {
				Action   string `json:"action"`
				Resource string `json:"resource"`
			} `json:"context"`
		}
		if err == nil && (json.Unmarshal([]byte(out), &d) != nil || d.Context.Action == "") {
			err = errors.New("the decoded message is not the JSON AWS documents")
		}
		if err != nil {
			notDecoded(e, cr, err)
			continue
		}
		on := ""
		if d.Context.Resource != "" {
			on = " on " + d.Context.Resource
		}
		loc := fmt.Sprintf("account %s (%s) in %s", cr.Account, cr.AccountID, cr.Region)
		if d.ExplicitDeny {
			e.Message = fmt.Sprintf("not authorized: an explicit Deny in a policy of %s refuses %s%s", loc, d.Context.Action, on)
			e.Hint = fmt.Sprintf("a Deny statement (identity policy, permission boundary or SCP) of %s refuses %s; plink cannot work around it", loc, d.Context.Action)
			continue
		}
		e.Message = fmt.Sprintf("not authorized: no identity-based policy of %s allows %s%s", loc, d.Context.Action, on)
		e.Hint = fmt.Sprintf("grant %s%s to the role or profile plink uses for account %s: plink iam-policy -f PATH (--for the command) "+
			"prints the policy, and plink iam-policy --check -f PATH names the statement to add", d.Context.Action, on, cr.Account)
	}
}

// notDecoded says, for an EC2 call refused with a message that could not
// be decoded, that AWS did not say which permission it refused, and every
// one the call depends on.
func notDecoded(e *Error, cr *ChangeResult, err error) {
	why := err.Error()
	var api smithy.APIError
	if errors.As(err, &api) {
		why = api.ErrorCode()
		if strings.HasPrefix(why, "AccessDenied") {
			why = "the credentials may not call sts:DecodeAuthorizationMessage"
		}
	}
	e.Message = fmt.Sprintf("not authorized to perform ec2:%s in account %s (%s) in %s; AWS did not say which permission it refused "+
		"(its encoded reason was not decoded: %s)", e.Call, cr.Account, cr.AccountID, cr.Region, why)
	var needs []string
	if row, ok := awsauthz.Lookup("ec2", e.Call); ok {
		var types []string
		for _, r := range row.Rows {
			types = append(types, cmp.Or(r.Type, "*"))
		}
		needs = append(needs, fmt.Sprintf("%s on %s", row.Permission(), strings.Join(types, ", ")))
		for _, dep := range row.Dependent {
			switch dep {
			case "ec2:CreateTags":
				needs = append(needs, "ec2:CreateTags with ec2:CreateAction "+e.Call+" (tag on create)")
			case awsauthz.AllowMultiRegion:
				needs = append(needs, dep+" when "+row.MultiRegion)
			case awsauthz.ServiceNetworkAssociation:
				needs = append(needs, dep+" (ServiceNetwork)")
			default:
				needs = append(needs, dep)
			}
		}
	} else {
		needs = append(needs, "ec2:"+e.Call)
	}
	// one line a reader can take in (under 600 characters with its indent)
	e.Hint = fmt.Sprintf("the call needs every one of: %s; plink iam-policy --check -f PATH lists the statements; "+
		"to name it, grant sts:DecodeAuthorizationMessage or run: aws sts "+
		"decode-authorization-message --query DecodedMessage --output text --encoded-message MESSAGE (encodedMessage in -o json)",
		strings.Join(needs, "; "))
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
