// Command verify prints "NAME HEXDIGEST" for every vector of a vectors file,
// hashed with sha256bench.Digest (the benchmarks' op). Comparing with the
// expected digests is left to the caller. Exit 2 on bad usage or an
// unreadable / malformed file.
//
//	go build -o BUILD/sha256verify ./cmd/verify && BUILD/sha256verify ../vectors.json
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"

	"benchnorm/sha256bench"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: sha256verify VECTORS.json (exactly one argument, got %d)\n", len(os.Args)-1)
		os.Exit(2)
	}
	vs, err := sha256bench.LoadVectors(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "sha256verify: %v\n", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for _, v := range vs {
		d := sha256bench.Digest(v.Input)
		fmt.Fprintf(out, "%s %s\n", v.Name, hex.EncodeToString(d[:]))
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "sha256verify: writing: %v\n", err)
		os.Exit(1)
	}
}
