package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"benchnorm/secret/internal/workload"
)

// runAsMainEnv makes the test binary behave as the ops runner: the
// syscall-count test's fallback when no go command can build the runner.
const runAsMainEnv = "SECRETOPS_RUN_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func runArgs(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--threads", "1", "--ops", "10"},
		{"--bench", "nope", "--threads", "1", "--ops", "10"},
		{"--bench", "Sequential", "--threads", "1", "--ops", "10"},
		{"--bench", "sequential", "--ops", "10"},
		{"--bench", "sequential", "--threads", "0", "--ops", "10"},
		{"--bench", "parallel-shared", "--threads", "-1", "--ops", "10"},
		{"--bench", "sequential", "--threads", "1"},
		{"--bench", "sequential", "--threads", "1", "--ops", "0"},
		{"--bench", "sequential", "--threads", "1", "--ops", "-5"},
		{"--bench", "sequential", "--threads", "1", "--ops", "ten"},
		{"--bench", "sequential", "--threads", "x", "--ops", "10"},
		{"--bench", "floor", "--threads", "2", "--ops", "10"},
		{"--bench", "floor-raw", "--threads", "2", "--ops", "10"},
		{"--bench", "floor_raw", "--threads", "1", "--ops", "10"},
		{"--bench", "sequential", "--threads", "2", "--ops", "10"},
		{"--bench", "sequential", "--threads", "1", "--ops", "10", "extra"},
		{"--bench", "sequential", "--threads", "1", "--ops", "10", "--verbose"},
		{"-h"},
	} {
		code, stdout, stderr := runArgs(args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "usage: secretops") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2, no stdout, usage on stderr", args, code, stdout, stderr)
		}
	}
}

// result mirrors the JSON line; unknown fields are rejected when decoding.
type result struct {
	Lang            string  `json:"lang"`
	Bench           string  `json:"bench"`
	Threads         int     `json:"threads"`
	Ops             int64   `json:"ops"`
	WallNS          int64   `json:"wall_ns"`
	OpenTransitions *uint64 `json:"open_transitions"`
}

func parseLine(t *testing.T, stdout string) result {
	t.Helper()
	line, ok := strings.CutSuffix(stdout, "\n")
	if !ok || strings.Contains(line, "\n") {
		t.Fatalf("stdout is not exactly one line: %q", stdout)
	}
	var r result
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout %q: %v", line, err)
	}
	return r
}

func TestOutput(t *testing.T) {
	secretBytes, err := hex.DecodeString(workload.BenchSecretHex)
	if err != nil {
		t.Fatal(err)
	}
	for _, bench := range append(append([]string{}, workload.Names...), workload.Diagnostic...) {
		for _, threads := range []int{1, 3} {
			if workload.Serial(bench) && threads != 1 {
				continue
			}
			t.Run(fmt.Sprintf("%s/T=%d", bench, threads), func(t *testing.T) {
				const ops = 500
				code, stdout, stderr := runArgs("--bench", bench, "--threads", strconv.Itoa(threads), "--ops", strconv.Itoa(ops))
				if code != 0 || stderr != "" {
					t.Fatalf("exit %d, stderr %q", code, stderr)
				}
				r := parseLine(t, stdout)
				if r.Lang != "go" || r.Bench != bench || r.Threads != threads || r.Ops != ops || r.WallNS <= 0 {
					t.Errorf("got %+v", r)
				}
				if bench == workload.ParallelShared {
					if r.OpenTransitions == nil || *r.OpenTransitions < 1 || *r.OpenTransitions > ops {
						t.Errorf("open_transitions = %v, want 1..%d", r.OpenTransitions, ops)
					}
				} else if r.OpenTransitions != nil {
					t.Errorf("open_transitions present for %s", bench)
				}
				for _, leak := range []string{string(secretBytes), workload.BenchSecretHex, strings.ToUpper(workload.BenchSecretHex)} {
					if strings.Contains(stdout+stderr, leak) {
						t.Errorf("output contains the secret")
					}
				}
			})
		}
	}
}

// Test 8: N sequential verifies make exactly 2N mprotect calls, counted from
// outside with perf (or strace) at N and 2N ops so set-up calls cancel.
func TestMprotectCount(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the ops runner twelve times under a syscall counter")
	}
	count := syscallCounter(t)
	exe := runnerBinary(t)
	const n = 2000
	for _, c := range []struct {
		bench   string
		threads int
	}{
		{workload.Sequential, 1},
		{workload.Floor, 1},
		{workload.FloorRaw, 1},
		{workload.ParallelOwned, 2},
		{workload.ParallelLocked, 2},
		{workload.ParallelShared, 2},
	} {
		t.Run(fmt.Sprintf("%s/T=%d", c.bench, c.threads), func(t *testing.T) {
			var calls [2]uint64
			var opens [2]uint64
			for i, ops := range []int{n, 2 * n} {
				calls[i], opens[i] = count(t, exe, c.bench, c.threads, ops)
			}
			diff := int64(calls[1]) - int64(calls[0])
			t.Logf("mprotect: %d at %d ops, %d at %d ops: %.3f per op", calls[0], n, calls[1], 2*n, float64(diff)/n)
			if c.bench != workload.ParallelShared {
				if diff != 2*n {
					t.Errorf("count(2N) - count(N) = %d, want exactly 2N = %d", diff, 2*n)
				}
				return
			}
			// Shared: how much readers overlap differs from run to run, so
			// the difference of two runs means nothing. Within each run every
			// open/close cycle is two calls, there are at most as many cycles
			// as ops, and the set-up calls are the same in both runs.
			for i, ops := range []uint64{n, 2 * n} {
				if opens[i] < 1 || opens[i] > ops {
					t.Errorf("%d ops made %d open transitions, want 1..%d", ops, opens[i], ops)
				}
			}
			setup0, setup1 := int64(calls[0])-2*int64(opens[0]), int64(calls[1])-2*int64(opens[1])
			if setup0 != setup1 || setup0 < 0 {
				t.Errorf("calls - 2×open_transitions = %d at N and %d at 2N; want the same set-up count", setup0, setup1)
			}
		})
	}
}

