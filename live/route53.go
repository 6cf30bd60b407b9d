package live

// Private DNS verification records: a provider with the long form
// privateDns has plink publish the TXT record AWS verifies its private DNS
// name by, in a public Route 53 hosted zone of the provider's account. The
// reader finds that zone (the one given, or the public zone whose name is
// the longest suffix of the name: ListHostedZonesByName, one call per
// candidate domain; a zone given that the service's TagDNSZone names
// already is not looked up again) and reads the record at the name the
// service's PrivateDnsNameConfiguration gives (ListResourceRecordSets, one
// call per record, however many reads need it).
//
// Route 53 records carry no tags, so ownership is recorded on the service,
// which plink owns: the tag plink:dns-zone names the zone plink wrote the
// service's record in (TagDNSZone). A service of a provider with
// privateDns that carries the tag has its record read in that zone too
// (the zone may have changed). A tagged service that the manifest no
// longer gives privateDns (removed, or back to the short form) is not
// read: the tag alone says which record plink wrote, and apply reads it
// just before deleting it. Nothing here reads Route 53 for a provider of
// the short form privateDnsName, or for a service without the tag, so an
// account without privateDns needs no Route 53 permission to be read.

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/plinkdev/plink/awsenv"
)

// TagDNSZone is the tag on an endpoint service that says plink published
// the TXT record verifying its private DNS name, and in which hosted zone
// (its id): the record is plink's to change and delete.
const TagDNSZone = "plink:dns-zone"

// Route 53 calls, as recorded in Failures.
const (
	CallHostedZonesByName = "ListHostedZonesByName"
	CallRecordSets        = "ListResourceRecordSets"
)

// Route53API is the part of the Route 53 client the reader calls.
type Route53API interface {
	ListHostedZonesByName(context.Context, *route53.ListHostedZonesByNameInput, ...func(*route53.Options)) (*route53.ListHostedZonesByNameOutput, error)
	ListResourceRecordSets(context.Context, *route53.ListResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error)
}

// DNSAPISource is an APISource that also hands out Route 53 clients;
// Read's always is. A source that is not one reads no record.
type DNSAPISource interface {
	DNSAPI(ctx context.Context, account, region string) (Route53API, error)
}

// DNSAPI is the account's Route 53 client (signed for Route 53's region
// whatever region is).
func (c clientAPIs) DNSAPI(ctx context.Context, account, region string) (Route53API, error) {
	return awsenv.Client(ctx, c.src, account, region, "Route 53", func(c *awsenv.Clients) Route53API { return c.Route53() })
}

// DNSZone is the public hosted zone a provider's verification record goes
// in, as found for its private DNS name.
type DNSZone struct {
	// Provider is the manifest provider's name; Name its private DNS name.
	Provider  string `json:"provider"`
	Name      string `json:"name"`
	AccountID string `json:"accountId"`
	// ZoneID and ZoneName are the zone found ("" when none is).
	ZoneID   string `json:"zoneId,omitempty"`
	ZoneName string `json:"zoneName,omitempty"`
	// Problem says why the zone given is not usable (private, or not a
	// zone of the account for the name), or that no public zone holds the
	// name.
	Problem string `json:"problem,omitempty"`
}

// DNSRecord is the TXT record set at one name of a hosted zone.
type DNSRecord struct {
	AccountID string `json:"accountId"`
	ZoneID    string `json:"zoneId"`
	// Name is the record's name, lower case, without the final dot.
	Name string `json:"name"`
	// Exists says whether the zone has a TXT record set at Name; Values
	// are its values as Route 53 gives them (quoted), TTL its TTL.
	Exists bool     `json:"exists"`
	Values []string `json:"values,omitempty"`
	TTL    int64    `json:"ttl,omitempty"`
}

// VerificationDomain is the domain a private DNS name is verified for: the
// name without a leading wildcard label.
func VerificationDomain(name string) string {
	return strings.TrimPrefix(strings.ToLower(strings.TrimSuffix(name, ".")), "*.")
}

