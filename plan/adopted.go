package plan

import "fmt"

// TagAdopted marks a resource that plink adopted (adopt: ID) rather than
// made; its value is the adopted id. It is written when plink first tags
// the resource (an Adopt change) and kept while it is there, so that a plan
// that deletes the resource once its entry left the manifest can say it
// was adopted: plink destroy would have given it back instead. A resource
// adopted before plink wrote this tag carries none (and gets none, so that
// no plan shows a change for it).
const TagAdopted = "plink:adopted"

// markAdopted adds TagAdopted to the desired tags of an entry's live
// resource (id, with its live tags) when the plan adopts it, or keeps the
// value it carries.
func markAdopted(want, live map[string]string, id string, adopting bool) {
	if want == nil {
		return
	}
	switch {
	case adopting:
		want[TagAdopted] = id
	case live[TagAdopted] != "":
		want[TagAdopted] = live[TagAdopted]
	}
}

// adoptedDeleteWarning is the warning on the delete of a resource plink
// adopted (its TagAdopted names its own id) whose entry left the manifest:
// the plan deletes what plink did not make, and how to keep it.
func adoptedDeleteWarning(addr, id string, tags map[string]string) string {
	if tags[TagAdopted] != id || id == "" {
		return ""
	}
	return fmt.Sprintf("%s was adopted (adopt: %s), not made by plink, and this plan deletes it because %s left the manifest; to keep it, put the entry back (with adopt: %s) and either keep it there or give the resource back with plink destroy --target %s, which removes plink's tags and deletes nothing",
		id, id, addr, id, addr)
}