// runnerBinary builds the ops runner as `go build` would for users, so the
// count is not disturbed by the race detector's own mprotect calls when the
// tests run under -race. Without a go command it falls back to this test
// binary acting as the runner, which is only exact without -race.
func runnerBinary(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil && os.Getenv("GOROOT") != "" {
		goCmd, err = filepath.Join(os.Getenv("GOROOT"), "bin", "go"), nil
	}
	if err == nil {
		exe := filepath.Join(t.TempDir(), "secretops")
		cmd := exec.Command(goCmd, "build", "-o", exe, ".")
		out, buildErr := cmd.CombinedOutput()
		if buildErr == nil {
			return exe
		}
		t.Logf("go build of the ops runner failed, using the test binary: %v\n%s", buildErr, out)
	}
	t.Log("no go command to build the ops runner: counting through this test binary acting as the runner")
	if raceEnabled {
		t.Skip("cannot build the ops runner and this test binary runs under -race, whose runtime makes mprotect calls of its own")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// A counter runs the ops runner and returns the number
// of mprotect calls it made and its open_transitions (0 if absent).
type counter func(t *testing.T, exe, bench string, threads, ops int) (calls, opens uint64)

// syscallCounter picks perf stat on the syscalls:sys_enter_mprotect
// tracepoint, else strace -f -c, else skips the test. SECRETOPS_COUNTER=strace
// forces the fallback.
func syscallCounter(t *testing.T) counter {
	dir := t.TempDir()
	probe := func(name string, args ...string) bool {
		path, err := exec.LookPath(name)
		if err != nil {
			return false
		}
		return exec.Command(path, args...).Run() == nil
	}
	var reasons []string
	if os.Getenv("SECRETOPS_COUNTER") != "strace" {
		if probe("perf", "stat", "-x,", "-o", filepath.Join(dir, "probe"), "-e", "syscalls:sys_enter_mprotect", "--", "true") {
			return func(t *testing.T, exe, bench string, threads, ops int) (uint64, uint64) {
				out := filepath.Join(dir, "perf.csv")
				opens := runCounted(t, exe, bench, threads, ops, "perf", "stat", "-x,", "-o", out, "-e", "syscalls:sys_enter_mprotect", "--")
				return parsePerf(t, out), opens
			}
		}
		reasons = append(reasons, "perf stat -e syscalls:sys_enter_mprotect does not work here")
	}
	if probe("strace", "-f", "-c", "-o", filepath.Join(dir, "probe"), "-e", "trace=mprotect", "true") {
		return func(t *testing.T, exe, bench string, threads, ops int) (uint64, uint64) {
			out := filepath.Join(dir, "strace.txt")
			opens := runCounted(t, exe, bench, threads, ops, "strace", "-f", "-c", "-o", out, "-e", "trace=mprotect", "--")
			return parseStrace(t, out), opens
		}
	}
	reasons = append(reasons, "strace -f -c does not work here")
	t.Skip("no syscall counter: " + strings.Join(reasons, "; "))
	return nil
}

// runCounted runs the ops runner under the counter command and returns its
// open_transitions.
func runCounted(t *testing.T, exe, bench string, threads, ops int, counterArgv ...string) uint64 {
	t.Helper()
	argv := append(slices.Clone(counterArgv), exe, "--bench", bench, "--threads", strconv.Itoa(threads), "--ops", strconv.Itoa(ops))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), runAsMainEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	r := parseLine(t, stdout.String())
	if r.Ops != int64(ops) {
		t.Fatalf("runner did %d ops, asked for %d", r.Ops, ops)
	}
	if r.OpenTransitions == nil {
		return 0
	}
	return *r.OpenTransitions
}

// parsePerf reads perf stat -x, output: "40004,,syscalls:sys_enter_mprotect,…".
func parsePerf(t *testing.T, path string) uint64 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(raw)) {
		fields := strings.Split(line, ",")
		if len(fields) >= 3 && fields[2] == "syscalls:sys_enter_mprotect" {
			n, err := strconv.ParseUint(fields[0], 10, 64)
			if err != nil {
				t.Fatalf("perf output %q: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("no mprotect count in perf output:\n%s", raw)
	return 0
}

// parseStrace reads the strace -c table row "  0.00 0.000000 0 4004 mprotect".
func parseStrace(t *testing.T, path string) uint64 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(raw)) {
		fields := strings.Fields(line)
		if len(fields) >= 5 && fields[len(fields)-1] == "mprotect" {
			n, err := strconv.ParseUint(fields[3], 10, 64)
			if err != nil {
				t.Fatalf("strace output %q: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("no mprotect row in strace output:\n%s", raw)
	return 0
}