// VerificationRecordName is the name of the TXT record that verifies
// a service's private DNS name: the label AWS gives under the domain (a
// label given as the full name already is kept as it is).
func VerificationRecordName(label, privateDNSName string) string {
	if label == "" || privateDNSName == "" {
		return ""
	}
	label = strings.ToLower(strings.TrimSuffix(label, "."))
	domain := VerificationDomain(privateDNSName)
	if strings.HasSuffix(label, "."+domain) {
		return label // already the full name
	}
	return label + "." + domain
}

// TXTValue is a TXT value as Route 53 takes it: quoted, with quotes and
// backslashes escaped.
func TXTValue(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

type dnsRead struct {
	account, accountID, region string
	provider, name, zoneGiven  string // a zone lookup; provider "" for none
	zoneID, record             string // a record read; zoneID "" for none
	// recordInFoundZone: read the record in the zone the lookup finds.
	recordInFoundZone bool
	// taggedZone is the zone the provider's live service says plink wrote
	// its record in (TagDNSZone), for the manifest's name: when it is the
	// zone given, it was checked before plink first wrote there, and is
	// not looked up again.
	taggedZone string
}

// dnsReads lists what Route 53 reads the snapshot's services and the
// manifest's providers need.
func (rd *reader) dnsReads() []dnsRead {
	var out []dnsRead
	seen := map[string]bool{}
	rd.mu.Lock()
	services := append([]Service(nil), rd.snap.Services...)
	rd.mu.Unlock()
	alias := map[string]string{}
	for a, acc := range rd.m.Accounts {
		if acc != nil {
			alias[acc.ID] = a
		}
	}
	managed := map[string]bool{} // provider names with privateDns
	for _, p := range rd.m.Providers {
		if p.ManagesDNSRecord() {
			managed[p.Name] = true
			if p.Adopt != "" {
				managed[p.Adopt] = true
			}
		}
	}
	for _, sv := range services {
		z := sv.Tags[TagDNSZone]
		if z == "" || sv.Tags[TagProject] != rd.m.Project || alias[sv.AccountID] == "" || !managed[sv.Tags[TagName]] && !managed[sv.ID] {
			continue
		}
		rec := VerificationRecordName(sv.PrivateDNSTXTName, sv.PrivateDNSName)
		if rec == "" || seen[z+"|"+rec] {
			continue
		}
		seen[z+"|"+rec] = true
		out = append(out, dnsRead{account: alias[sv.AccountID], accountID: sv.AccountID, region: sv.Region, zoneID: z, record: rec})
	}
	for _, p := range rd.m.Providers {
		acc := rd.m.Accounts[p.Account]
		if !p.ManagesDNSRecord() || acc == nil {
			continue
		}
		region := p.Region
		if region == "" {
			region = rd.m.Defaults.Region
		}
		if rd.opts.Shard != nil && !rd.opts.Shard(p.Account, region) {
			continue
		}
		r := dnsRead{account: p.Account, accountID: acc.ID, region: region, provider: p.Name, name: p.PrivateDNSName, zoneGiven: p.PrivateDNS.Route53HostedZoneID}
		// The record at the name the provider's live service asks for, if
		// it has the manifest's name already.
		for _, sv := range services {
			if sv.AccountID != acc.ID || sv.Region != region || !strings.EqualFold(sv.PrivateDNSName, p.PrivateDNSName) {
				continue
			}
			if sv.Tags[TagName] == p.Name && sv.Tags[TagProject] == rd.m.Project || sv.ID == p.Adopt {
				r.record = VerificationRecordName(sv.PrivateDNSTXTName, sv.PrivateDNSName)
				r.recordInFoundZone = r.record != ""
				r.taggedZone = sv.Tags[TagDNSZone]
				break
			}
		}
		out = append(out, r)
	}
	return out
}

// readDNS reads the zones and records dnsReads lists, each under the
// overall bound: first the providers' zones, then each record once (a
// record the service's tag names and the provider's zone holds is one
// read). A failed call is a Failure of the provider's account-region:
// without it the plan cannot tell a record plink must write from one that
// exists.
func (rd *reader) readDNS(ctx context.Context, src DNSAPISource) {
	reads := rd.dnsReads()
	if len(reads) == 0 {
		return
	}
	var wg sync.WaitGroup
	zones := make([]*DNSZone, len(reads))
	for i, r := range reads {
		if r.provider == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			zones[i] = rd.readZone(ctx, src, r)
		}()
	}
	wg.Wait()

	// Each record once: by account, zone and name.
	type recRead struct {
		r           dnsRead
		zoneID      string
		rec         DNSRecord
		ok          bool
		forProvider []int // reads whose zone is dropped when this read fails
	}
	var recReads []*recRead
	byKey := map[string]*recRead{}
	want := func(i int, r dnsRead, zoneID string) {
		k := r.accountID + "|" + zoneID + "|" + r.record
		rr := byKey[k]
		if rr == nil {
			rr = &recRead{r: r, zoneID: zoneID}
			byKey[k] = rr
			recReads = append(recReads, rr)
		}
		if r.provider != "" {
			rr.forProvider = append(rr.forProvider, i)
		}
	}
	for i, r := range reads {
		switch {
		case r.provider == "" && r.zoneID != "":
			want(i, r, r.zoneID)
		case r.provider != "" && r.recordInFoundZone && zones[i] != nil && zones[i].ZoneID != "":
			want(i, r, zones[i].ZoneID)
		}
	}
	for _, rr := range recReads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rr.rec, rr.ok = rd.readDNSRecord(ctx, src, rr.r, rr.zoneID)
		}()
	}
	wg.Wait()
	for _, rr := range recReads {
		if !rr.ok {
			for _, i := range rr.forProvider {
				zones[i] = nil // as if the zone was not read: the failure says why
			}
		}
	}
	rd.add(func(s *Snapshot) {
		for i := range reads {
			if zones[i] != nil {
				s.DNSZones = append(s.DNSZones, *zones[i])
			}
		}
		for _, rr := range recReads {
			if !rr.ok {
				continue
			}
			dup := false
			for _, have := range s.DNSRecords {
				dup = dup || have.ZoneID == rr.rec.ZoneID && have.Name == rr.rec.Name
			}
			if !dup {
				s.DNSRecords = append(s.DNSRecords, rr.rec)
			}
		}
		sort.Slice(s.DNSZones, func(i, j int) bool { return s.DNSZones[i].Provider < s.DNSZones[j].Provider })
		sort.Slice(s.DNSRecords, func(i, j int) bool {
			a, b := s.DNSRecords[i], s.DNSRecords[j]
			return a.ZoneID < b.ZoneID || a.ZoneID == b.ZoneID && a.Name < b.Name
		})
	})
}

