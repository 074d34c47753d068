package sha256bench

import (
	"crypto/sha256"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
)

// sink keeps the digests observable so no loop can be optimized away.
var sink [sha256.Size]byte

// BenchmarkHash: one goroutine hashes its buffer b.N times.
func BenchmarkHash(b *testing.B) {
	for _, size := range Sizes {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			buf := Buffer(size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var d [sha256.Size]byte
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d = Digest(buf)
			}
			b.StopTimer()
			sink = d
		})
	}
}

// BenchmarkHashParallel: b.RunParallel's GOMAXPROCS goroutines (set it with
// -test.cpu T) pull b.N ops from one budget; each goroutine hashes its own
// buffer. The buffers are built before the timer starts and handed out to
// the goroutines by index.
func BenchmarkHashParallel(b *testing.B) {
	for _, size := range Sizes {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			workers := runtime.GOMAXPROCS(0) // RunParallel's goroutine count at parallelism 1
			bufs := make([][]byte, workers)
			for i := range bufs {
				bufs[i] = Buffer(size)
			}
			results := make([][sha256.Size]byte, workers)
			var next atomic.Int32
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := int(next.Add(1)) - 1
				if w >= workers {
					panic("RunParallel started more goroutines than GOMAXPROCS")
				}
				buf := bufs[w]
				var d [sha256.Size]byte
				for pb.Next() {
					d = Digest(buf)
				}
				results[w] = d // each goroutine its own slot: no data race
			})
			b.StopTimer()
			sink = results[0]
		})
	}
}
