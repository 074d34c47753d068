package secret_test

// Readers for /proc/self/maps and /proc/self/smaps, used by the layout, leak
// and concurrency tests.

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// A vma is one line of /proc/self/maps: [start, end) and its permissions
// ("---p", "r--p", …).
type vma struct {
	start, end uintptr
	perms      string
}

func readMaps(t testing.TB) []vma {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vmas []vma
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := parseMapsHeader(sc.Text()); ok {
			vmas = append(vmas, v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vmas
}

// parseMapsHeader parses "7f1c2d3e4000-7f1c2d3e5000 ---p 00000000 00:00 0 …".
func parseMapsHeader(line string) (vma, bool) {
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return vma{}, false
	}
	lo, hi, ok := strings.Cut(fields[0], "-")
	if !ok {
		return vma{}, false
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	if err1 != nil || err2 != nil || len(fields[1]) != 4 {
		return vma{}, false
	}
	return vma{start: uintptr(start), end: uintptr(end), perms: fields[1]}, true
}

// vmaAt returns the mapping that contains addr.
func vmaAt(vmas []vma, addr uintptr) (vma, bool) {
	for _, v := range vmas {
		if v.start <= addr && addr < v.end {
			return v, true
		}
	}
	return vma{}, false
}

// vmFlags returns the VmFlags of the mapping that starts at start, from
// /proc/self/smaps.
func vmFlags(t testing.TB, start uintptr) []string {
	t.Helper()
	for _, m := range readSmaps(t) {
		if m.start == start {
			return m.flags
		}
	}
	t.Fatalf("no mapping starts at %#x in /proc/self/smaps", start)
	return nil
}

// A smapsEntry is a mapping with its VmFlags ("lo" mlocked, "dd" not
// dumped, …).
type smapsEntry struct {
	vma
	flags []string
}

// readSmaps reads every mapping and its VmFlags in one pass, so mappings and
// flags come from the same moment.
func readSmaps(t testing.TB) []smapsEntry {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries []smapsEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := parseMapsHeader(line); ok {
			entries = append(entries, smapsEntry{vma: v})
			continue
		}
		if rest, ok := strings.CutPrefix(line, "VmFlags:"); ok && len(entries) > 0 {
			entries[len(entries)-1].flags = strings.Fields(rest)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return entries
}

// leftover looks for what remains of a released Secret's data page at addr.
// Once a mapping is unmapped the kernel may hand its addresses to the next
// mmap (the Go runtime's or the race detector's), so "something is mapped
// there" is not a leak; a mapping there that is mlocked ("lo") or excluded
// from core dumps ("dd") is, since nothing else in a test process sets those
// flags.
func leftover(t testing.TB, addr uintptr) (smapsEntry, bool) {
	t.Helper()
	for _, m := range readSmaps(t) {
		if m.start <= addr && addr < m.end {
			if slices.Contains(m.flags, "lo") || slices.Contains(m.flags, "dd") {
				return m, true
			}
			t.Logf("%#x now belongs to another mapping: %#x-%#x %s %v", addr, m.start, m.end, m.perms, m.flags)
			return smapsEntry{}, false
		}
	}
	return smapsEntry{}, false
}

func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
