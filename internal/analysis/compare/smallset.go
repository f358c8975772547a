package compare

// smallSet is a set that stays a slice while it is small, as the sets of
// units and residues of a table cell nearly always are, and becomes a map
// when it grows: a map per cell would dominate the memory of an input with
// a million distinct benchmarks.
type smallSet[T comparable] struct {
	list []T // every element, in order of insertion
	m    map[T]bool
}

const smallSetMax = 16

// add adds x and reports whether it was new.
func (s *smallSet[T]) add(x T) bool {
	if s.has(x) {
		return false
	}
	s.list = append(s.list, x)
	if s.m != nil {
		s.m[x] = true
	} else if len(s.list) > smallSetMax {
		s.m = make(map[T]bool, len(s.list))
		for _, y := range s.list {
			s.m[y] = true
		}
	}
	return true
}

func (s *smallSet[T]) has(x T) bool {
	if s.m != nil {
		return s.m[x]
	}
	for _, y := range s.list {
		if y == x {
			return true
		}
	}
	return false
}
