// Command capi is the Go kernel behind the C ABI of
// include/benchnorm_secret.h, built as a C shared library:
//
//	go build -buildmode=c-shared -o ../build/interop/libbenchnorm_secret_go.so ./capi
//
// It is the only cgo package of the module: package secret and its tests
// stay free of cgo. Nothing here re-implements the kernel; every export
// resolves a handle and calls package secret (or the floor page of
// internal/workload, the one the Go floor benchmark uses).
//
// Handles. Go pointers never cross into C. Each Secret or floor page lives
// in a map from a handle to its Go pointer, guarded by a RWMutex (lookups
// take the read side). A handle is (sequence number << 1) | kind, with the
// sequence never reused, so a handle that is missing from its map but was
// issued is known to be destroyed (BN_ERR_DESTROYED) and anything else is
// BN_ERR_BAD_HANDLE. The encoding is private: the header calls handles
// opaque.
//
// Errors. Every export returns 0, a positive errno (package secret's
// SyscallError unwraps to it) or a negative BN_ERR_* code, and records the
// error's message for the calling thread. A cgo export runs on the thread
// of its C caller, so the thread id keys the message table; only failing
// calls write it. A panic is recovered at the boundary and reported as
// BN_ERR_INTERNAL.
//
// Signals. Loaded with -buildmode=c-shared the runtime installs handlers for
// SIGSEGV, SIGBUS, SIGFPE, SIGPIPE and SIGURG only; SIGINT stays with the
// host (os/signal, "Non-Go programs that call Go code"). This package never
// calls signal.Notify, so it stays that way.
package main

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"benchnorm/secret"
	"benchnorm/secret/internal/workload"
)

// main is required by -buildmode=c-shared and never runs.
func main() {}

// abiVersion is BN_ABI_VERSION.
const abiVersion = 1

// The negative return codes of include/benchnorm_secret.h.
const (
	codeLength    = -1 // BN_ERR_LENGTH
	codeDestroyed = -2 // BN_ERR_DESTROYED
	codeCanary    = -3 // BN_ERR_CANARY
	codeBadHandle = -4 // BN_ERR_BAD_HANDLE
	codeNull      = -5 // BN_ERR_NULL
	codeInternal  = -6 // BN_ERR_INTERNAL
)

// kind is the low bit of a handle.
type kind uint64

const (
	floorKind  kind = 0
	secretKind kind = 1
)

// issued is the last sequence number handed out; handles are never reused.
var issued atomic.Uint64

func issue(k kind) uint64 { return issued.Add(1)<<1 | uint64(k) }

// table maps live handles of one kind to their objects.
type table[T any] struct {
	kind  kind
	mu    sync.RWMutex
	items map[uint64]T
}

func newTable[T any](k kind) *table[T] {
	return &table[T]{kind: k, items: make(map[uint64]T)}
}

func (t *table[T]) add(v T) uint64 {
	h := issue(t.kind)
	t.mu.Lock()
	t.items[h] = v
	t.mu.Unlock()
	return h
}

// get returns the object of handle h, or the error for a handle that is
// not live.
func (t *table[T]) get(h uint64) (T, error) {
	t.mu.RLock()
	v, ok := t.items[h]
	t.mu.RUnlock()
	if !ok {
		return v, t.missing(h)
	}
	return v, nil
}

// take removes handle h and returns its object; ok is false if it was not
// live, with err nil for a handle that was issued and already taken.
func (t *table[T]) take(h uint64) (v T, ok bool, err error) {
	t.mu.Lock()
	v, ok = t.items[h]
	delete(t.items, h)
	t.mu.Unlock()
	if ok {
		return v, true, nil
	}
	if err := t.missing(h); !errors.Is(err, errGone) {
		return v, false, err
	}
	return v, false, nil
}

// errGone and errBadHandle describe a handle that is not in its table.
var (
	errGone      = errors.New("was destroyed")
	errBadHandle = errors.New("was not issued by this library for this kind of object")
	errNull      = errors.New("required pointer is NULL")
)

func (t *table[T]) missing(h uint64) error {
	if h != 0 && kind(h&1) == t.kind && h>>1 <= issued.Load() {
		return fmt.Errorf("handle %#x %w", h, errGone)
	}
	return fmt.Errorf("handle %#x %w", h, errBadHandle)
}

var (
	secrets = newTable[*secret.Secret](secretKind)
	floors  = newTable[*workload.FloorPage](floorKind)
)

// codeOf maps an error to its return code. For errors joined by Destroy
// the first one decides.
func codeOf(err error) C.int {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := j.Unwrap(); len(errs) > 0 {
			return codeOf(errs[0])
		}
	}
	switch {
	case errors.Is(err, secret.ErrLength):
		return codeLength
	case errors.Is(err, secret.ErrDestroyed), errors.Is(err, errGone):
		return codeDestroyed
	case errors.Is(err, secret.ErrCanary):
		return codeCanary
	case errors.Is(err, errBadHandle):
		return codeBadHandle
	case errors.Is(err, errNull):
		return codeNull
	}
	var errno unix.Errno
	if errors.As(err, &errno) && errno > 0 {
		return C.int(errno)
	}
	return codeInternal
}

// lastError holds each thread's most recent error message.
var lastError struct {
	sync.Mutex
	byThread map[int]string
}

// fail records fn's error for the calling thread and returns its code.
func fail(fn string, err error) C.int {
	return record(codeOf(err), fn+": "+err.Error())
}

