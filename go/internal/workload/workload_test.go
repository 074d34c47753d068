package workload

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// all is every name Setup accepts: the canonical benchmarks and the diagnostics.
var all = append(append([]string{}, Names...), Diagnostic...)

func TestSetup(t *testing.T) {
	for _, name := range all {
		workers := 3
		if Serial(name) {
			workers = 1
		}
		r, err := Setup(name, workers)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range workers {
			for range 3 {
				if err := r.Op(i)(); err != nil {
					t.Errorf("%s worker %d: %v", name, i, err)
				}
			}
		}
		k, shared := r.OpenTransitions()
		if want := name == ParallelLocked || name == ParallelShared; shared != want {
			t.Errorf("%s: OpenTransitions reports shared = %v", name, shared)
		} else if shared && k != uint64(3*workers) {
			t.Errorf("%s: %d sequential ops made %d open transitions, want %d", name, 3*workers, k, 3*workers)
		}
		if err := r.Close(); err != nil {
			t.Errorf("%s: Close: %v", name, err)
		}
	}
}

func TestSetupRejects(t *testing.T) {
	if _, err := Setup("fastest", 1); !errors.Is(err, ErrUnknown) {
		t.Errorf("Setup(unknown) = %v, want ErrUnknown", err)
	}
	if _, err := Setup(Sequential, 0); err == nil {
		t.Error("Setup with 0 workers succeeded")
	}
}

func TestOpsDoNotAllocate(t *testing.T) {
	for _, name := range all {
		r, err := Setup(name, 1)
		if err != nil {
			t.Fatal(err)
		}
		op := r.Op(0)
		if allocs := testing.AllocsPerRun(200, func() {
			if err := op(); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("%s: %v allocations per op, want 0", name, allocs)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// The raw floor op leaves the page as the floor op does: PROT_NONE at rest
// (---p in /proc/self/maps).
func TestFloorRawLeavesPageProtNone(t *testing.T) {
	p, err := NewFloorPage()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	}()
	for range 3 {
		if err := p.OpRaw(); err != nil {
			t.Fatal(err)
		}
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	addr := uint64(uintptr(unsafe.Pointer(&p.page[0])))
	for line := range strings.Lines(string(maps)) {
		var lo, hi uint64
		var perms string
		if _, err := fmt.Sscanf(line, "%x-%x %s", &lo, &hi, &perms); err != nil || addr < lo || addr >= hi {
			continue
		}
		if perms != "---p" {
			t.Errorf("floor page is %s after OpRaw, want ---p", perms)
		}
		return
	}
	t.Errorf("floor page %#x not found in /proc/self/maps", addr)
}
