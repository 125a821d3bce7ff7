//go:build !linux

package segment

import "sync/atomic"

// mappedTables is always 0: no table is mapped.
var mappedTables atomic.Int64

// allocTable returns a zeroed table of n entries from the Go heap (see the
// Linux version, which maps big tables with huge pages).
func allocTable(n int) (t []aggEntry, mapped bool) { return make([]aggEntry, n), false }

// freeTable is never called: no table is mapped.
func freeTable([]aggEntry) {}
