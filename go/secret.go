// Package secret holds a short secret in a page of its own that is readable
// only while a Verify runs; at rest the page is PROT_NONE.
//
// This is the Go implementation of the guarded-secret kernel described in
// suites/guarded-secret/kernel.md. One Secret is one anonymous private mapping of three pages:
//
//	base       guard page  PROT_NONE for the Secret's whole life
//	base+PG    data page   mlocked, MADV_DONTDUMP, PROT_NONE at rest
//	             [ zero … ][ canary: 16 bytes ][ secret: n bytes ]  (right-aligned)
//	base+2PG   guard page  PROT_NONE for the Secret's whole life
//
// Right alignment puts secret[n] on the trailing guard page, so a one-byte
// overrun faults. The canary is random once per process and is checked by
// Destroy.
//
// Verify opens the page (readers 0 → 1: mprotect PROT_READ), compares in
// constant time, and closes it (readers 1 → 0: mprotect PROT_NONE). The
// reader count and the mprotect that goes with each transition change
// together under the Secret's mutex, so a sequential Verify is exactly two
// mprotect calls and concurrent readers never see the page closed under them.
package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

const canaryLen = 16

// canary is written before every secret and checked by Destroy. It is drawn
// once per process.
var canary [canaryLen]byte

func init() {
	// crypto/rand.Read never returns an error on Linux (Go ≥ 1.24 it
	// crashes the program instead of returning short reads).
	rand.Read(canary[:])
}

// Test hooks, nil outside tests (set from export_test.go only).
var (
	// testHookMapped sees the whole mapping right after mmap succeeds.
	testHookMapped func(mapping []byte)
	// testHookBeforeUnmap sees the data page after Destroy has zeroed it,
	// while it is still mapped and writable, before munlock and munmap.
	testHookBeforeUnmap func(page []byte)
)

// MaxLen is the longest secret this machine can hold: one page less the
// canary.
func MaxLen() int { return os.Getpagesize() - canaryLen }

var (
	// ErrLength is returned by New for a secret shorter than 1 byte or longer
	// than MaxLen.
	ErrLength = errors.New("secret: invalid length")
	// ErrDestroyed is returned by any use of a Secret after Destroy.
	ErrDestroyed = errors.New("secret: used after Destroy")
	// ErrCanary is returned by Destroy when the canary before the secret was
	// overwritten. The Secret is still zeroed and unmapped.
	ErrCanary = errors.New("secret: canary overwritten, memory before the secret was corrupted")
)

// A SyscallError records a failed system call: which step of the kernel
// failed and the errno it returned. errors.Is(err, unix.EPERM) and friends
// see the errno through Unwrap.
type SyscallError struct {
	Op    string     // the step, e.g. "mlock data page" or "mprotect data page PROT_READ"
	Errno unix.Errno // what the kernel returned
	Hint  string     // what to check, or ""
}

func (e *SyscallError) Error() string {
	msg := fmt.Sprintf("secret: %s: %s (errno %d: %s)", e.Op, unix.ErrnoName(e.Errno), int(e.Errno), e.Errno.Error())
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

func (e *SyscallError) Unwrap() error { return e.Errno }

// syscallError wraps err, an error from golang.org/x/sys/unix, as a
// *SyscallError naming op.
func syscallError(op string, err error, hint string) error {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return fmt.Errorf("secret: %s: %w", op, err)
	}
	return &SyscallError{Op: op, Errno: errno, Hint: hint}
}

const mlockHint = "the data page could not be locked in memory: check RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK"

type state uint8

const (
	live       state = iota
	destroying       // Destroy waits for the last reader to close
	destroyed
)

// A Secret holds up to MaxLen bytes in a locked, guarded page. Its methods
// are safe for concurrent use. Call Destroy when done: the mapping is not
// released by the garbage collector.
type Secret struct {
	mu      sync.Mutex
	idle    sync.Cond // signalled by the last reader to close while destroying
	readers int       // Verifies between open and close
	opens   uint64    // 0 → 1 transitions of readers
	state   state

	mapping []byte // the three pages, exactly as returned by mmap
	page    []byte // the data page
	secret  []byte // the secret, right-aligned at the end of page
}

// New copies b into a new Secret. It keeps no reference to b; the caller
// should clear b if it was the only other copy.
func New(b []byte) (*Secret, error) {
	pg := os.Getpagesize()
	n := len(b)
	if n < 1 || n > pg-canaryLen {
		return nil, fmt.Errorf("%w: %d bytes, want 1 to %d", ErrLength, n, pg-canaryLen)
	}

	// 1. Three pages, read-write while the secret is written.
	mapping, err := unix.Mmap(-1, 0, 3*pg, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, syscallError("mmap 3 pages", err, "")
	}
	if testHookMapped != nil {
		testHookMapped(mapping)
	}
	s := &Secret{mapping: mapping, page: mapping[pg : 2*pg : 2*pg]}
	s.idle.L = &s.mu

	// 2. Keep the data page out of core dumps.
	if err := unix.Madvise(s.page, unix.MADV_DONTDUMP); err != nil {
		return nil, s.abandon(syscallError("madvise data page MADV_DONTDUMP", err, ""), false)
	}
	// 3. Keep it out of swap. Nothing is written to it before this succeeds.
	if err := unix.Mlock(s.page); err != nil {
		return nil, s.abandon(syscallError("mlock data page", err, mlockHint), false)
	}

	// 4. Canary and secret, right-aligned.
	off := pg - canaryLen - n
	copy(s.page[off:], canary[:])
	s.secret = s.page[off+canaryLen : pg : pg]
	copy(s.secret, b)

	// 5. Everything PROT_NONE.
	for _, p := range []struct {
		what  string
		pages []byte
	}{
		{"leading guard page", mapping[:pg]},
		{"data page", s.page},
		{"trailing guard page", mapping[2*pg:]},
	} {
		if err := unix.Mprotect(p.pages, unix.PROT_NONE); err != nil {
			return nil, s.abandon(syscallError("mprotect "+p.what+" PROT_NONE", err, ""), true)
		}
	}
	return s, nil
}

