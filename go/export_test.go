package secret

// Test-only access to a Secret's insides, for the tests in package
// secret_test. None of this exists outside `go test`.

import "golang.org/x/sys/unix"

// Mapping returns the three pages, as mmap returned them.
func (s *Secret) Mapping() []byte { return s.mapping }

// Page returns the data page.
func (s *Secret) Page() []byte { return s.page }

// Bytes returns the secret in place. Touching it outside Open/Close faults.
func (s *Secret) Bytes() []byte { return s.secret }

// Open and Close are the two halves of Verify around the compare.
func (s *Secret) Open() error  { return s.open() }
func (s *Secret) Close() error { return s.close() }

// Readers returns the number of open readers.
func (s *Secret) Readers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readers
}

// CorruptCanary flips one bit of the canary, as a buffer underflow would.
func (s *Secret) CorruptCanary() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := unix.Mprotect(s.page, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return err
	}
	s.page[len(s.page)-len(s.secret)-1] ^= 0x01
	return unix.Mprotect(s.page, unix.PROT_NONE)
}

// SetHookMapped installs f to see every new mapping right after mmap and
// returns a function that removes it.
func SetHookMapped(f func(mapping []byte)) (restore func()) {
	testHookMapped = f
	return func() { testHookMapped = nil }
}

// SetHookBeforeUnmap installs f to see the data page after Destroy zeroed
// it and before munlock/munmap, and returns a function that removes it.
func SetHookBeforeUnmap(f func(page []byte)) (restore func()) {
	testHookBeforeUnmap = f
	return func() { testHookBeforeUnmap = nil }
}
