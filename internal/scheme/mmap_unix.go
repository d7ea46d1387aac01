//go:build linux || darwin || freebsd || netbsd || openbsd

package scheme

import (
	"os"
	"syscall"
)

// mapFile maps the first size bytes of f read-only. Reading a page of the
// mapping that the file no longer has (it was truncated meanwhile) raises
// SIGBUS: every goroutine that touches the mapping runs under faultGuard,
// which turns that into an error.
func mapFile(f *os.File, size int64) ([]byte, func(), bool) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, false
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, nil, false
	}
	var m []byte
	var merr error
	if err := rc.Control(func(fd uintptr) {
		m, merr = syscall.Mmap(int(fd), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	}); err != nil || merr != nil {
		return nil, nil, false
	}
	return m, func() { _ = syscall.Munmap(m) }, true
}

// releaseMapped drops b's pages from the process's page tables (they stay
// in the page cache; touching them again faults them back in), so a pass
// over a big file keeps only the pages it is working on resident.
func releaseMapped(b []byte) {
	if len(b) > 0 {
		_ = syscall.Madvise(b, syscall.MADV_DONTNEED)
	}
}
