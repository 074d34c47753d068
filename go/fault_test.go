package secret_test

// Tests that need a process of their own: faulting accesses (test 3) and
// mlock failure under RLIMIT_MEMLOCK = 0 (test 6).
//
// Each runs the test binary again with -test.run=^TestHelperProcess$ and
// SECRET_TEST_HELPER=<case>. For the faulting cases the child prints the
// address it is about to touch and touches it. A Go program does not die by
// the signal: the runtime turns the SIGSEGV into
//
//	unexpected fault address 0x7f…
//	fatal error: fault
//	[signal SIGSEGV: segmentation violation code=0x2 addr=0x7f… pc=0x…]
//
// and exits with status 2. The parent asserts exactly that: exit status 2,
// SIGSEGV with code 0x2 (SEGV_ACCERR: the page is mapped but the access is
// not allowed) at the very address the child announced, and no "survived"
// line. Any other crash, or a fault at another address, fails the test.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"benchnorm/secret"
)

const helperEnv = "SECRET_TEST_HELPER"

// sink keeps the faulting reads from being optimised away.
var sink byte

// runHelper runs TestHelperProcess in a child with mode, optionally through
// a wrapper command (argv prefix), and returns its exit code and output.
func runHelper(t *testing.T, mode string, wrapper ...string) (code int, stdout, stderr string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	argv := append(wrapper, exe, "-test.run=^TestHelperProcess$", "-test.count=1", "-test.v")
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("helper %q did not finish within 60 s (hang?)\nstdout:\n%s\nstderr:\n%s", mode, out.String(), errOut.String())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		code = 0
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running helper %q: %v", mode, err)
	}
	return code, out.String(), errOut.String()
}

// TestHelperProcess is the child side. It does nothing in a normal run.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	switch mode {
	case "":
		t.Skip("child process for the fault and mlock tests")
	case "mlock":
		mlockChild(t)
	default:
		faultChild(t, mode)
	}
}

// faultChild makes one forbidden access; it must not return.
func faultChild(t *testing.T, mode string) {
	s := mustNew(t, testSecret)
	first := unsafe.Pointer(unsafe.SliceData(s.Bytes()))
	var (
		target unsafe.Pointer
		write  bool
	)
	switch mode {
	case "read-at-rest":
		target = first
	case "read-secret-n": // secret[n], on the trailing guard page, while open
		target = unsafe.Add(first, len(testSecret))
	case "read-before-page": // last byte of the leading guard page, while open
		target = unsafe.Add(unsafe.Pointer(unsafe.SliceData(s.Page())), -1)
	case "write-while-open":
		target, write = first, true
	default:
		t.Fatalf("unknown helper mode %q", mode)
	}
	if mode == "read-at-rest" {
		// At rest after a full open/close cycle, not just after New.
		if ok, err := s.Verify(testSecret); !ok || err != nil {
			t.Fatalf("Verify = %v, %v", ok, err)
		}
	} else if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "helper: touching %#x\n", uintptr(target))
	if write {
		*(*byte)(target) = 0x5a
	} else {
		sink = *(*byte)(target)
	}
	fmt.Fprintln(os.Stderr, "helper: survived")
	os.Exit(3)
}

var (
	touchRE = regexp.MustCompile(`helper: touching (0x[0-9a-f]+)`)
	faultRE = regexp.MustCompile(`\[signal SIGSEGV: segmentation violation code=(0x[0-9a-f]+) addr=(0x[0-9a-f]+) pc=`)
)

// Test 3: reading the secret at rest, reading secret[n], reading the byte
// before the data page and writing while opened read-only all fault.
func TestFaults(t *testing.T) {
	for _, mode := range []string{"read-at-rest", "read-secret-n", "read-before-page", "write-while-open"} {
		t.Run(mode, func(t *testing.T) {
			code, _, stderr := runHelper(t, mode)
			touched := touchRE.FindStringSubmatch(stderr)
			if touched == nil {
				t.Fatalf("child did not reach the access (exit %d):\n%s", code, stderr)
			}
			if strings.Contains(stderr, "helper: survived") {
				t.Fatalf("access to %s did not fault", touched[1])
			}
			fault := faultRE.FindStringSubmatch(stderr)
			if code != 2 || fault == nil || !strings.Contains(stderr, "unexpected fault address "+touched[1]) {
				t.Fatalf("want the Go runtime's SIGSEGV fatal error and exit status 2, got exit %d:\n%s", code, stderr)
			}
			if fault[2] != touched[1] {
				t.Errorf("fault at %s, but the child touched %s", fault[2], touched[1])
			}
			if sigcode, _ := strconv.ParseUint(fault[1], 0, 64); sigcode != 2 { // SEGV_ACCERR
				t.Errorf("si_code %s, want 0x2 (SEGV_ACCERR: mapped page, access forbidden)", fault[1])
			}
		})
	}
}

