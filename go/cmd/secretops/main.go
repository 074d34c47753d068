// Command secretops performs exactly N ops of one canonical benchmark with T
// workers and prints one JSON line saying what it did. It exists so that
// syscalls can be counted from outside (perf stat, strace) for a known
// number of ops.
//
// Usage:
//
//	secretops --bench NAME --threads T --ops N
//
// NAME is floor, sequential, parallel-owned, parallel-locked or
// parallel-shared, or the Go-only diagnostic floor-raw (the floor op through
// syscall.RawSyscall; not part of the kernel contract); T must be 1 for
// floor, floor-raw and sequential. The T workers pull
// ops from one shared budget of N, like testing.B's RunParallel, and
// GOMAXPROCS is set to T as `go test -cpu T` does. Set-up (Secrets, the
// floor page, starting the workers) happens before the clock starts.
//
// Output, the only line on stdout:
//
//	{"lang":"go","bench":"parallel-shared","threads":2,"ops":10000,"wall_ns":31234567,"open_transitions":9120}
//
// open_transitions (PROT_READ/PROT_NONE cycles of the shared Secret) is
// present for parallel-shared only. Exit status: 0 on success, 2 for a usage
// error (message and usage on stderr), 1 for a runtime error (message on
// stderr).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"benchnorm/secret/internal/workload"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// report is the JSON line; field order is the output order.
type report struct {
	Lang            string  `json:"lang"`
	Bench           string  `json:"bench"`
	Threads         int     `json:"threads"`
	Ops             int64   `json:"ops"`
	WallNS          int64   `json:"wall_ns"`
	OpenTransitions *uint64 `json:"open_transitions,omitempty"`
}

// run is main with its inputs and outputs passed in; it returns the exit
// status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("secretops", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bench := fs.String("bench", "", "canonical benchmark: "+strings.Join(workload.Names, "|")+
		"; or Go-only diagnostic: "+strings.Join(workload.Diagnostic, "|"))
	threads := fs.Int("threads", 0, "workers T (1 for floor, floor-raw and sequential)")
	ops := fs.Int64("ops", 0, "total ops N, shared by all workers")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: secretops --bench NAME --threads T --ops N")
		fs.PrintDefaults()
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "secretops: "+format+"\n", a...)
		fs.Usage()
		return 2
	}

	if err := fs.Parse(args); err != nil {
		return 2 // the flag package has printed the problem and the usage
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case *bench == "":
		return usage("--bench is required")
	case !slices.Contains(workload.Names, *bench) && !slices.Contains(workload.Diagnostic, *bench):
		return usage("unknown benchmark %q", *bench)
	case *threads < 1:
		return usage("--threads must be at least 1")
	case *ops < 1:
		return usage("--ops must be at least 1")
	case workload.Serial(*bench) && *threads != 1:
		return usage("%s runs with one worker: --threads must be 1", *bench)
	}

	rep, err := measure(*bench, *threads, *ops)
	if err != nil {
		fmt.Fprintf(stderr, "secretops: %s: %v\n", *bench, err)
		return 1
	}
	line, err := json.Marshal(rep)
	if err != nil {
		fmt.Fprintf(stderr, "secretops: %v\n", err)
		return 1
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		fmt.Fprintf(stderr, "secretops: writing the result: %v\n", err)
		return 1
	}
	return 0
}

// measure sets up bench for threads workers, runs exactly ops ops and tears
// the set-up down again.
func measure(bench string, threads int, ops int64) (_ report, err error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
	r, err := workload.Setup(bench, threads)
	if err != nil {
		return report{}, err
	}
	defer func() { err = errors.Join(err, r.Close()) }()

	var (
		budget   atomic.Int64 // ops not yet taken
		ready    sync.WaitGroup
		done     sync.WaitGroup
		start    = make(chan struct{})
		firstErr error
		errOnce  sync.Once
	)
	budget.Store(ops)
	for i := range threads {
		op := r.Op(i)
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			for budget.Add(-1) >= 0 {
				if err := op(); err != nil {
					errOnce.Do(func() { firstErr = err })
					budget.Store(-1 << 62) // stop the other workers
					return
				}
			}
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	wall := time.Since(t0)
	if firstErr != nil {
		return report{}, firstErr
	}

	rep := report{Lang: "go", Bench: bench, Threads: threads, Ops: ops, WallNS: wall.Nanoseconds()}
	if bench == workload.ParallelShared {
		k, _ := r.OpenTransitions()
		rep.OpenTransitions = &k
	}
	return rep, nil
}
