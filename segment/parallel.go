package segment

import (
	"runtime"
	"sync"
)

// sumChunk is the chunk size of [chunkedSum]; fixed so that results do not
// depend on the number of workers.
const sumChunk = 4096

// chunkedSum evaluates f over [0, n) in fixed chunks, on up to GOMAXPROCS
// goroutines, and adds the chunks' width-wide partial sums in chunk order:
// the result is bit-identical whatever the parallelism.
func chunkedSum(n, width int, f func(lo, hi int, out []float64)) []float64 {
	chunks := (n + sumChunk - 1) / sumChunk
	total := make([]float64, width)
	if chunks <= 1 {
		f(0, n, total)
		return total
	}
	parts := make([]float64, chunks*width)
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				c := next
				next++
				mu.Unlock()
				if c >= chunks {
					return
				}
				f(c*sumChunk, min((c+1)*sumChunk, n), parts[c*width:(c+1)*width])
			}
		}()
	}
	wg.Wait()
	for c := range chunks {
		for j := range width {
			total[j] += parts[c*width+j]
		}
	}
	return total
}

// parallel runs the functions, on separate goroutines when GOMAXPROCS > 1,
// and returns when all have returned.
func parallel(fs ...func()) {
	if runtime.GOMAXPROCS(0) == 1 {
		for _, f := range fs {
			f()
		}
		return
	}
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	wg.Wait()
}

// minPart is the least work a part of forParts gets.
const minPart = 65536

// numParts is how many parts forParts makes of n items: at most
// GOMAXPROCS, each at least minPart long, and at least one.
func numParts(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n/minPart)) }

// forParts splits [0, n) into parts consecutive parts and runs f on each,
// concurrently; p numbers the parts in order.
func forParts(n, parts int, f func(p, lo, hi int)) {
	fs := make([]func(), parts)
	for p := range parts {
		lo, hi := p*n/parts, (p+1)*n/parts
		fs[p] = func() { f(p, lo, hi) }
	}
	parallel(fs...)
}
