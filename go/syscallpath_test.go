package secret_test

// Benchmarks behind README.md's "Where Go's syscall pair goes". None is a
// kernel benchmark; they take the floor apart. Every op is a pair of system
// calls, so the ns/op compare with BenchmarkFloor directly.
//
//	go test -run '^$' -bench '^BenchmarkPath' -cpu 1,2
//
// BenchmarkPath{Mprotect,MprotectSame,Getppid}{Syscall,Raw}: the call made
// through syscall.Syscall (the runtime's entersyscall/exitsyscall around it,
// as golang.org/x/sys/unix does) or syscall.RawSyscall (no runtime code).
//   - Mprotect: the floor pair, PROT_NONE → PROT_READ → PROT_NONE on one
//     mlocked, touched page: the page table entry changes, the kernel
//     flushes the TLB.
//   - MprotectSame: the same page kept PROT_READ, mprotect(PROT_READ) twice:
//     the same syscall and locking, but nothing changes and nothing is flushed.
//   - Getppid: two getppid, a syscall that does next to nothing.
//
// BenchmarkPathAfter/{mprotect,mprotect-same,getppid}/{pages,lines}=K: one
// raw call of each kind followed by K dependent loads (each load's address
// comes from the previous load), on K different 4 KiB pages or on K cache
// lines of one page, twice per op. Compared with K=0 this prices a memory
// access made just after each kind of call: a load that misses the TLB
// costs a page walk, one that misses the cache a memory access.
//
// TestPathInterleaved (skipped unless BENCHNORM_PATH_ROUNDS is set) times
// the same ops in short blocks, all variants in a new random order every
// round, and prints per variant the median ns per pair over the rounds, its
// quartiles, and the median of the per-round difference from a reference
// variant. On a shared machine whose speed drifts by the second this is
// steadier than separate benchmarks, which each run for a while on their
// own:
//
//	BENCHNORM_PATH_ROUNDS=200 go test -run '^TestPathInterleaved$' -v -count=1
//
// BENCHNORM_PATH_BLOCK sets the pairs per block (2000), BENCHNORM_PATH_ONLY a
// regular expression the variant names (and their references) must match.
//
// BenchmarkPathMprotectThenGetppid/{syscall,raw}: the raw floor pair with a
// getppid after each mprotect, made through syscall.Syscall or
// syscall.RawSyscall: the runtime's bookkeeping priced right after a
// protection change rather than after a getppid.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

type sysFunc func(trap, a1, a2, a3 uintptr) (r1, r2 uintptr, err syscall.Errno)

var paths = []struct {
	name string
	call sysFunc
}{
	{"Syscall", syscall.Syscall},
	{"Raw", syscall.RawSyscall},
}

func check(b *testing.B, what string, e syscall.Errno) {
	if e != 0 {
		b.Fatalf("%s: %v", what, e)
	}
}

func benchMprotectPair(b *testing.B, call sysFunc, from, to int) {
	addr, n := pathPage(b, from)
	for b.Loop() {
		_, _, e := call(syscall.SYS_MPROTECT, addr, n, uintptr(to))
		check(b, "mprotect", e)
		_, _, e = call(syscall.SYS_MPROTECT, addr, n, uintptr(from))
		check(b, "mprotect", e)
	}
}

func benchGetppidPair(b *testing.B, call sysFunc) {
	for b.Loop() {
		_, _, e := call(syscall.SYS_GETPPID, 0, 0, 0)
		check(b, "getppid", e)
		_, _, e = call(syscall.SYS_GETPPID, 0, 0, 0)
		check(b, "getppid", e)
	}
}

func BenchmarkPathMprotectSyscall(b *testing.B) {
	benchMprotectPair(b, syscall.Syscall, syscall.PROT_NONE, syscall.PROT_READ)
}
func BenchmarkPathMprotectRaw(b *testing.B) {
	benchMprotectPair(b, syscall.RawSyscall, syscall.PROT_NONE, syscall.PROT_READ)
}
func BenchmarkPathMprotectSameSyscall(b *testing.B) {
	benchMprotectPair(b, syscall.Syscall, syscall.PROT_READ, syscall.PROT_READ)
}
func BenchmarkPathMprotectSameRaw(b *testing.B) {
	benchMprotectPair(b, syscall.RawSyscall, syscall.PROT_READ, syscall.PROT_READ)
}

