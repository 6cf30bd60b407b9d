package sandbox

// EC2 placement groups: CreatePlacementGroup, DescribePlacementGroups,
// DeletePlacementGroup, and their tags through CreateTags/DeleteTags. plink
// uses an empty placement group as a lease (package lease): it is free,
// taggable and its name is unique per account and region, so creating it
// is an atomic test-and-set. No instances run in the sandbox, so a group
// is never in use and is available as soon as it is created.

import (
	"sort"
	"strings"
	"time"
)

// placementGroup is an EC2 placement group.
type placementGroup struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Account  string `json:"account"`
	Region   string `json:"region"`
	Strategy string `json:"strategy"`
	// Partitions is the partition count of a partition group.
	Partitions int       `json:"partitions,omitempty"`
	Created    time.Time `json:"created"`
	Tags       []tag     `json:"tags,omitempty"`
}

var placementStrategies = []string{"cluster", "spread", "partition"}

func (pg *placementGroup) arn() string {
	return "arn:aws:ec2:" + pg.Region + ":" + pg.Account + ":placement-group/" + pg.Name
}

func placementGroupUnknown(name string) *apiError {
	return errf(400, "InvalidPlacementGroup.Unknown", "The Placement Group '%s' is unknown.", name)
}

// placementGroups returns the caller's groups in its region that Describe
// calls may see, by name.
func (c *call) placementGroups() []*placementGroup {
	var out []*placementGroup
	for _, pg := range c.sb.st.PlacementGroups {
		if pg.Account == c.account() && pg.Region == c.region && c.sb.visible(pg.Created, c.now) {
			out = append(out, pg)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// placementGroupNamed finds the caller's group by name, visible or not:
// names are unique whether or not a Describe would list the group yet.
func (c *call) placementGroupNamed(name string) *placementGroup {
	for _, pg := range c.sb.st.PlacementGroups {
		if pg.Account == c.account() && pg.Region == c.region && pg.Name == name {
			return pg
		}
	}
	return nil
}

// ownPlacementGroup resolves a pg- id of the caller (for tags).
func (c *call) ownPlacementGroup(id string) (*placementGroup, *apiError) {
	pg, ok := c.sb.st.PlacementGroups[id]
	if !ok || pg.Account != c.account() || pg.Region != c.region {
		return nil, errf(400, "InvalidPlacementGroupId.NotFound", "The placement group ID '%s' does not exist", id)
	}
	return pg, nil
}

func (c *call) placementGroupXN(name string, pg *placementGroup) xn {
	kids := []xn{
		tx("groupName", pg.Name),
		tx("state", "available"),
		tx("strategy", pg.Strategy),
	}
	if pg.Partitions > 0 {
		kids = append(kids, num("partitionCount", pg.Partitions))
	}
	kids = append(kids, tx("groupId", pg.ID), tagSetXN(pg.Tags), tx("groupArn", pg.arn()))
	return el(name, kids...)
}

func createPlacementGroup(c *call) ([]xn, *apiError) {
	name := c.p.str("GroupName")
	if name == "" {
		return nil, missingParam("GroupName")
	}
	if len(name) > 255 || strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
		return nil, invalidParam("Invalid GroupName '%s': up to 255 printable ASCII characters", name)
	}
	strategy := c.p.str("Strategy")
	if strategy == "" {
		return nil, missingParam("Strategy")
	}
	if !contains(placementStrategies, strategy) {
		return nil, errf(400, "InvalidParameterValue", "Value (%s) for parameter strategy is invalid. Valid values are cluster, spread, partition.", strategy)
	}
	parts, hasParts, err := c.p.integer("PartitionCount")
	if err != nil {
		return nil, err
	}
	switch {
	case hasParts && strategy != "partition":
		return nil, invalidParam("PartitionCount is valid only with the partition strategy")
	case strategy == "partition" && !hasParts:
		parts = 2
	case hasParts && (parts < 1 || parts > 7):
		return nil, invalidParam("PartitionCount must be between 1 and 7")
	}
	tags, err := c.p.tagsFor("placement-group")
	if err != nil {
		return nil, err
	}
	if len(tags) > maxTags {
		return nil, errf(400, "TagLimitExceeded", "The maximum number of tags (%d) has been exceeded", maxTags)
	}
	if c.placementGroupNamed(name) != nil {
		return nil, errf(400, "InvalidPlacementGroup.Duplicate", "The Placement Group '%s' already exists.", name)
	}
	pg := &placementGroup{ID: c.sb.newID("pg"), Name: name, Account: c.account(), Region: c.region,
		Strategy: strategy, Partitions: parts, Created: c.now, Tags: tags}
	c.sb.st.PlacementGroups[pg.ID] = pg
	return []xn{c.placementGroupXN("placementGroup", pg)}, nil
}

func deletePlacementGroup(c *call) ([]xn, *apiError) {
	name := c.p.str("GroupName")
	if name == "" {
		return nil, missingParam("GroupName")
	}
	pg := c.placementGroupNamed(name)
	if pg == nil {
		return nil, placementGroupUnknown(name)
	}
	delete(c.sb.st.PlacementGroups, pg.ID)
	return []xn{bl("return", true)}, nil
}

func describePlacementGroups(c *call) ([]xn, *apiError) {
	fs := c.p.filters()
	field := func(pg *placementGroup) fieldFunc {
		return func(name string) ([]string, bool) {
			switch name {
			case "group-name":
				return []string{pg.Name}, true
			case "group-arn":
				return []string{pg.arn()}, true
			case "state":
				return []string{"available"}, true
			case "strategy":
				return []string{pg.Strategy}, true
			case "spread-level":
				if pg.Strategy == "spread" {
					return []string{"rack"}, true
				}
				return nil, true
			}
			return tagFields(name, pg.Tags)
		}
	}
	if err := checkFilters(fs, field(&placementGroup{})); err != nil {
		return nil, err
	}
	list := c.placementGroups()
	// Named groups must exist (and be visible); ids likewise.
	if names := c.p.list("GroupName"); len(names) > 0 {
		var sel []*placementGroup
		for _, n := range dedupe(names) {
			found := false
			for _, pg := range list {
				if pg.Name == n {
					sel, found = append(sel, pg), true
				}
			}
			if !found {
				return nil, placementGroupUnknown(n)
			}
		}
		list = sel
	}
	if ids := c.p.list("GroupId"); len(ids) > 0 {
		var sel []*placementGroup
		for _, id := range dedupe(ids) {
			if !strings.HasPrefix(id, "pg-") {
				return nil, errf(400, "InvalidPlacementGroupId.Malformed", "Invalid id: \"%s\" (expecting \"pg-...\")", id)
			}
			found := false
			for _, pg := range list {
				if pg.ID == id {
					sel, found = append(sel, pg), true
				}
			}
			if !found {
				return nil, errf(400, "InvalidPlacementGroupId.NotFound", "The placement group ID '%s' does not exist", id)
			}
		}
		list = sel
	}
	var items []xn
	for _, pg := range list {
		if matches(fs, field(pg)) {
			items = append(items, c.placementGroupXN("item", pg))
		}
	}
	return []xn{set("placementGroupSet", items)}, nil
}
