package crmkit

import "iter"

// Stream turns a slice into a record stream, the form every crmkit analysis
// reads. The stream yields each element with a nil error, in order, and does
// not copy the slice: the caller must not modify it while the stream is read.
func Stream[T any](records []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Collect reads a record stream into a slice. It stops at the first error,
// returning the records read so far and that error.
func Collect[T any](records iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for r, err := range records {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}
