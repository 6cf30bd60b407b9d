package campaign

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Figures sum up the runs of one kind.
type Figures struct {
	Kind string
	Runs int
	// Converges counts convergences (a fault run's initial apply and its
	// update are two; a pair's two sides are two; a kill run's re-applies
	// are one), ByApplies how many took 1, 2, ... applies.
	Converges int
	ByApplies map[int]int
	// Killed counts kill runs whose apply was killed before it ended.
	Killed                                                           int
	Duplicates, Lost, ForeignTouched, DeclaredRejected, NotConverged int
	LeasesLeft                                                       int
	// Failed counts runs that broke an invariant, did not converge within
	// MaxApplies, or could not be carried out.
	Failed int
	// Busy is the sum of the runs' wall times.
	Busy time.Duration
}

// Summarize groups results by kind, in the order kinds first appear.
func Summarize(results []Result) []Figures {
	var out []*Figures
	byKind := map[string]*Figures{}
	for _, r := range results {
		f, ok := byKind[r.Kind]
		if !ok {
			f = &Figures{Kind: r.Kind, ByApplies: map[int]int{}}
			byKind[r.Kind] = f
			out = append(out, f)
		}
		f.Runs++
		for _, n := range r.Applies {
			f.Converges++
			f.ByApplies[n]++
		}
		if r.Killed {
			f.Killed++
		}
		v := r.Verdict
		f.Duplicates += v.Duplicates
		f.Lost += v.Lost
		f.ForeignTouched += v.ForeignTouched
		f.DeclaredRejected += v.DeclaredRejected
		f.NotConverged += v.NotConverged
		f.LeasesLeft += v.LeasesLeft
		if r.Failed() {
			f.Failed++
		}
		f.Busy += r.Took
	}
	figs := make([]Figures, len(out))
	for i, f := range out {
		figs[i] = *f
	}
	return figs
}

// applies renders ByApplies as "1:198 2:2".
func (f Figures) applies() string {
	keys := make([]int, 0, len(f.ByApplies))
	for k := range f.ByApplies {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d:%d", k, f.ByApplies[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// WriteTable writes the figures as an aligned table; wall is the
// campaign's wall time.
func WriteTable(w io.Writer, figs []Figures, wall time.Duration) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\truns\tkilled\tapplies to converge (n:count)\tduplicates\tlost\tforeign touched\tdeclared rejected\tnot converged\tleases left\tfailed runs\trun time\t")
	for _, f := range figs {
		killed := "-"
		if f.Kind == KindKills {
			killed = fmt.Sprint(f.Killed)
		}
		leases := "-"
		if f.Kind == KindKills {
			leases = fmt.Sprint(f.LeasesLeft)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%d\t%s\t\n", f.Kind, f.Runs, killed, f.applies(),
			f.Duplicates, f.Lost, f.ForeignTouched, f.DeclaredRejected, f.NotConverged, leases, f.Failed, f.Busy.Round(time.Second))
	}
	fmt.Fprintf(tw, "wall time\t%s\t\t\t\t\t\t\t\t\t\t\t\n", wall.Round(time.Second))
	return tw.Flush()
}
