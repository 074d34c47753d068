package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// vectorsPath is spec/vectors.json, relative to this package's directory,
// where `go test` runs.
const vectorsPath = "../../../spec/vectors.json"

type fileVector struct {
	Name         string `json:"name"`
	SecretHex    string `json:"secret_hex"`
	CandidateHex string `json:"candidate_hex"`
	Expected     bool   `json:"expected"`
}

func loadVectors(t *testing.T) (string, []fileVector) {
	t.Helper()
	path, err := filepath.Abs(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the test vectors: %v", err)
	}
	var f struct {
		Verify []fileVector `json:"verify"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Verify) == 0 {
		t.Fatalf("%s: no verify vectors", path)
	}
	return path, f.Verify
}

var (
	buildOnce sync.Once
	builtExe  string
	buildErr  error
)

// program builds secretverify with `go build`, as the suite does, once per
// test binary.
func program(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil && os.Getenv("GOROOT") != "" {
			goCmd, err = filepath.Join(os.Getenv("GOROOT"), "bin", "go"), nil
		}
		if err != nil {
			buildErr = fmt.Errorf("no go command to build secretverify: %w", err)
			return
		}
		dir, err := os.MkdirTemp("", "secretverify-test-")
		if err != nil {
			buildErr = err
			return
		}
		builtExe = filepath.Join(dir, "secretverify")
		if out, err := exec.Command(goCmd, "build", "-o", builtExe, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtExe
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtExe != "" {
		os.RemoveAll(filepath.Dir(builtExe))
	}
	os.Exit(code)
}

// execute runs argv in dir and returns the exit status and the output.
func execute(t *testing.T, dir string, argv ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.Exited():
		code = exit.ExitCode()
	default:
		t.Fatalf("running %q: %v", argv, err)
	}
	return code, out.String(), errOut.String()
}

// noSecrets fails when any line of the output holds a vector's secret_hex
// (either case) or, for secrets long enough to be told from chance, its raw
// bytes. A hex shorter than 8 digits (the one-byte secret "00") would turn
// up inside any number, so it must only not stand as a word of its own.
func noSecrets(t *testing.T, vectors []fileVector, outputs ...string) {
	t.Helper()
	notAlnum := func(r rune) bool {
		return !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	}
	for _, out := range outputs {
		for _, line := range strings.Split(out, "\n") {
			lower := strings.ToLower(line)
			words := strings.FieldsFunc(lower, notAlnum)
			for _, v := range vectors {
				h := strings.ToLower(v.SecretHex)
				leaked := strings.Contains(lower, h)
				if len(h) < 8 {
					leaked = slices.Contains(words, h)
				}
				if raw, err := hex.DecodeString(v.SecretHex); err == nil && len(raw) >= 8 && strings.Contains(line, string(raw)) {
					leaked = true
				}
				if leaked {
					t.Errorf("an output line holds the secret of vector %s", v.Name)
				}
			}
		}
	}
}

// oneLineOfStderr fails unless stderr is exactly one non-empty line.
func oneLineOfStderr(t *testing.T, stderr string) {
	t.Helper()
	line, ok := strings.CutSuffix(stderr, "\n")
	if !ok || line == "" || strings.Contains(line, "\n") {
		t.Errorf("stderr is not exactly one line: %q", stderr)
	}
}

func TestAnswersEveryVector(t *testing.T) {
	path, vectors := loadVectors(t)
	code, stdout, stderr := execute(t, ".", program(t), path)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want exit 0 and nothing on stderr", code, stderr)
	}
	var want strings.Builder
	for _, v := range vectors {
		fmt.Fprintf(&want, "%s %t\n", v.Name, v.Expected)
	}
	if stdout != want.String() {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want.String())
	}
	noSecrets(t, vectors, stdout, stderr)
}

func TestMissingFile(t *testing.T) {
	_, vectors := loadVectors(t)
	// A relative name in an empty folder: the message holds no path that
	// could happen to contain a short secret's hex.
	code, stdout, stderr := execute(t, t.TempDir(), program(t), "missing.json")
	if code != 2 || stdout != "" {
		t.Errorf("exit %d, stdout %q; want exit 2 and no stdout", code, stdout)
	}
	oneLineOfStderr(t, stderr)
	if !strings.Contains(stderr, "missing.json") {
		t.Errorf("stderr %q does not name the file", stderr)
	}
	noSecrets(t, vectors, stdout, stderr)
}

func TestUsageErrors(t *testing.T) {
	path, vectors := loadVectors(t)
	for _, args := range [][]string{{}, {path, path}, {"-h"}, {"--help"}} {
		code, stdout, stderr := execute(t, ".", append([]string{program(t)}, args...)...)
		if code != 2 || stdout != "" || stderr != usageLine+"\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and the usage line", args, code, stdout, stderr)
		}
		noSecrets(t, vectors, stdout, stderr)
	}
}

// Malformed files are refused with exit 2 before any Secret is built, and
// the message never quotes the secret, even when it is the bad value.
func TestMalformedFiles(t *testing.T) {
	_, vectors := loadVectors(t)
	const sec = "c0ffee00c0ffee00c0ffee00c0ffee00"
	good := fmt.Sprintf(`{"name": "ok", "secret_hex": %q, "candidate_hex": "00"}`, sec)
	leaky := append(vectors, fileVector{Name: "fixture", SecretHex: sec}, fileVector{Name: "bad-hex", SecretHex: sec + "zz"})
	for name, text := range map[string]string{
		"not-json":         `{"verify": [` + good,
		"not-an-object":    `[` + good + `]`,
		"no-verify":        `{"vectors": [` + good + `]}`,
		"verify-not-list":  `{"verify": {"name": "x"}}`,
		"empty-list":       `{"verify": []}`,
		"item-not-object":  `{"verify": [` + good + `, 3]}`,
		"name-missing":     fmt.Sprintf(`{"verify": [{"secret_hex": %q, "candidate_hex": "00"}]}`, sec),
		"name-with-space":  fmt.Sprintf(`{"verify": [{"name": "a b", "secret_hex": %q, "candidate_hex": "00"}]}`, sec),
		"secret-null":      `{"verify": [{"name": "n", "secret_hex": null, "candidate_hex": "00"}]}`,
		"secret-number":    `{"verify": [{"name": "n", "secret_hex": 12, "candidate_hex": "00"}]}`,
		"secret-bad-hex":   fmt.Sprintf(`{"verify": [{"name": "n", "secret_hex": %q, "candidate_hex": "00"}]}`, sec+"zz"),
		"secret-odd-hex":   fmt.Sprintf(`{"verify": [{"name": "n", "secret_hex": %q, "candidate_hex": "00"}]}`, sec+"0"),
		"candidate-absent": fmt.Sprintf(`{"verify": [{"name": "n", "secret_hex": %q}]}`, sec),
		"bad-escape":       fmt.Sprintf(`{"verify": [{"name": "n", "secret_hex": "%s\q", "candidate_hex": "00"}]}`, sec),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "v.json"), []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := execute(t, dir, program(t), "v.json")
			if code != 2 || stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit 2 and no stdout", code, stdout)
			}
			oneLineOfStderr(t, stderr)
			noSecrets(t, leaky, stdout, stderr)
		})
	}
}

// With RLIMIT_MEMLOCK = 0 (and, as root, without CAP_IPC_LOCK) the kernel
// cannot lock the data page: exit 1, one line naming the limit, no answers.
func TestKernelFailure(t *testing.T) {
	path, vectors := loadVectors(t)
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) is not installed: cannot run the program under RLIMIT_MEMLOCK = 0")
	}
	argv := []string{prlimit, "--memlock=0:0"}
	if os.Geteuid() == 0 {
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("running as root and setpriv (util-linux) is not installed: cannot drop CAP_IPC_LOCK")
		}
		argv = append(argv, setpriv, "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock")
	}
	argv = append(argv, "--", program(t), path)
	code, stdout, stderr := execute(t, ".", argv...)
	if code != 1 || stdout != "" {
		t.Errorf("exit %d, stdout %q; want exit 1 and no stdout", code, stdout)
	}
	oneLineOfStderr(t, stderr)
	if !strings.Contains(stderr, "mlock") || !strings.Contains(stderr, "RLIMIT_MEMLOCK") {
		t.Errorf("stderr %q does not say that mlock failed under RLIMIT_MEMLOCK", stderr)
	}
	noSecrets(t, vectors, stdout, stderr)
}
