// Package workload defines the five canonical benchmarks of suites/guarded-secret/kernel.md
// once, so that the testing.B benchmarks and the ops runner (cmd/secretops)
// perform the very same op. It also defines floor-raw, a Go-only diagnostic
// benchmark that is not part of the kernel contract (see Diagnostic).
//
// Setup creates everything the ops need (Secrets, the floor page, the lock)
// before any timing starts; each worker then calls its op in a loop.
package workload

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"benchnorm/secret"
)

// The canonical benchmark names.
const (
	Floor          = "floor"
	Sequential     = "sequential"
	ParallelOwned  = "parallel-owned"
	ParallelLocked = "parallel-locked"
	ParallelShared = "parallel-shared"
)

// Names lists the canonical benchmarks in the order suites/guarded-secret/kernel.md gives them.
var Names = []string{Floor, Sequential, ParallelOwned, ParallelLocked, ParallelShared}

// FloorRaw is the floor op made through syscall.RawSyscall instead of the
// runtime's syscall path (see FloorPage.OpRaw). It is a diagnostic for Go
// only, not a benchmark of suites/guarded-secret/kernel.md: the suite never
// runs it and other languages have no counterpart.
const FloorRaw = "floor-raw"

// Diagnostic lists the Go-only benchmarks Setup also accepts.
var Diagnostic = []string{FloorRaw}

// Serial reports whether benchmark name always runs with one worker.
func Serial(name string) bool { return name == Floor || name == FloorRaw || name == Sequential }

// The benchmark secret and candidate: bench_secret_hex and
// bench_candidate_hex from spec/vectors.json (a test checks they match).
// They are equal, so every compare runs over all 32 bytes.
const (
	BenchSecretHex    = "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
	BenchCandidateHex = "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
)

// ErrUnknown is returned by Setup for a name that is not in Names.
var ErrUnknown = errors.New("workload: unknown benchmark")

var errMismatch = errors.New("workload: Verify returned false for the benchmark candidate")

// An Op performs one op of a benchmark.
type Op func() error

// A Run is one benchmark set up for a fixed number of workers.
type Run struct {
	ops     []Op
	shared  *secret.Secret // parallel-locked and parallel-shared
	closers []func() error
}

// Setup prepares benchmark name for workers workers. The caller must Close
// the Run.
func Setup(name string, workers int) (*Run, error) {
	if workers < 1 {
		return nil, fmt.Errorf("workload: %d workers, want at least 1", workers)
	}
	r := &Run{}
	err := r.setup(name, workers)
	if err != nil {
		return nil, errors.Join(err, r.Close())
	}
	return r, nil
}

func (r *Run) setup(name string, workers int) error {
	secretBytes, err := hex.DecodeString(BenchSecretHex)
	if err != nil {
		return err
	}
	candidate, err := hex.DecodeString(BenchCandidateHex)
	if err != nil {
		return err
	}
	verifyOp := func(s *secret.Secret) Op {
		return func() error {
			ok, err := s.Verify(candidate)
			if err != nil {
				return err
			}
			if !ok {
				return errMismatch
			}
			return nil
		}
	}
	newSecret := func() (*secret.Secret, error) {
		s, err := secret.New(secretBytes)
		if err != nil {
			return nil, err
		}
		r.closers = append(r.closers, s.Destroy)
		return s, nil
	}

	switch name {
	case Floor, FloorRaw:
		for range workers {
			p, err := NewFloorPage()
			if err != nil {
				return err
			}
			r.closers = append(r.closers, p.Close)
			if name == FloorRaw {
				r.ops = append(r.ops, p.OpRaw)
			} else {
				r.ops = append(r.ops, p.Op)
			}
		}
	case Sequential, ParallelOwned:
		for range workers {
			s, err := newSecret()
			if err != nil {
				return err
			}
			r.ops = append(r.ops, verifyOp(s))
		}
	case ParallelLocked:
		s, err := newSecret()
		if err != nil {
			return err
		}
		r.shared = s
		var mu sync.Mutex
		verify := verifyOp(s)
		op := func() error {
			mu.Lock()
			defer mu.Unlock()
			return verify()
		}
		for range workers {
			r.ops = append(r.ops, op)
		}
	case ParallelShared:
		s, err := newSecret()
		if err != nil {
			return err
		}
		r.shared = s
		op := verifyOp(s)
		for range workers {
			r.ops = append(r.ops, op)
		}
	default:
		return fmt.Errorf("%w %q", ErrUnknown, name)
	}
	return nil
}

// Op returns worker i's op, 0 ≤ i < workers.
func (r *Run) Op(i int) Op { return r.ops[i] }

// OpenTransitions returns the shared Secret's count of PROT_READ/PROT_NONE
// cycles, and false for benchmarks without a shared Secret.
func (r *Run) OpenTransitions() (uint64, bool) {
	if r.shared == nil {
		return 0, false
	}
	return r.shared.OpenTransitions(), true
}

// Close destroys every Secret and page the Run created.
func (r *Run) Close() error {
	var errs []error
	for _, c := range r.closers {
		errs = append(errs, c())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// A FloorPage is the floor benchmark's one page: mapped, mlocked and touched
// like a Secret's data page, but with no library code around the two
// mprotect calls. The C ABI (capi) hands it out as its floor object.
type FloorPage struct{ page []byte }

// NewFloorPage maps, locks, touches and protects one page.
func NewFloorPage() (*FloorPage, error) {
	page, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("workload: mmap floor page: %w", err)
	}
	if err := unix.Mlock(page); err != nil {
		return nil, errors.Join(fmt.Errorf("workload: mlock floor page (check RLIMIT_MEMLOCK): %w", err), unix.Munmap(page))
	}
	page[len(page)-1] = 1
	if err := unix.Mprotect(page, unix.PROT_NONE); err != nil {
		return nil, errors.Join(fmt.Errorf("workload: mprotect floor page PROT_NONE: %w", err), unix.Munmap(page))
	}
	return &FloorPage{page: page}, nil
}

// Op is the floor op: mprotect(PROT_READ) then mprotect(PROT_NONE).
func (p *FloorPage) Op() error {
	if err := unix.Mprotect(p.page, unix.PROT_READ); err != nil {
		return fmt.Errorf("workload: mprotect floor page PROT_READ: %w", err)
	}
	if err := unix.Mprotect(p.page, unix.PROT_NONE); err != nil {
		return fmt.Errorf("workload: mprotect floor page PROT_NONE: %w", err)
	}
	return nil
}

// OpRaw is the floor op made with syscall.RawSyscall: the same two mprotect
// calls on the same page, each result checked, but without the runtime's
// entersyscall/exitsyscall around them. A raw syscall keeps its P the whole
// time, so the scheduler can neither see it as in a syscall nor hand the P to
// another thread; that is fine for a call that returns in a microsecond, and
// is why only this diagnostic uses it.
func (p *FloorPage) OpRaw() error {
	addr, n := uintptr(unsafe.Pointer(&p.page[0])), uintptr(len(p.page))
	if _, _, e := syscall.RawSyscall(syscall.SYS_MPROTECT, addr, n, syscall.PROT_READ); e != 0 {
		return fmt.Errorf("workload: raw mprotect floor page PROT_READ: %w", e)
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_MPROTECT, addr, n, syscall.PROT_NONE); e != 0 {
		return fmt.Errorf("workload: raw mprotect floor page PROT_NONE: %w", e)
	}
	return nil
}

// Close unlocks and unmaps the page.
func (p *FloorPage) Close() error {
	return errors.Join(unix.Munlock(p.page), unix.Munmap(p.page))
}
