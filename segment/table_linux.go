package segment

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// mappedTables counts the tables mapped and not yet unmapped (tests check
// that every call gives its tables back).
var mappedTables atomic.Int64

// hugeTableBytes is the size from which a table is mapped outside the Go
// heap with transparent huge pages (Linux).
const hugeTableBytes = 4 << 20

// allocTable returns a zeroed table of n entries. A big one is mapped
// outside the Go heap and marked for transparent huge pages: with 10⁶
// customers in random order every order touches another 4 KiB page, and a
// TLB miss (a page walk, doubly expensive in a virtual machine) costs as much
// as the cache miss itself; 2 MiB pages leave the cache miss alone, and the
// kernel faults the table in 2 MiB at a time instead of 4 KiB. Entries hold
// no pointers, so the garbage collector need not see them. mapped says the
// table must be given back with freeTable. If the mapping fails, the Go
// heap serves.
func allocTable(n int) (t []aggEntry, mapped bool) {
	size := n * int(unsafe.Sizeof(aggEntry{}))
	if size < hugeTableBytes {
		return make([]aggEntry, n), false
	}
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]aggEntry, n), false
	}
	_ = syscall.Madvise(mem, syscall.MADV_HUGEPAGE) // a hint: without it, 4 KiB pages
	mappedTables.Add(1)
	return unsafe.Slice((*aggEntry)(unsafe.Pointer(unsafe.SliceData(mem))), n), true
}

// freeTable unmaps a mapped table from allocTable; t must not be used
// after. (syscall.Munmap refuses memory that syscall.Mmap did not map.)
func freeTable(t []aggEntry) {
	mem := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t))), len(t)*int(unsafe.Sizeof(aggEntry{})))
	if syscall.Munmap(mem) == nil {
		mappedTables.Add(-1)
	}
}
