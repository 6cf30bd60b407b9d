package sandbox

// EC2 tags on PrivateLink resources: CreateTags, DeleteTags, DescribeTags.

import "strings"

const maxTags = 50

// taggable resolves a resource id of the caller to its tag list and type.
func (c *call) taggable(id string) (*[]tag, string, *apiError) {
	switch {
	case strings.HasPrefix(id, "vpce-svc-perm-"):
		perm, err := c.ownPermission(id)
		if err != nil {
			return nil, "", err
		}
		return &perm.Tags, "vpc-endpoint-service-permission", nil
	case strings.HasPrefix(id, "vpce-svc-"):
		sv, err := c.ownService(id)
		if err != nil {
			return nil, "", err
		}
		return &sv.Tags, "vpc-endpoint-service", nil
	case strings.HasPrefix(id, "vpce-"):
		ep, err := c.ownEndpoint(id)
		if err != nil {
			return nil, "", err
		}
		return &ep.Tags, "vpc-endpoint", nil
	case strings.HasPrefix(id, "pg-"):
		pg, err := c.ownPlacementGroup(id)
		if err != nil {
			return nil, "", err
		}
		return &pg.Tags, "placement-group", nil
	case strings.HasPrefix(id, "vpc-"), strings.HasPrefix(id, "subnet-"), strings.HasPrefix(id, "sg-"):
		return nil, "", errf(400, "UnsupportedOperation", "The sandbox keeps tags of world resources read-only (%s)", id)
	}
	return nil, "", errf(400, "InvalidID", "The ID '%s' is not valid", id)
}

func createTags(c *call) ([]xn, *apiError) {
	ids := c.p.list("ResourceId")
	if len(ids) == 0 {
		return nil, missingParam("ResourceId")
	}
	tags := c.p.tags("Tag")
	if len(tags) == 0 {
		return nil, missingParam("Tag")
	}
	for _, t := range tags {
		if err := validTag(t); err != nil {
			return nil, err
		}
	}
	// Validate everything first: CreateTags is all or nothing.
	var targets []*[]tag
	for _, id := range ids {
		tl, _, err := c.taggable(id)
		if err != nil {
			return nil, err
		}
		merged := append([]tag(nil), (*tl)...)
		for _, t := range tags {
			merged = setTag(merged, t)
		}
		if len(merged) > maxTags {
			return nil, errf(400, "TagLimitExceeded", "The maximum number of tags (%d) for resource %s has been exceeded", maxTags, id)
		}
		targets = append(targets, tl)
	}
	for _, tl := range targets {
		for _, t := range tags {
			*tl = setTag(*tl, t)
		}
	}
	return []xn{bl("return", true)}, nil
}

func deleteTags(c *call) ([]xn, *apiError) {
	ids := c.p.list("ResourceId")
	if len(ids) == 0 {
		return nil, missingParam("ResourceId")
	}
	// Tag.N.Key with an optional Tag.N.Value: the value must match if given.
	type sel struct {
		key, value string
		hasValue   bool
	}
	var sels []sel
	for _, i := range c.p.indices("Tag") {
		pre := "Tag." + itoa(i)
		sels = append(sels, sel{c.p.str(pre + ".Key"), c.p.str(pre + ".Value"), c.p.has(pre + ".Value")})
	}
	var targets []*[]tag
	for _, id := range ids {
		tl, _, err := c.taggable(id)
		if err != nil {
			return nil, err
		}
		targets = append(targets, tl)
	}
	for _, tl := range targets {
		if len(sels) == 0 {
			*tl = nil
			continue
		}
		var keep []tag
		for _, t := range *tl {
			drop := false
			for _, s := range sels {
				if s.key == t.Key && (!s.hasValue || s.value == t.Value) {
					drop = true
				}
			}
			if !drop {
				keep = append(keep, t)
			}
		}
		*tl = keep
	}
	return []xn{bl("return", true)}, nil
}

func describeTags(c *call) ([]xn, *apiError) {
	type row struct{ id, typ, key, value string }
	fs := c.p.filters()
	field := func(r row) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "resource-id":
				return []string{r.id}, true
			case "resource-type":
				return []string{r.typ}, true
			case "key":
				return []string{r.key}, true
			case "value":
				return []string{r.value}, true
			}
			return nil, false
		}
	}
	if err := checkFilters(fs, field(row{})); err != nil {
		return nil, err
	}
	var rows []row
	var svcs []*service
	for _, sv := range c.sb.st.Services {
		if sv.Account == c.account() && sv.Region == c.region && c.sb.visible(sv.Created, c.now) {
			svcs = append(svcs, sv)
		}
	}
	sortServices(svcs)
	for _, sv := range svcs {
		for _, t := range sv.Tags {
			rows = append(rows, row{sv.ID, "vpc-endpoint-service", t.Key, t.Value})
		}
		for _, p := range sv.Permissions {
			for _, t := range p.Tags {
				rows = append(rows, row{p.ID, "vpc-endpoint-service-permission", t.Key, t.Value})
			}
		}
	}
	var eps []*endpoint
	for _, ep := range c.sb.st.Endpoints {
		if ep.Account == c.account() && ep.Region == c.region && c.sb.visible(ep.Created, c.now) {
			if _, gone := c.sb.endpointState(ep, c.now); !gone {
				eps = append(eps, ep)
			}
		}
	}
	sortEndpoints(eps)
	for _, ep := range eps {
		for _, t := range ep.Tags {
			rows = append(rows, row{ep.ID, "vpc-endpoint", t.Key, t.Value})
		}
	}
	for _, pg := range c.placementGroups() {
		for _, t := range pg.Tags {
			rows = append(rows, row{pg.ID, "placement-group", t.Key, t.Value})
		}
	}
	var sel []row
	for _, r := range rows {
		if matches(fs, field(r)) {
			sel = append(sel, r)
		}
	}
	lim := pageLimits{min: 5, max: 1000, param: "MaxResults"}
	page, next, err := paginate(c, sel, lim, false)
	if err != nil {
		return nil, err
	}
	items := make([]xn, len(page))
	for i, r := range page {
		items[i] = el("item", tx("resourceId", r.id), tx("resourceType", r.typ), tx("key", r.key), tx("value", r.value))
	}
	return []xn{set("tagSet", items), opt("nextToken", next)}, nil
}
