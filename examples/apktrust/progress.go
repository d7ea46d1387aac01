package main

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// progress shows "files done / total, bytes" on stderr while a run of
// several inputs goes on, only when stderr is a terminal: never in a
// pipeline's output or a log.
type progress struct {
	mu          sync.Mutex
	w           io.Writer
	on          bool
	total, done int
	bytes, all  int64
	shown       bool
}

func newProgress(stderr io.Writer, files int, bytes int64) *progress {
	return &progress{w: stderr, on: files > 1 && isTerminal(stderr), total: files, all: bytes}
}

// isTerminal reports whether w is a character device such as a terminal:
// not a file, a pipe or /dev/null.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}

func (p *progress) add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.bytes += n
	p.drawLocked()
}

func (p *progress) drawLocked() {
	if !p.on {
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[K%d/%d files, %s of %s", p.done, p.total, mib(p.bytes), mib(p.all))
	p.shown = true
}

// clear removes the progress line before a result is printed.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

func (p *progress) redraw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done < p.total {
		p.drawLocked()
	}
}

// finish removes the progress line for good.
func (p *progress) finish() {
	p.clear()
	p.mu.Lock()
	p.on = false
	p.mu.Unlock()
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
