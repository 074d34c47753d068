// Package sha256bench is suite sha256 in Go: one op is the SHA-256 digest
// (crypto/sha256) of one buffer of size bytes, byte i = i mod 251.
//
// The benchmarks (bench_test.go) and the verify command (cmd/verify) both
// hash through Digest, so what is checked against vectors.json is the code
// path that is timed.
package sha256bench

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// PatternMod: byte i of the benchmark buffer is i % PatternMod.
const PatternMod = 251

// Sizes are the benchmark sizes in bytes.
var Sizes = []int{64, 4096, 1048576}

// Pattern returns n bytes, byte i = i % mod (1 <= mod <= 256).
func Pattern(mod, n int) []byte {
	if mod < 1 || mod > 256 {
		panic(fmt.Sprintf("pattern modulus %d not in 1..256", mod))
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % mod)
	}
	return b
}

// Buffer returns the benchmark buffer of n bytes.
func Buffer(n int) []byte { return Pattern(PatternMod, n) }

// Digest is one op: the full SHA-256 digest of data.
func Digest(data []byte) [sha256.Size]byte { return sha256.Sum256(data) }

// Vector is one named entry of vectors.json, its input expanded to bytes.
type Vector struct {
	Name   string
	Input  []byte
	SHA256 string // expected digest, 64 lower-case hex digits
}

type fileVector struct {
	Name   string                     `json:"name"`
	Input  map[string]json.RawMessage `json:"input"`
	SHA256 string                     `json:"sha256"`
}

// LoadVectors reads and checks a vectors file.
func LoadVectors(path string) ([]Vector, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	vs, err := ParseVectors(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return vs, nil
}

// ParseVectors parses the text of a vectors file. Input forms:
// {"text": S}, {"repeat": S, "count": N}, {"pattern_mod": M, "length": N}.
func ParseVectors(data []byte) ([]Vector, error) {
	var doc struct {
		Vectors *[]fileVector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a vectors file: %w", err)
	}
	if doc.Vectors == nil {
		return nil, fmt.Errorf(`no "vectors" array`)
	}
	seen := map[string]bool{}
	var out []Vector
	for i, fv := range *doc.Vectors {
		if fv.Name == "" || strings.ContainsAny(fv.Name, " \t\r\n") {
			return nil, fmt.Errorf("vector %d: name must be a non-empty string without spaces", i)
		}
		if seen[fv.Name] {
			return nil, fmt.Errorf("vector %q appears twice", fv.Name)
		}
		seen[fv.Name] = true
		if d, err := hex.DecodeString(fv.SHA256); err != nil || len(d) != sha256.Size || strings.ToLower(fv.SHA256) != fv.SHA256 {
			return nil, fmt.Errorf("vector %q: sha256 must be 64 lower-case hex digits", fv.Name)
		}
		in, err := expand(fv.Input)
		if err != nil {
			return nil, fmt.Errorf("vector %q: input %w", fv.Name, err)
		}
		out = append(out, Vector{Name: fv.Name, Input: in, SHA256: fv.SHA256})
	}
	return out, nil
}

func expand(in map[string]json.RawMessage) ([]byte, error) {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	str := func(k string) (string, error) {
		var s string
		if err := json.Unmarshal(in[k], &s); err != nil {
			return "", fmt.Errorf("%q must be a string", k)
		}
		return s, nil
	}
	count := func(k string) (int, error) {
		var n uint32
		if err := json.Unmarshal(in[k], &n); err != nil {
			return 0, fmt.Errorf("%q must be a non-negative integer below 2^32", k)
		}
		return int(n), nil
	}
	switch strings.Join(keys, ",") {
	case "text":
		s, err := str("text")
		return []byte(s), err
	case "count,repeat":
		s, err := str("repeat")
		if err != nil {
			return nil, err
		}
		n, err := count("count")
		if err != nil {
			return nil, err
		}
		return []byte(strings.Repeat(s, n)), nil
	case "length,pattern_mod":
		m, err := count("pattern_mod")
		if err != nil {
			return nil, err
		}
		if m < 1 || m > 256 {
			return nil, fmt.Errorf(`"pattern_mod" must be in 1..256`)
		}
		n, err := count("length")
		if err != nil {
			return nil, err
		}
		return Pattern(m, n), nil
	}
	return nil, fmt.Errorf("has keys %v; expected text, repeat+count or pattern_mod+length", keys)
}
