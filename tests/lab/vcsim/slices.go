package main

// Slice helpers the model uses everywhere.

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

// without: l without every element equal to x, as a new slice (nil when none is left).
func without[T comparable](l []T, x T) []T {
	var out []T
	for _, e := range l {
		if e != x {
			out = append(out, e)
		}
	}
	return out
}