// dnsCall is a Route 53 client of a read's account and a way to make one
// call under the overall bound, recording a failure.
func (rd *reader) dnsCall(ctx context.Context, src DNSAPISource, r dnsRead) (Route53API, func(string, func(context.Context) error) error, bool) {
	sc := &scopeState{Scope: Scope{Account: r.account, AccountID: r.accountID, Region: r.region}}
	api, err := src.DNSAPI(ctx, r.account, r.region)
	if err != nil {
		rd.fail(sc, callClients, err)
		return nil, nil, false
	}
	bounded := func(name string, fn func(context.Context) error) error {
		select {
		case rd.global <- struct{}{}:
		case <-ctx.Done():
			rd.fail(sc, name, ctx.Err())
			return ctx.Err()
		}
		defer func() { <-rd.global }()
		if err := fn(ctx); err != nil {
			rd.fail(sc, name, err)
			return err
		}
		return nil
	}
	return api, bounded, true
}

// readZone finds a provider's zone; nil when a call failed. A zone given
// that the provider's service is tagged with (plink wrote its record
// there, after checking it) is taken as it is: no lookup.
func (rd *reader) readZone(ctx context.Context, src DNSAPISource, r dnsRead) *DNSZone {
	zone := &DNSZone{Provider: r.provider, Name: r.name, AccountID: r.accountID}
	if r.zoneGiven != "" && r.zoneGiven == r.taggedZone {
		zone.ZoneID = r.zoneGiven
		return zone
	}
	api, call, ok := rd.dnsCall(ctx, src, r)
	if !ok {
		return nil
	}
	if err := rd.findZone(call, api, zone, r.zoneGiven); err != nil {
		return nil
	}
	return zone
}

