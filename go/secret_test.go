package secret_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"benchnorm/secret"
)

// vectors is spec/vectors.json.
type vectors struct {
	Version           int    `json:"version"`
	MaxSecretLen      int    `json:"max_secret_len"`
	BenchSecretHex    string `json:"bench_secret_hex"`
	BenchCandidateHex string `json:"bench_candidate_hex"`
	Verify            []struct {
		Name         string `json:"name"`
		SecretHex    string `json:"secret_hex"`
		CandidateHex string `json:"candidate_hex"`
		Expected     bool   `json:"expected"`
	} `json:"verify"`
	InvalidSecretLengths []int `json:"invalid_secret_lengths"`
}

// vectorsPath is relative to the package directory, where `go test` runs.
const vectorsPath = "../spec/vectors.json"

func loadVectors(t *testing.T) vectors {
	t.Helper()
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("reading the test vectors (run from go/): %v", err)
	}
	var v vectors
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", vectorsPath, err)
	}
	if v.Version != 1 || len(v.Verify) == 0 || len(v.InvalidSecretLengths) == 0 {
		t.Fatalf("%s: unexpected content (version %d, %d vectors, %d invalid lengths)",
			vectorsPath, v.Version, len(v.Verify), len(v.InvalidSecretLengths))
	}
	return v
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustNew(t testing.TB, b []byte) *secret.Secret {
	t.Helper()
	s, err := secret.New(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustDestroy(t testing.TB, s *secret.Secret) {
	t.Helper()
	if err := s.Destroy(); err != nil {
		t.Fatal(err)
	}
}

var testSecret = []byte("correct horse battery staple 123")

// Test 1: every vector, including the invalid secret lengths.
func TestVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Verify {
		t.Run(c.Name, func(t *testing.T) {
			s := mustNew(t, mustHex(t, c.SecretHex))
			defer mustDestroy(t, s)
			got, err := s.Verify(mustHex(t, c.CandidateHex))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.Expected {
				t.Errorf("Verify = %v, want %v", got, c.Expected)
			}
			if n := s.OpenTransitions(); n != 1 {
				t.Errorf("OpenTransitions = %d after one Verify, want 1", n)
			}
		})
	}
}

func TestInvalidLengths(t *testing.T) {
	v := loadVectors(t)
	if secret.MaxLen() != v.MaxSecretLen {
		t.Fatalf("MaxLen = %d, vectors say %d (page size %d)", secret.MaxLen(), v.MaxSecretLen, os.Getpagesize())
	}
	lengths := slices.Concat(v.InvalidSecretLengths, []int{secret.MaxLen() + 1, 2 * os.Getpagesize()})
	for _, n := range lengths {
		s, err := secret.New(make([]byte, n))
		if !errors.Is(err, secret.ErrLength) || s != nil {
			t.Errorf("New(%d bytes) = %v, %v; want nil, ErrLength", n, s, err)
		}
	}
	for _, n := range []int{1, secret.MaxLen()} {
		s, err := secret.New(bytes.Repeat([]byte{0xa5}, n))
		if err != nil {
			t.Fatalf("New(%d bytes): %v", n, err)
		}
		mustDestroy(t, s)
	}
}

func TestKeepsNoReferenceToCallerBuffer(t *testing.T) {
	buf := slices.Clone(testSecret)
	s := mustNew(t, buf)
	defer mustDestroy(t, s)
	clear(buf)
	if ok, err := s.Verify(testSecret); !ok || err != nil {
		t.Fatalf("Verify(original) after clearing the caller's buffer = %v, %v; want true, nil", ok, err)
	}
	if ok, _ := s.Verify(buf); ok {
		t.Fatal("Verify(cleared buffer) = true")
	}
}

// Test 2: three distinct mappings, all ---p at rest; the data page is
// mlocked (lo) and excluded from core dumps (dd).
func TestLayout(t *testing.T) {
	s := mustNew(t, testSecret)
	defer mustDestroy(t, s)
	pg := uintptr(os.Getpagesize())
	base := addrOf(s.Mapping())
	if len(s.Mapping()) != 3*int(pg) || addrOf(s.Page()) != base+pg {
		t.Fatalf("mapping %#x+%d, data page at %#x: not three pages with the data page in the middle",
			base, len(s.Mapping()), addrOf(s.Page()))
	}
	// Right-aligned: the byte after the secret is the first byte of the
	// trailing guard page.
	if end := addrOf(s.Bytes()) + uintptr(len(testSecret)); end != base+2*pg {
		t.Fatalf("secret ends at %#x, want %#x (the trailing guard page)", end, base+2*pg)
	}

	check := func(when string) {
		t.Helper()
		vmas := readMaps(t)
		var seen []vma
		for i, what := range []string{"leading guard page", "data page", "trailing guard page"} {
			v, ok := vmaAt(vmas, base+uintptr(i)*pg)
			if !ok {
				t.Fatalf("%s: %s at %#x not in /proc/self/maps", when, what, base+uintptr(i)*pg)
			}
			if v.perms != "---p" {
				t.Errorf("%s: %s is %s, want ---p", when, what, v.perms)
			}
			if slices.Contains(seen, v) {
				t.Errorf("%s: %s shares a mapping with another page: %#x-%#x", when, what, v.start, v.end)
			}
			seen = append(seen, v)
		}
		// The guards may merge outward with a neighbouring PROT_NONE
		// mapping; the data page is a mapping of its own, exactly one page.
		if seen[1].start != base+pg || seen[1].end != base+2*pg {
			t.Errorf("%s: data page mapping is %#x-%#x, want %#x-%#x", when, seen[1].start, seen[1].end, base+pg, base+2*pg)
		}
		flags := vmFlags(t, base+pg)
		for _, want := range []string{"lo", "dd"} {
			if !slices.Contains(flags, want) {
				t.Errorf("%s: data page VmFlags %v lack %q", when, flags, want)
			}
		}
	}
	check("after New")
	if ok, err := s.Verify(testSecret); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	check("after Verify")

	// While open the data page alone is readable.
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	v, _ := vmaAt(readMaps(t), base+pg)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if v.perms != "r--p" || v.start != base+pg || v.end != base+2*pg {
		t.Errorf("open data page mapping is %#x-%#x %s, want %#x-%#x r--p", v.start, v.end, v.perms, base+pg, base+2*pg)
	}
	check("after Open and Close")
}

// Test 4: destroy reports a corrupted canary, and a clean destroy passes.
func TestCanary(t *testing.T) {
	clean := mustNew(t, testSecret)
	if err := clean.Destroy(); err != nil {
		t.Fatalf("clean Destroy: %v", err)
	}

	s := mustNew(t, testSecret)
	base := addrOf(s.Mapping())
	if err := s.CorruptCanary(); err != nil {
		t.Fatal(err)
	}
	err := s.Destroy()
	if !errors.Is(err, secret.ErrCanary) {
		t.Fatalf("Destroy after corrupting the canary = %v, want ErrCanary", err)
	}
	// It still released everything.
	if m, ok := leftover(t, base+uintptr(os.Getpagesize())); ok {
		t.Errorf("data page still mapped after Destroy: %#x-%#x %s %v", m.start, m.end, m.perms, m.flags)
	}
	if err := s.Destroy(); err != nil {
		t.Errorf("second Destroy = %v, want nil", err)
	}
}

// Test 5: destroy zeroes the page before munmap.
func TestDestroyZeroes(t *testing.T) {
	s := mustNew(t, bytes.Repeat([]byte{0xff}, secret.MaxLen()))
	base := addrOf(s.Mapping())
	calls := 0
	var nonzero int
	defer secret.SetHookBeforeUnmap(func(page []byte) {
		calls++
		if addrOf(page) != base+uintptr(os.Getpagesize()) || len(page) != os.Getpagesize() {
			t.Errorf("hook saw %#x+%d, want the data page", addrOf(page), len(page))
		}
		for _, b := range page {
			if b != 0 {
				nonzero++
			}
		}
	})()
	// The page really held the secret before Destroy.
	if ok, err := s.Verify(bytes.Repeat([]byte{0xff}, secret.MaxLen())); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	mustDestroy(t, s)
	if calls != 1 {
		t.Fatalf("before-unmap hook ran %d times, want 1", calls)
	}
	if nonzero != 0 {
		t.Errorf("%d bytes of the data page were not zero before munmap", nonzero)
	}
	if m, ok := leftover(t, base+uintptr(os.Getpagesize())); ok {
		t.Errorf("data page still mapped after Destroy: %#x-%#x %s %v", m.start, m.end, m.perms, m.flags)
	}
}

// Test 5: use after destroy is a clean error.
func TestUseAfterDestroy(t *testing.T) {
	s := mustNew(t, testSecret)
	mustDestroy(t, s)
	for _, candidate := range [][]byte{testSecret, nil} {
		ok, err := s.Verify(candidate)
		if ok || !errors.Is(err, secret.ErrDestroyed) {
			t.Errorf("Verify after Destroy = %v, %v; want false, ErrDestroyed", ok, err)
		}
	}
	if err := s.Destroy(); err != nil {
		t.Errorf("second Destroy = %v, want nil (idempotent)", err)
	}
	if err := s.Open(); !errors.Is(err, secret.ErrDestroyed) {
		t.Errorf("open after Destroy = %v, want ErrDestroyed", err)
	}
}

// Destroy while a Verify is between open and close waits for it instead of
// unmapping the page under the reader.
func TestDestroyWaitsForReaders(t *testing.T) {
	s := mustNew(t, testSecret)
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Destroy() }()
	select {
	case err := <-done:
		t.Fatalf("Destroy returned (%v) while a reader was open", err)
	case <-time.After(50 * time.Millisecond):
	}
	if got := s.Bytes()[0]; got != testSecret[0] {
		t.Fatalf("open page reads %#x, want %#x", got, testSecret[0])
	}
	if ok, err := s.Verify(testSecret); !errors.Is(err, secret.ErrDestroyed) {
		t.Errorf("Verify during Destroy = %v, %v; want ErrDestroyed", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Destroy: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Destroy did not return after the last reader closed")
	}
}

func TestSyscallError(t *testing.T) {
	err := error(&secret.SyscallError{Op: "mlock data page", Errno: unix.EPERM, Hint: "check RLIMIT_MEMLOCK"})
	if !errors.Is(err, unix.EPERM) || !errors.Is(err, os.ErrPermission) {
		t.Errorf("errors.Is does not see EPERM through %v", err)
	}
	const want = "secret: mlock data page: EPERM (errno 1: operation not permitted); check RLIMIT_MEMLOCK"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
	}
}

// Error messages never carry the secret.
func TestErrorsDoNotLeakSecret(t *testing.T) {
	long := bytes.Repeat([]byte("s3cr3t"), 1000)
	_, err := secret.New(long)
	if err == nil {
		t.Fatal("New accepted 6000 bytes")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cr3t") || strings.Contains(msg, hex.EncodeToString([]byte("s3cr3t"))) {
		t.Errorf("error message contains the secret: %q", msg)
	}
}
