package blurline

import "strings"

// NearestClass returns the class whose name is closest to name (a typo or
// a wrong case of a class name), and whether one is close enough to
// suggest.
func NearestClass(name string) (Class, bool) {
	var names []string
	for _, c := range Classes {
		names = append(names, string(c.Class))
	}
	s, ok := nearest(name, names)
	return Class(s), ok
}

// NearestTerm returns the predicate or property whose name is closest to
// name, and whether one is close enough to suggest.
func NearestTerm(name string) (string, bool) {
	var names []string
	for _, p := range Predicates {
		names = append(names, string(p.Predicate))
	}
	for _, p := range Properties {
		names = append(names, p.Name)
	}
	return nearest(name, names)
}

// nearest picks the candidate with the smallest edit distance to name,
// ignoring case, if that distance is at most a third of name's length
// (and at least 1): "attribuedTo" finds attributedTo, "foo" finds nothing.
func nearest(name string, candidates []string) (string, bool) {
	best, bestD := "", -1
	low := strings.ToLower(name)
	for _, c := range candidates {
		d := editDistance(low, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(1, len(name)/3) {
		return "", false
	}
	return best, true
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
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
