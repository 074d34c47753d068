package secret_test

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"

	"benchnorm/secret"
)

// Test 7: 2×CPUs goroutines hammer one shared Secret with Verify while CPUs
// more create, verify and destroy Secrets of their own. Every result must be
// right, nothing may crash, and at the end the shared data page is ---p
// again. Meant to run under -race.
func TestConcurrentStress(t *testing.T) {
	hammers, churners := 2*runtime.NumCPU(), runtime.NumCPU()
	verifies, lifetimes := 10000, 300
	if testing.Short() {
		verifies, lifetimes = 300, 20
	}

	shared := mustNew(t, testSecret)
	wrong := []byte("correct horse battery staple 124")

	var wg sync.WaitGroup
	for g := range hammers {
		wg.Go(func() {
			for i := range verifies {
				candidate, want := testSecret, true
				if (g+i)%3 == 0 {
					candidate, want = wrong, false
				}
				got, err := shared.Verify(candidate)
				if err != nil || got != want {
					t.Errorf("hammer %d, verify %d: Verify = %v, %v; want %v, nil", g, i, got, err, want)
					return
				}
			}
		})
	}
	for g := range churners {
		wg.Go(func() {
			for i := range lifetimes {
				own := fmt.Appendf(nil, "churner %d lifetime %d", g, i)
				s, err := secret.New(own)
				if err != nil {
					t.Errorf("churner %d: New: %v", g, err)
					return
				}
				ok1, err1 := s.Verify(own)
				ok2, err2 := s.Verify(testSecret)
				err3 := s.Destroy()
				if !ok1 || ok2 || err1 != nil || err2 != nil || err3 != nil {
					t.Errorf("churner %d, lifetime %d: Verify(own) = %v, %v; Verify(other) = %v, %v; Destroy = %v",
						g, i, ok1, err1, ok2, err2, err3)
					return
				}
			}
		})
	}
	wg.Wait()

	if n := shared.Readers(); n != 0 {
		t.Errorf("%d readers left open", n)
	}
	total := uint64(hammers * verifies)
	if k := shared.OpenTransitions(); k < 1 || k > total {
		t.Errorf("OpenTransitions = %d, want 1..%d", k, total)
	} else {
		t.Logf("%d verifies by %d goroutines made %d open/close cycles", total, hammers, k)
	}
	page := addrOf(shared.Page())
	v, ok := vmaAt(readMaps(t), page)
	if !ok || v.perms != "---p" || v.start != page || v.end != page+uintptr(os.Getpagesize()) {
		t.Errorf("shared data page after the storm: %#x-%#x %q, want its own ---p mapping", v.start, v.end, v.perms)
	}
	mustDestroy(t, shared)
}