// The Yield variants call runtime.Gosched every 256 pairs. That bumps the
// P's schedtick, so sysmon never finds the goroutine running for 10 ms
// (forcePreemptNS) and never tries to preempt it, which for a goroutine
// caught in a syscall means taking its P (retake in runtime/proc.go).
func BenchmarkPathMprotectSyscallYield(b *testing.B) {
	benchMprotectPairYield(b, syscall.Syscall)
}
func BenchmarkPathMprotectRawYield(b *testing.B) { benchMprotectPairYield(b, syscall.RawSyscall) }

func benchMprotectPairYield(b *testing.B, call sysFunc) {
	addr, n := pathPage(b, syscall.PROT_NONE)
	i := 0
	for b.Loop() {
		_, _, e := call(syscall.SYS_MPROTECT, addr, n, syscall.PROT_READ)
		check(b, "mprotect", e)
		_, _, e = call(syscall.SYS_MPROTECT, addr, n, syscall.PROT_NONE)
		check(b, "mprotect", e)
		if i++; i%256 == 0 {
			runtime.Gosched()
		}
	}
}

func BenchmarkPathGetppidSyscall(b *testing.B) { benchGetppidPair(b, syscall.Syscall) }
func BenchmarkPathGetppidRaw(b *testing.B)     { benchGetppidPair(b, syscall.RawSyscall) }

func BenchmarkPathMprotectThenGetppid(b *testing.B) {
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			addr, n := pathPage(b, syscall.PROT_NONE)
			for b.Loop() {
				_, _, e := syscall.RawSyscall(syscall.SYS_MPROTECT, addr, n, syscall.PROT_READ)
				check(b, "mprotect", e)
				_, _, e = p.call(syscall.SYS_GETPPID, 0, 0, 0)
				check(b, "getppid", e)
				_, _, e = syscall.RawSyscall(syscall.SYS_MPROTECT, addr, n, syscall.PROT_NONE)
				check(b, "mprotect", e)
				_, _, e = p.call(syscall.SYS_GETPPID, 0, 0, 0)
				check(b, "getppid", e)
			}
		})
	}
}

// chain maps pages 4 KiB pages (no transparent huge pages, so each is its
// own TLB entry), fills them and links K loads with the given stride: the
// byte at i·stride holds i+1. It returns the mapping.
func chain(b *testing.B, pages int) []byte {
	b.Helper()
	buf, err := unix.Mmap(-1, 0, pages*4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := unix.Munmap(buf); err != nil {
			b.Error(err)
		}
	})
	if err := unix.Madvise(buf, unix.MADV_NOHUGEPAGE); err != nil {
		b.Fatal(err)
	}
	for i := range buf {
		buf[i] = 0
	}
	return buf
}

var pathSink int

func BenchmarkPathAfter(b *testing.B) {
	const maxK = 32
	for _, kind := range []string{"mprotect", "mprotect-same", "getppid"} {
		for _, layout := range []struct {
			name   string
			stride int
		}{{"pages", 4096}, {"lines", 64}} {
			for _, k := range []int{0, 8, 32} {
				if k == 0 && layout.stride == 64 {
					continue // K=0 is the same for both layouts
				}
				b.Run(fmt.Sprintf("%s/%s=%d", kind, layout.name, k), func(b *testing.B) {
					buf := chain(b, maxK)
					for i := range k {
						buf[i*layout.stride] = byte(i + 1) // next index
					}
					from, to := syscall.PROT_NONE, syscall.PROT_READ
					if kind == "mprotect-same" {
						from = syscall.PROT_READ
					}
					addr, n := pathPage(b, from)
					trap, a1, a2 := uintptr(syscall.SYS_MPROTECT), addr, n
					if kind == "getppid" {
						trap, a1, a2 = syscall.SYS_GETPPID, 0, 0
					}
					j := 0
					for b.Loop() {
						_, _, e := syscall.RawSyscall(trap, a1, a2, uintptr(to))
						check(b, kind, e)
						j = 0
						for range k {
							j = int(buf[j*layout.stride])
						}
						_, _, e = syscall.RawSyscall(trap, a1, a2, uintptr(from))
						check(b, kind, e)
						for range k {
							j = int(buf[(j%k)*layout.stride]) // k > 0 here; j == k after the first chain
						}
					}
					pathSink = j
				})
			}
		}
	}
}

