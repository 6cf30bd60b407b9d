package shard

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/manifest"
)

// Job is one entry of a pipeline matrix: the accounts one job owns, and
// the flags that say so to plink plan, apply and drift.
type Job struct {
	Name     string   `json:"name"`
	Accounts []string `json:"accounts"`
	// Args is "--account A --account B", ready for a command line.
	Args string `json:"args"`
	// Resources is how many providers and consumers the job owns.
	Resources int `json:"resources"`
}

// Matrix splits the manifest's accounts into the fewest jobs of at most
// maxAccounts accounts each, balanced by the providers and consumers they
// own (the heaviest account goes to the lightest job that has room), so
// that no job waits on one account's buckets much longer than the rest.
// It is deterministic: same manifest, same matrix.
func Matrix(m *manifest.Manifest, maxAccounts int) ([]Job, error) {
	if maxAccounts < 1 {
		return nil, fmt.Errorf("--max-accounts %d: a job needs at least one account; give 1 or more", maxAccounts)
	}
	weight := map[string]int{}
	for alias := range m.Accounts {
		weight[alias] = 0
	}
	for _, p := range m.Providers {
		weight[p.Account]++
	}
	for _, c := range m.Consumers {
		weight[c.Account]++
	}
	aliases := slices.Sorted(maps.Keys(m.Accounts))
	sort.SliceStable(aliases, func(i, j int) bool { return weight[aliases[i]] > weight[aliases[j]] })
	n := (len(aliases) + maxAccounts - 1) / maxAccounts
	jobs := make([]Job, n)
	for _, a := range aliases {
		best := -1
		for i := range jobs {
			if len(jobs[i].Accounts) >= maxAccounts {
				continue
			}
			if best < 0 || jobs[i].Resources < jobs[best].Resources {
				best = i
			}
		}
		jobs[best].Accounts = append(jobs[best].Accounts, a)
		jobs[best].Resources += weight[a]
	}
	for i := range jobs {
		j := &jobs[i]
		sort.Strings(j.Accounts)
		j.Name = fmt.Sprintf("shard-%d-of-%d", i+1, n)
		args := make([]string, len(j.Accounts))
		for k, a := range j.Accounts {
			args[k] = "--account " + a
		}
		j.Args = strings.Join(args, " ")
	}
	return jobs, nil
}
