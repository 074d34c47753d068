// Command secretverify answers the test vectors of the guarded-secret suite
// with the Go kernel, the same secret.Secret the benchmarks measure.
//
// Usage:
//
//	secretverify VECTORS
//
// VECTORS is a JSON file such as spec/vectors.json. For every object of its
// "verify" list ({name, secret_hex, candidate_hex, ...}) secretverify builds
// a Secret from secret_hex with secret.New, calls Verify(candidate) once and
// destroys the Secret, then prints one line per vector, in the file's order:
//
//	equal-32 true
//	first-byte-differs false
//
// The "expected" field is not read: answering is the kernel's job, comparing
// is the caller's. Nothing else goes to stdout, and no message ever holds
// secret bytes or their hex; a malformed vector is named by its position and
// name only.
//
// Exit status: 0 when every vector was answered (whatever the answers); 2
// with one line on stderr for a usage error or a file that cannot be read or
// is not a well-formed vectors file; 1 with one line on stderr when the
// kernel fails (for example mlock refused under RLIMIT_MEMLOCK). The file is
// checked completely before the first Secret is built, and the answers are
// written only once all of them are known, so a failed run prints nothing on
// stdout.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"benchnorm/secret"
)

const usageLine = "usage: secretverify VECTORS"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// vector is one decoded entry of the "verify" list.
type vector struct {
	name      string
	secret    []byte
	candidate []byte
}

// run is main with its inputs and outputs passed in; it returns the exit
// status.
func run(args []string, stdout, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "secretverify: "+format+"\n", a...)
		return code
	}
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, usageLine)
		return 2
	}
	path := args[0]
	raw, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said once, below
		}
		return fail(2, "cannot read %s: %v", path, err)
	}
	vectors, err := parse(raw)
	if err != nil {
		return fail(2, "%s: %v", path, err)
	}

	var out bytes.Buffer
	for _, v := range vectors {
		equal, err := answer(v)
		if err != nil {
			return fail(1, "vector %s: %v", v.name, oneLine(err))
		}
		fmt.Fprintf(&out, "%s %t\n", v.name, equal)
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return fail(1, "writing the answers: %v", err)
	}
	return 0
}

// answer builds a Secret from v.secret, verifies v.candidate once and
// destroys the Secret. The decoded secret is cleared once the Secret holds
// its own copy.
func answer(v vector) (bool, error) {
	s, err := secret.New(v.secret)
	clear(v.secret)
	if err != nil {
		return false, err
	}
	equal, verr := s.Verify(v.candidate)
	if derr := s.Destroy(); derr != nil {
		return false, errors.Join(verr, derr)
	}
	return equal, verr
}

// oneLine keeps a joined error on one line.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// parse checks the whole file and decodes its "verify" list. Its errors say
// where the problem is, never what the values are: the JSON decoder's own
// messages can quote a character of a string, so they are not passed on.
func parse(raw []byte) ([]vector, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("not valid JSON (error at byte %d)", se.Offset)
		}
		return nil, errors.New("not a JSON object")
	}
	list, ok := top["verify"]
	if !ok {
		return nil, errors.New(`no "verify" list`)
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(list, &items); err != nil || items == nil {
		return nil, errors.New(`"verify" is not a list of objects`)
	}
	if len(items) == 0 {
		return nil, errors.New(`the "verify" list is empty`)
	}
	vectors := make([]vector, 0, len(items))
	for i, item := range items {
		name, ok := jsonString(item["name"])
		if !ok || !validName(name) {
			return nil, fmt.Errorf("verify[%d]: name is missing or not a non-empty string without spaces or control characters", i)
		}
		v := vector{name: name}
		for _, f := range []struct {
			key string
			dst *[]byte
		}{{"secret_hex", &v.secret}, {"candidate_hex", &v.candidate}} {
			text, ok := jsonString(item[f.key])
			if !ok {
				return nil, fmt.Errorf("verify[%d] (%s): %s is missing or not a string", i, name, f.key)
			}
			b, err := hex.DecodeString(text)
			if err != nil {
				return nil, fmt.Errorf("verify[%d] (%s): %s is not an even number of hex digits", i, name, f.key)
			}
			*f.dst = b
		}
		vectors = append(vectors, v)
	}
	return vectors, nil
}

// jsonString decodes raw when it is a JSON string (not null, not absent).
func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// validName reports whether name can stand as the first word of an answer
// line: not empty, no space and no control character.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}