// pathOp is one pair of calls; setUp returns it with its state ready.
type pathVariant struct {
	name, ref string // ref: the variant the per-round difference is taken from
	setUp     func(tb testing.TB) func()
}

// pathPage maps, mlocks and touches one page and leaves it at prot, like the
// floor page; it is unmapped when the test or benchmark ends. The page sits
// between two unlocked PROT_NONE guard pages, so it is a mapping (VMA) of
// its own whatever its protection: two such pages mapped next to each other
// without guards would merge into one VMA, and every mprotect would then
// split and re-merge it, which costs far more than the floor's mprotect on a
// page that is alone.
func pathPage(tb testing.TB, prot int) (addr, n uintptr) {
	tb.Helper()
	pg := os.Getpagesize()
	m, err := unix.Mmap(-1, 0, 3*pg, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		tb.Fatal(err)
	}
	page := m[pg : 2*pg]
	tb.Cleanup(func() {
		if err := errors.Join(unix.Munlock(page), unix.Munmap(m)); err != nil {
			tb.Error(err)
		}
	})
	if err := unix.Mprotect(page, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		tb.Fatal(err)
	}
	if err := unix.Mlock(page); err != nil {
		tb.Fatalf("mlock (check RLIMIT_MEMLOCK): %v", err)
	}
	page[len(page)-1] = 1
	if err := unix.Mprotect(page, prot); err != nil {
		tb.Fatal(err)
	}
	return uintptr(unsafe.Pointer(&page[0])), uintptr(len(page))
}

func must(e syscall.Errno) {
	if e != 0 {
		panic(e)
	}
}