// readDNSRecord reads r.record in zoneID; false when the call failed.
func (rd *reader) readDNSRecord(ctx context.Context, src DNSAPISource, r dnsRead, zoneID string) (DNSRecord, bool) {
	api, call, ok := rd.dnsCall(ctx, src, r)
	if !ok {
		return DNSRecord{}, false
	}
	rec, err := readRecord(call, api, r.accountID, zoneID, r.record)
	return rec, err == nil
}

// findZone finds the public zone for zone.Name: the given zone id, which
// must be a public zone of the account named like the name or a parent
// domain of it, or else the public zone with the longest such name.
func (rd *reader) findZone(call func(string, func(context.Context) error) error, api Route53API, zone *DNSZone, given string) error {
	domain := VerificationDomain(zone.Name)
	for d := domain; strings.Contains(d, "."); d = d[strings.Index(d, ".")+1:] {
		var out *route53.ListHostedZonesByNameOutput
		if err := call(CallHostedZonesByName, func(ctx context.Context) (err error) {
			out, err = api.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: aws.String(d), MaxItems: aws.Int32(100)})
			return err
		}); err != nil {
			return err
		}
		for _, hz := range out.HostedZones {
			name := strings.TrimSuffix(strings.ToLower(aws.ToString(hz.Name)), ".")
			if name != d {
				break // listed in name order: past d
			}
			id := strings.TrimPrefix(aws.ToString(hz.Id), "/hostedzone/")
			private := hz.Config != nil && hz.Config.PrivateZone
			switch {
			case given != "" && id != given:
				continue
			case private && given != "":
				zone.Problem = "hosted zone " + given + " (" + name + ") is private: AWS verifies the name in public DNS"
				return nil
			case private:
				continue
			}
			zone.ZoneID, zone.ZoneName = id, name
			return nil
		}
	}
	if given != "" {
		zone.Problem = "hosted zone " + given + " is not a hosted zone of account " + zone.AccountID + " for " + domain + " or a parent domain of it"
	} else {
		zone.Problem = "account " + zone.AccountID + " has no public hosted zone for " + domain + " or a parent domain of it"
	}
	return nil
}

func readRecord(call func(string, func(context.Context) error) error, api Route53API, accountID, zoneID, name string) (DNSRecord, error) {
	rec := DNSRecord{AccountID: accountID, ZoneID: zoneID, Name: name}
	var out *route53.ListResourceRecordSetsOutput
	err := call(CallRecordSets, func(ctx context.Context) (err error) {
		out, err = api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID),
			StartRecordName: aws.String(name), StartRecordType: r53types.RRTypeTxt, MaxItems: aws.Int32(1)})
		return err
	})
	if err != nil {
		return rec, err
	}
	for _, rs := range out.ResourceRecordSets {
		if strings.TrimSuffix(strings.ToLower(aws.ToString(rs.Name)), ".") != name || rs.Type != r53types.RRTypeTxt {
			continue
		}
		rec.Exists = true
		rec.TTL = aws.ToInt64(rs.TTL)
		for _, v := range rs.ResourceRecords {
			rec.Values = append(rec.Values, aws.ToString(v.Value))
		}
	}
	return rec, nil
}

// DNSZoneFor is the zone found for a provider, or nil.
func (s *Snapshot) DNSZoneFor(provider string) *DNSZone {
	for i := range s.DNSZones {
		if s.DNSZones[i].Provider == provider {
			return &s.DNSZones[i]
		}
	}
	return nil
}

// DNSRecordAt is the record read at name in a zone, or nil when it was
// not read.
func (s *Snapshot) DNSRecordAt(zoneID, name string) *DNSRecord {
	for i := range s.DNSRecords {
		if s.DNSRecords[i].ZoneID == zoneID && s.DNSRecords[i].Name == name {
			return &s.DNSRecords[i]
		}
	}
	return nil
}