// abandon releases a half-built Secret and returns cause, joined with any
// error met on the way. locked says the data page is mlocked and may hold
// the secret.
func (s *Secret) abandon(cause error, locked bool) error {
	errs := []error{cause}
	if locked {
		if err := unix.Mprotect(s.page, unix.PROT_READ|unix.PROT_WRITE); err != nil {
			errs = append(errs, syscallError("mprotect data page PROT_READ|PROT_WRITE", err, ""))
		} else {
			wipe(s.page)
		}
		if err := unix.Munlock(s.page); err != nil {
			errs = append(errs, syscallError("munlock data page", err, ""))
		}
	}
	if err := unix.Munmap(s.mapping); err != nil {
		errs = append(errs, syscallError("munmap", err, ""))
	}
	s.mapping, s.page, s.secret = nil, nil, nil
	s.state = destroyed
	return errors.Join(errs...)
}

// Verify reports whether candidate equals the secret, in time that depends
// only on the lengths. A length mismatch is false. The secret is compared in
// place and never copied.
func (s *Secret) Verify(candidate []byte) (bool, error) {
	if err := s.open(); err != nil {
		return false, err
	}
	equal := subtle.ConstantTimeCompare(s.secret, candidate) == 1
	if err := s.close(); err != nil {
		return false, err
	}
	return equal, nil
}

// open makes the data page readable if it is the first reader.
func (s *Secret) open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != live {
		return ErrDestroyed
	}
	if s.readers == 0 {
		if err := unix.Mprotect(s.page, unix.PROT_READ); err != nil {
			return syscallError("mprotect data page PROT_READ", err, "")
		}
		s.opens++
	}
	s.readers++
	return nil
}

// close makes the data page inaccessible again if it is the last reader.
func (s *Secret) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readers--
	if s.readers > 0 {
		return nil
	}
	err := unix.Mprotect(s.page, unix.PROT_NONE)
	if s.state == destroying {
		s.idle.Signal()
	}
	if err != nil {
		return syscallError("mprotect data page PROT_NONE", err, "")
	}
	return nil
}

// OpenTransitions returns how many times the data page went from no reader
// to one reader, that is how many PROT_READ/PROT_NONE cycles Verify has
// made. With overlapping readers it is below the number of Verify calls.
func (s *Secret) OpenTransitions() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens
}

// Destroy zeroes the data page and releases it. It waits for Verify calls in
// progress to finish; later calls to Verify fail with ErrDestroyed and later
// calls to Destroy do nothing. If the canary was overwritten Destroy still
// zeroes and unmaps, and returns an error that wraps ErrCanary.
func (s *Secret) Destroy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != live {
		return nil
	}
	s.state = destroying
	for s.readers > 0 {
		s.idle.Wait()
	}
	defer func() {
		s.mapping, s.page, s.secret = nil, nil, nil
		s.state = destroyed
	}()

	var errs []error
	if err := unix.Mprotect(s.page, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		// The page cannot be zeroed; unmapping it still returns it to the
		// kernel, which clears pages before handing them out again.
		errs = append(errs, syscallError("mprotect data page PROT_READ|PROT_WRITE", err, ""))
	} else {
		off := len(s.page) - len(s.secret) - canaryLen
		if subtle.ConstantTimeCompare(s.page[off:off+canaryLen], canary[:]) != 1 {
			errs = append(errs, ErrCanary)
		}
		wipe(s.page)
		if testHookBeforeUnmap != nil {
			testHookBeforeUnmap(s.page)
		}
	}
	if err := unix.Munlock(s.page); err != nil {
		errs = append(errs, syscallError("munlock data page", err, ""))
	}
	if err := unix.Munmap(s.mapping); err != nil {
		errs = append(errs, syscallError("munmap", err, ""))
	}
	return errors.Join(errs...)
}

// wipe zeroes b. The compiler cannot drop these stores: b is memory from
// mmap that stays reachable after the call (it is handed to munlock and
// munmap, which the compiler cannot see into), wipe is never inlined into a
// caller where the stores could look dead, and KeepAlive marks b as used
// after the stores.
//
//go:noinline
func wipe(b []byte) {
	clear(b)
	runtime.KeepAlive(b)
}
