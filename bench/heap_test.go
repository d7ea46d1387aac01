package bench

import (
	"runtime/metrics"
	"sync"
	"time"
)

// heapSampler records the largest heap footprint seen while it runs. The
// runtime keeps no high-water mark of the heap, and TotalAlloc counts
// garbage that was long collected, so we sample: runtime/metrics reads do
// not stop the world, so a 1 ms sampling period costs well under 1% of one
// core and cannot distort the timing.
type heapSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

// heapMetric is the bytes of heap memory occupied by objects, live or not
// yet swept: what the heap really holds, the part of RSS the verifier
// controls.
const heapMetric = "/memory/classes/heap/objects:bytes"

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: heapMetric}}
	read := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			h.peak = max(h.peak, sample[0].Value.Uint64())
		}
	}
	read()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return h
}

// Stop ends sampling and returns the peak heap in bytes.
func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	h.wg.Wait()
	return h.peak
}
