package plan

// Provider options: tags on allowed principals' service permissions and
// the payer responsibility (provider.go plans them with the service and
// its principals).

// principalTags are the tags the manifest gives each allowed principal's
// service permission, by resolved principal (nil: none).
func (c *computer) principalTags(ps *provState) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, pr := range ps.p.AllowedPrincipals {
		arn := pr.Resolved
		if arn == "" {
			arn = pr.ARN
		}
		if len(pr.Tags) > 0 && arn != "" {
			out[arn] = pr.Tags
		}
	}
	return out
}

// CodePayerBack is the error of a manifest that asks a service whose
// owner pays for its endpoints (payerResponsibility ServiceOwner) to make
// the endpoint owners pay again: AWS has no call for it.
const CodePayerBack = "PL239"