func record(code C.int, msg string) C.int {
	tid := unix.Gettid()
	lastError.Lock()
	if lastError.byThread == nil {
		lastError.byThread = make(map[int]string)
	}
	lastError.byThread[tid] = msg
	lastError.Unlock()
	return code
}

// recoverAs turns a panic in export fn into BN_ERR_INTERNAL; every export
// defers it so that no panic reaches the C caller.
func recoverAs(fn string, rc *C.int) {
	if v := recover(); v != nil {
		*rc = record(codeInternal, fmt.Sprintf("%s: internal error: %v", fn, v))
	}
}

func null(what string) error { return fmt.Errorf("%s: %w", what, errNull) }

// bytesAt views n bytes of C memory at p without copying; p may be NULL
// only when n is 0.
func bytesAt(p *C.uint8_t, n C.size_t, what string) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if p == nil {
		return nil, null(what)
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)), nil
}

//export bn_abi_version
func bn_abi_version() C.uint32_t { return abiVersion }

//export bn_max_len
func bn_max_len() C.size_t { return C.size_t(secret.MaxLen()) }

//export bn_secret_new
func bn_secret_new(data *C.uint8_t, n C.size_t, out *C.uint64_t) (rc C.int) {
	const fn = "bn_secret_new"
	defer recoverAs(fn, &rc)
	if out == nil {
		return fail(fn, null("out"))
	}
	// Checked here as well as by secret.New, so that no slice is built
	// over a length that cannot be a secret.
	if maxLen := secret.MaxLen(); n < 1 || n > C.size_t(maxLen) {
		return fail(fn, fmt.Errorf("%w: %d bytes, want 1 to %d", secret.ErrLength, uint64(n), maxLen))
	}
	b, err := bytesAt(data, n, "data")
	if err != nil {
		return fail(fn, err)
	}
	s, err := secret.New(b)
	if err != nil {
		return fail(fn, err)
	}
	*out = C.uint64_t(secrets.add(s))
	return 0
}

//export bn_secret_verify
func bn_secret_verify(h C.uint64_t, candidate *C.uint8_t, n C.size_t, equal *C.int) (rc C.int) {
	const fn = "bn_secret_verify"
	defer recoverAs(fn, &rc)
	if equal == nil {
		return fail(fn, null("equal"))
	}
	c, err := bytesAt(candidate, n, "candidate")
	if err != nil {
		return fail(fn, err)
	}
	s, err := secrets.get(uint64(h))
	if err != nil {
		return fail(fn, err)
	}
	ok, err := s.Verify(c)
	if err != nil {
		return fail(fn, err)
	}
	if ok {
		*equal = 1
	} else {
		*equal = 0
	}
	return 0
}

//export bn_secret_open_transitions
func bn_secret_open_transitions(h C.uint64_t, out *C.uint64_t) (rc C.int) {
	const fn = "bn_secret_open_transitions"
	defer recoverAs(fn, &rc)
	if out == nil {
		return fail(fn, null("out"))
	}
	s, err := secrets.get(uint64(h))
	if err != nil {
		return fail(fn, err)
	}
	*out = C.uint64_t(s.OpenTransitions())
	return 0
}

//export bn_secret_destroy
func bn_secret_destroy(h C.uint64_t) (rc C.int) {
	const fn = "bn_secret_destroy"
	defer recoverAs(fn, &rc)
	s, ok, err := secrets.take(uint64(h))
	if err != nil {
		return fail(fn, err)
	}
	if !ok {
		return 0 // destroyed before: destroy is idempotent
	}
	// Destroy waits for verifies that looked the Secret up before take;
	// later ones get ErrDestroyed from it.
	if err := s.Destroy(); err != nil {
		return fail(fn, err)
	}
	return 0
}

//export bn_floor_new
func bn_floor_new(out *C.uint64_t) (rc C.int) {
	const fn = "bn_floor_new"
	defer recoverAs(fn, &rc)
	if out == nil {
		return fail(fn, null("out"))
	}
	p, err := workload.NewFloorPage()
	if err != nil {
		return fail(fn, err)
	}
	*out = C.uint64_t(floors.add(p))
	return 0
}

//export bn_floor_op
func bn_floor_op(h C.uint64_t) (rc C.int) {
	const fn = "bn_floor_op"
	defer recoverAs(fn, &rc)
	p, err := floors.get(uint64(h))
	if err != nil {
		return fail(fn, err)
	}
	if err := p.Op(); err != nil {
		return fail(fn, err)
	}
	return 0
}

//export bn_floor_free
func bn_floor_free(h C.uint64_t) (rc C.int) {
	const fn = "bn_floor_free"
	defer recoverAs(fn, &rc)
	p, ok, err := floors.take(uint64(h))
	if err != nil {
		return fail(fn, err)
	}
	if !ok {
		return 0
	}
	if err := p.Close(); err != nil {
		return fail(fn, err)
	}
	return 0
}

//export bn_last_error
func bn_last_error(buf *C.char, n C.size_t) C.size_t {
	tid := unix.Gettid()
	lastError.Lock()
	msg := lastError.byThread[tid]
	lastError.Unlock()
	if buf != nil && n > 0 {
		room := min(n, C.size_t(len(msg))+1)
		dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(room))
		k := copy(dst[:room-1], msg)
		dst[k] = 0
	}
	return C.size_t(len(msg))
}
