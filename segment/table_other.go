//go:build !linux

package segment

// allocTable returns a zeroed table of n entries from the Go heap (see the
// Linux version, which maps big tables with huge pages).
func allocTable(n int) (t []aggEntry, mapped bool) { return make([]aggEntry, n), false }

// freeTable is never called: no table is mapped.
func freeTable([]aggEntry) {}
