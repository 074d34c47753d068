package sha256bench

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// fips are FIPS 180-2's published examples, written out here independently
// of vectors.json so a wrong file and a wrong hash cannot agree.
var fips = []struct{ input, digest string }{
	{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	{strings.Repeat("a", 1000000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
}

func hexDigest(b []byte) string {
	d := Digest(b)
	return hex.EncodeToString(d[:])
}

func TestFIPSExamples(t *testing.T) {
	for _, v := range fips {
		if got := hexDigest([]byte(v.input)); got != v.digest {
			t.Errorf("Digest(%.20q…) = %s, want %s", v.input, got, v.digest)
		}
	}
}

func TestSuiteVectors(t *testing.T) {
	vs, err := LoadVectors("../vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 7 {
		t.Fatalf("%d vectors, want 7", len(vs))
	}
	for _, v := range vs {
		if got := hexDigest(v.Input); got != v.SHA256 {
			t.Errorf("%s: digest %s, want %s", v.Name, got, v.SHA256)
		}
	}
	// The file's FIPS entries carry the published digests.
	for _, f := range fips {
		found := false
		for _, v := range vs {
			if bytes.Equal(v.Input, []byte(f.input)) {
				found = true
				if v.SHA256 != f.digest {
					t.Errorf("%s: file says %s, FIPS 180-2 says %s", v.Name, v.SHA256, f.digest)
				}
			}
		}
		if !found {
			t.Errorf("no vector for FIPS input %.20q…", f.input)
		}
	}
	// One vector per benchmark size, the very buffer the benchmarks hash.
	for _, size := range Sizes {
		name := fmt.Sprintf("buffer-%d", size)
		found := false
		for _, v := range vs {
			if v.Name == name {
				found = true
				if !bytes.Equal(v.Input, Buffer(size)) {
					t.Errorf("%s is not the benchmark buffer", name)
				}
			}
		}
		if !found {
			t.Errorf("no vector %s", name)
		}
	}
}

func TestBufferPattern(t *testing.T) {
	b := Buffer(600)
	if b[0] != 0 || b[250] != 250 || b[251] != 0 || b[252] != 1 || b[599] != 97 {
		t.Errorf("unexpected pattern: %v", b[248:254])
	}
}

func TestInputForms(t *testing.T) {
	h := strings.Repeat("0", 64)
	vs, err := ParseVectors([]byte(`{"vectors": [
		{"name": "t", "input": {"text": "hé"}, "sha256": "` + h + `"},
		{"name": "r", "input": {"repeat": "ab", "count": 3}, "sha256": "` + h + `"},
		{"name": "p", "input": {"pattern_mod": 3, "length": 5}, "sha256": "` + h + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{[]byte("hé"), []byte("ababab"), {0, 1, 2, 0, 1}}
	for i, v := range vs {
		if !bytes.Equal(v.Input, want[i]) {
			t.Errorf("%s: %v, want %v", v.Name, v.Input, want[i])
		}
	}
}

func TestMalformedVectors(t *testing.T) {
	h := strings.Repeat("0", 64)
	for _, bad := range []string{
		``, `{}`, `{"vectors": 1}`,
		`{"vectors": [{"name": "x", "input": {"text": "a"}, "sha256": "ABC"}]}`,
		`{"vectors": [{"name": "x", "input": {"text": 1}, "sha256": "` + h + `"}]}`,
		`{"vectors": [{"name": "x", "input": {"repeat": "a"}, "sha256": "` + h + `"}]}`,
		`{"vectors": [{"name": "x", "input": {"pattern_mod": 0, "length": 2}, "sha256": "` + h + `"}]}`,
		`{"vectors": [{"name": "x", "input": {"repeat": "a", "count": -1}, "sha256": "` + h + `"}]}`,
		`{"vectors": [{"name": "a b", "input": {"text": ""}, "sha256": "` + h + `"}]}`,
		`{"vectors": [{"name": "x", "input": {"text": ""}, "sha256": "` + h + `"},
		              {"name": "x", "input": {"text": ""}, "sha256": "` + h + `"}]}`,
	} {
		if _, err := ParseVectors([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