func pathVariants() []pathVariant {
	var vs []pathVariant
	pair := func(name, ref string, call sysFunc, trap uintptr, from, to int) {
		vs = append(vs, pathVariant{name, ref, func(tb testing.TB) func() {
			addr, n := uintptr(0), uintptr(0)
			if trap == syscall.SYS_MPROTECT {
				addr, n = pathPage(tb, from)
			}
			return func() {
				_, _, e := call(trap, addr, n, uintptr(to))
				must(e)
				_, _, e = call(trap, addr, n, uintptr(from))
				must(e)
			}
		}})
	}
	const mp, gp = syscall.SYS_MPROTECT, syscall.SYS_GETPPID
	pair("mprotect/raw", "", syscall.RawSyscall, mp, syscall.PROT_NONE, syscall.PROT_READ)
	pair("mprotect/syscall", "mprotect/raw", syscall.Syscall, mp, syscall.PROT_NONE, syscall.PROT_READ)
	pair("mprotect-same/raw", "", syscall.RawSyscall, mp, syscall.PROT_READ, syscall.PROT_READ)
	pair("mprotect-same/syscall", "mprotect-same/raw", syscall.Syscall, mp, syscall.PROT_READ, syscall.PROT_READ)
	pair("getppid/raw", "", syscall.RawSyscall, gp, 0, 0)
	pair("getppid/syscall", "getppid/raw", syscall.Syscall, gp, 0, 0)
	for _, p := range paths {
		ref := ""
		if p.name == "Syscall" {
			ref = "mprotect-then-getppid/raw"
		}
		call := p.call
		vs = append(vs, pathVariant{"mprotect-then-getppid/" + map[string]string{"Syscall": "syscall", "Raw": "raw"}[p.name], ref,
			func(tb testing.TB) func() {
				addr, n := pathPage(tb, syscall.PROT_NONE)
				return func() {
					_, _, e := syscall.RawSyscall(mp, addr, n, syscall.PROT_READ)
					must(e)
					_, _, e = call(gp, 0, 0, 0)
					must(e)
					_, _, e = syscall.RawSyscall(mp, addr, n, syscall.PROT_NONE)
					must(e)
					_, _, e = call(gp, 0, 0, 0)
					must(e)
				}
			}})
	}
	for _, kind := range []string{"mprotect", "mprotect-same", "getppid"} {
		for _, l := range []struct {
			name   string
			stride int
			k      int
		}{{"pages", 4096, 0}, {"pages", 4096, 8}, {"pages", 4096, 32}, {"lines", 64, 8}, {"lines", 64, 32}} {
			ref := ""
			if l.k > 0 {
				ref = "after-" + kind + "/pages=0"
			}
			vs = append(vs, pathVariant{fmt.Sprintf("after-%s/%s=%d", kind, l.name, l.k), ref, func(tb testing.TB) func() {
				buf, err := unix.Mmap(-1, 0, 32*4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
				if err != nil {
					tb.Fatal(err)
				}
				tb.Cleanup(func() { _ = unix.Munmap(buf) })
				if err := unix.Madvise(buf, unix.MADV_NOHUGEPAGE); err != nil {
					tb.Fatal(err)
				}
				clear(buf)
				for i := range l.k {
					buf[i*l.stride] = byte(i + 1)
				}
				from, to := syscall.PROT_NONE, syscall.PROT_READ
				if kind == "mprotect-same" {
					from = syscall.PROT_READ
				}
				trap, a1, a2 := uintptr(mp), uintptr(0), uintptr(0)
				if kind == "getppid" {
					trap = gp
				} else {
					a1, a2 = pathPage(tb, from)
				}
				k, stride := l.k, l.stride
				return func() {
					_, _, e := syscall.RawSyscall(trap, a1, a2, uintptr(to))
					must(e)
					j := 0
					for range k {
						j = int(buf[j*stride])
					}
					_, _, e = syscall.RawSyscall(trap, a1, a2, uintptr(from))
					must(e)
					j = 0
					for range k {
						j = int(buf[j*stride])
					}
					pathSink = j
				}
			}})
		}
	}
	return vs
}

func TestPathInterleaved(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("BENCHNORM_PATH_ROUNDS"))
	if rounds < 1 {
		t.Skip("a measurement, not a test: set BENCHNORM_PATH_ROUNDS (e.g. 200) to run it")
	}
	block := 2000 // pairs per timed block
	if n, _ := strconv.Atoi(os.Getenv("BENCHNORM_PATH_BLOCK")); n > 0 {
		block = n
	}
	vs := pathVariants()
	if only := os.Getenv("BENCHNORM_PATH_ONLY"); only != "" {
		re, err := regexp.Compile(only)
		if err != nil {
			t.Fatalf("BENCHNORM_PATH_ONLY: %v", err)
		}
		vs = slices.DeleteFunc(vs, func(v pathVariant) bool {
			return !re.MatchString(v.name) || v.ref != "" && !re.MatchString(v.ref)
		})
	}
	ops := make([]func(), len(vs))
	for i, v := range vs {
		ops[i] = v.setUp(t)
		for range block { // warm up
			ops[i]()
		}
	}
	idx := make(map[string]int)
	for i, v := range vs {
		idx[v.name] = i
	}
	ns := make([][]float64, len(vs)) // ns[variant][round], per pair
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	for range rounds {
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			op := ops[i]
			t0 := time.Now()
			for range block {
				op()
			}
			ns[i] = append(ns[i], float64(time.Since(t0).Nanoseconds())/float64(block))
		}
	}
	t.Logf("GOMAXPROCS=%d rounds=%d block=%d pairs; ns per pair: median [q1 q3]; diff = median over rounds of (variant - ref) [q1 q3]",
		runtime.GOMAXPROCS(0), rounds, block)
	for i, v := range vs {
		med, q1, q3 := quartiles(ns[i])
		line := fmt.Sprintf("%-28s %8.1f [%8.1f %8.1f]", v.name, med, q1, q3)
		if v.ref != "" {
			r := idx[v.ref]
			d := make([]float64, rounds)
			for k := range d {
				d[k] = ns[i][k] - ns[r][k]
			}
			dm, d1, d3 := quartiles(d)
			line += fmt.Sprintf("   diff vs %-22s %7.1f [%7.1f %7.1f]", v.ref, dm, d1, d3)
		}
		t.Log(line)
	}
}

func quartiles(v []float64) (med, q1, q3 float64) {
	s := slices.Clone(v)
	slices.Sort(s)
	at := func(q float64) float64 { // linear interpolation
		x := q * float64(len(s)-1)
		i := int(x)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (x-float64(i))*(s[i+1]-s[i])
	}
	return at(0.5), at(0.25), at(0.75)
}
