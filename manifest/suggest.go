package manifest

import "strings"

// suggest returns the valid name closest to got, or "" when none is close
// enough to be a likely typo. Names are compared case-insensitively; a
// valid name that got is a prefix of (or that is a prefix of got) counts as
// close, so `subnet` suggests `subnetIds`.
func suggest(got string, valid []string) string {
	g := strings.ToLower(got)
	best, bestDist := "", -1
	for _, v := range valid {
		l := strings.ToLower(v)
		dist := levenshtein(g, l)
		limit := max(1, min(len(g), len(l))/3)
		if len(g) >= 3 && (strings.HasPrefix(l, g) || strings.HasPrefix(g, l)) {
			limit = max(limit, dist)
		}
		if dist <= limit && (bestDist < 0 || dist < bestDist) {
			best, bestDist = v, dist
		}
	}
	return best
}

// levenshtein is the edit distance between a and b, counted in bytes.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
