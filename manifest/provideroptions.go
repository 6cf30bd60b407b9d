package manifest

// Provider options: service principals and tags in allowedPrincipals, and
// payerResponsibility.

import "regexp"

// reServicePrincipal is an AWS service principal, as endpoint service
// permissions take it (PrincipalType Service).
var reServicePrincipal = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,253}\.amazonaws\.com(\.cn)?$`)

// checkPrincipalTags checks the tags of an allowed principal's service
// permission: as any tags, and at most 50 (none are plink's).
func (l *loader) checkPrincipalTags(pr *Principal) {
	l.checkTags(pr.Tags, func(k string) (Pos, bool) {
		p, ok := l.pos[posKey{pr, "tags." + k + "#key"}]
		return p, ok
	}, "tags")
	if len(pr.Tags) > maxTags {
		l.sink.errorf(l.at(pr, "tags"), CodeInvalid, "", "a principal has %d tags; AWS allows %d on a service permission", len(pr.Tags), maxTags)
	}
}

// Payer responsibilities: who pays for the endpoints of a service.
const (
	PayerEndpointOwner = "EndpointOwner" // AWS's default
	PayerServiceOwner  = "ServiceOwner"
)

// PayerResponsibilities are the values of payerResponsibility.
var PayerResponsibilities = []string{PayerEndpointOwner, PayerServiceOwner}