// Test 6: with RLIMIT_MEMLOCK = 0 and without CAP_IPC_LOCK, New fails with
// an error naming mlock, RLIMIT_MEMLOCK and the errno, unmaps what it
// mapped, holds no lock and does not hang (runHelper's timeout).
func TestMlockFailure(t *testing.T) {
	var wrapper []string
	if os.Geteuid() == 0 {
		// Root has CAP_IPC_LOCK, which makes mlock ignore the limit; the
		// child runs with it removed from its bounding and inheritable sets.
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("running as root and setpriv (util-linux) is not installed: cannot drop CAP_IPC_LOCK for the child")
		}
		wrapper = []string{setpriv, "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock", "--"}
	}
	code, stdout, stderr := runHelper(t, "mlock", wrapper...)
	if code != 0 || !strings.Contains(stdout+stderr, "helper: mlock checks passed") {
		t.Fatalf("child exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func mlockChild(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if capEff := statusField(t, status, "CapEff"); capEff&(1<<unix.CAP_IPC_LOCK) != 0 {
		t.Fatalf("child still has CAP_IPC_LOCK (CapEff %#x): mlock would ignore RLIMIT_MEMLOCK", capEff)
	}
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		t.Fatal(err)
	}

	var mapped []uintptr
	defer secret.SetHookMapped(func(m []byte) { mapped = append(mapped, addrOf(m)) })()
	s, err := secret.New(testSecret)
	if err == nil || s != nil {
		t.Fatalf("New under RLIMIT_MEMLOCK=0 = %v, %v; want an error", s, err)
	}
	t.Logf("New: %v", err)
	var se *secret.SyscallError
	if !errors.As(err, &se) || !strings.HasPrefix(se.Op, "mlock") {
		t.Errorf("error %v is not a *SyscallError for mlock", err)
	}
	if !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.ENOMEM) {
		t.Errorf("error %v wraps neither EPERM nor ENOMEM", err)
	}
	msg := err.Error()
	for _, want := range []string{"mlock", "RLIMIT_MEMLOCK", "errno "} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, string(testSecret)) {
		t.Errorf("error message contains the secret")
	}

	// No leak: the mapping New made is gone (its data page was already
	// marked MADV_DONTDUMP when mlock failed), and nothing is locked.
	if len(mapped) != 1 {
		t.Fatalf("New made %d mappings, want 1", len(mapped))
	}
	if m, ok := leftover(t, mapped[0]+uintptr(os.Getpagesize())); ok {
		t.Errorf("the failed Secret's data page is still mapped: %#x-%#x %s %v", m.start, m.end, m.perms, m.flags)
	}
	status, err = os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if locked := statusField(t, status, "VmLck"); locked != 0 {
		t.Errorf("VmLck = %d kB after the failed New, want 0", locked)
	}
	if !t.Failed() {
		fmt.Println("helper: mlock checks passed")
	}
}

// statusField reads a field of /proc/self/status: CapEff as hex, VmLck in kB.
func statusField(t *testing.T, status []byte, name string) uint64 {
	t.Helper()
	for line := range strings.Lines(string(status)) {
		rest, ok := strings.CutPrefix(line, name+":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		base := 10
		if name == "CapEff" {
			base = 16
		}
		v, err := strconv.ParseUint(fields[0], base, 64)
		if err != nil {
			t.Fatalf("/proc/self/status %s: %v", name, err)
		}
		return v
	}
	t.Fatalf("/proc/self/status has no %s", name)
	return 0
}
