package sandbox

// STS (awsquery, 2011-06-15): GetCallerIdentity and AssumeRole with trust
// lists and external ids; the temporary credentials it issues are kept in
// the state so they work across processes.

import (
	"regexp"
	"strings"
	"time"
)

func stsGetCallerIdentity(c *call) ([]xn, *apiError) {
	return []xn{tx("UserId", c.caller.UserID), tx("Account", c.caller.Account), tx("Arn", c.caller.Arn)}, nil
}

var reSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func stsAssumeRole(c *call) ([]xn, *apiError) {
	roleArn, sessName := c.p.str("RoleArn"), c.p.str("RoleSessionName")
	if roleArn == "" {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if sessName == "" {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	if !reSessionName.MatchString(sessName) {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", sessName)
	}
	dur, hasDur, err := c.p.integer("DurationSeconds")
	if err != nil {
		return nil, err
	}
	if !hasDur {
		dur = 3600
	}
	if dur < 900 || dur > 43200 {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200", dur)
	}
	denied := errf(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.caller.Arn, roleArn)
	role, ok := c.sb.roles[roleArn]
	if !ok || !trusts(role, c.caller) {
		return nil, denied
	}
	if role.ExternalID != "" && c.p.str("ExternalId") != role.ExternalID {
		return nil, denied
	}
	if dur > 3600 {
		return nil, errf(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	ses := &session{
		AccessKeyID:     "ASIA" + strings.ToUpper(c.sb.randAlnum(16)),
		SecretAccessKey: c.sb.randAlnum(40),
		SessionToken:    "IQoJb3JpZ2luX2VjE" + c.sb.randAlnum(64) + c.sb.randAlnum(64),
		Account:         role.Account,
		RoleArn:         role.Arn,
		RoleID:          role.ID,
		SessionName:     sessName,
		Arn:             "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + sessName,
		Expiration:      c.now.Add(time.Duration(dur) * time.Second),
	}
	c.sb.st.Sessions[ses.AccessKeyID] = ses
	return []xn{
		el("Credentials",
			tx("AccessKeyId", ses.AccessKeyID),
			tx("SecretAccessKey", ses.SecretAccessKey),
			tx("SessionToken", ses.SessionToken),
			tx("Expiration", ses.Expiration.UTC().Format("2006-01-02T15:04:05Z")),
		),
		el("AssumedRoleUser", tx("AssumedRoleId", ses.RoleID+":"+sessName), tx("Arn", ses.Arn)),
	}, nil
}

// trusts reports whether a role's trust list admits the caller.
func trusts(r *roleInfo, caller *identity) bool {
	if contains(r.TrustedAccounts, caller.Account) {
		return true
	}
	for _, p := range r.TrustedPrincipals {
		if p == caller.Arn || (caller.RoleArn != "" && p == caller.RoleArn) || p == "arn:aws:iam::"+caller.Account+":root" {
			return true
		}
	}
	return false
}
