package secret_test

// The five canonical benchmarks of suites/guarded-secret/kernel.md, and the
// Go-only diagnostic FloorRaw. The ops themselves live in internal/workload,
// shared with the ops runner cmd/secretops.
//
//	go test -run '^$' -bench . -cpu 1,2
//
// Floor, FloorRaw and Sequential run one worker whatever -cpu says. The parallel ones
// use b.RunParallel, which starts GOMAXPROCS goroutines (= the -cpu value)
// pulling from one budget of b.N ops; ns/op is wall time / b.N. All Secrets
// are created before the timer starts and destroyed after it stops.

import (
	"runtime"
	"sync/atomic"
	"testing"

	"benchnorm/secret/internal/workload"
)

func BenchmarkFloor(b *testing.B)          { benchSerial(b, workload.Floor) }
func BenchmarkSequential(b *testing.B)     { benchSerial(b, workload.Sequential) }
func BenchmarkParallelOwned(b *testing.B)  { benchParallel(b, workload.ParallelOwned) }
func BenchmarkParallelLocked(b *testing.B) { benchParallel(b, workload.ParallelLocked) }
func BenchmarkParallelShared(b *testing.B) { benchParallel(b, workload.ParallelShared) }

// BenchmarkFloorRaw is not one of the kernel's benchmarks: it is the floor's
// page and mprotect pair made through syscall.RawSyscall, without the
// runtime's entersyscall/exitsyscall, to show what that bookkeeping costs
// (README.md, "Where Go's syscall pair goes"). The suite runs ^Floor$ only.
func BenchmarkFloorRaw(b *testing.B) { benchSerial(b, workload.FloorRaw) }

func benchSerial(b *testing.B, name string) {
	b.ReportAllocs()
	r, err := workload.Setup(name, 1)
	if err != nil {
		b.Fatal(err)
	}
	op := r.Op(0)
	for b.Loop() { // the timer starts at the first call and stops after the last
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
}

func benchParallel(b *testing.B, name string) {
	b.ReportAllocs()
	workers := runtime.GOMAXPROCS(0) // RunParallel's goroutine count with parallelism 1
	r, err := workload.Setup(name, workers)
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		op := r.Op(int(next.Add(1) - 1))
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
}

// The benchmark secret and candidate are kept as constants so that a test
// binary built with `go test -c` needs no file at run time; this test checks
// them against spec/vectors.json.
func TestBenchConstantsMatchVectors(t *testing.T) {
	v := loadVectors(t)
	if workload.BenchSecretHex != v.BenchSecretHex {
		t.Errorf("workload.BenchSecretHex = %s, vectors.json has %s", workload.BenchSecretHex, v.BenchSecretHex)
	}
	if workload.BenchCandidateHex != v.BenchCandidateHex {
		t.Errorf("workload.BenchCandidateHex = %s, vectors.json has %s", workload.BenchCandidateHex, v.BenchCandidateHex)
	}
}
