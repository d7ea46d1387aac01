package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/apktrust/apktrust/apkverify"
)

// outcome is what became of one input.
type outcome struct {
	in  input
	res *apkverify.Result
	// set is the outcome of an install set (--set, or a bundle).
	set *apkverify.SetResult
	// err is set when verification could not run (a *signer.Error).
	err error
}

// class is how an outcome counts for the exit status.
type class int

const (
	classPassed class = iota
	classRejected
	classUnreadable
	classUsage // the options, not the input, are wrong
	classInterrupted
)

func (o *outcome) class() class {
	switch {
	case o.in.readErr != nil:
		return classUnreadable
	case o.err != nil:
		switch {
		case errors.Is(o.err, apkverify.ErrInvalidOptions):
			return classUsage
		case errors.Is(o.err, context.Canceled), errors.Is(o.err, context.DeadlineExceeded):
			return classInterrupted
		case errors.Is(o.err, apkverify.ErrIO):
			return classUnreadable
		}
		// Not an APK Android would parse, hostile or malformed: the
		// file was read and refused.
		return classRejected
	case o.set != nil:
		if o.set.Err() != nil {
			return classRejected
		}
	case o.res.Err() != nil:
		return classRejected
	}
	return classPassed
}

// exitInterrupted is the conventional status of a run stopped by SIGINT.
const exitInterrupted = 130

// verifyAll verifies the inputs with c.jobs workers and prints each
// outcome in input order as soon as it and all before it are done.
func (c *config) verifyAll(ctx context.Context, inputs []input) int {
	ctx, cancel := context.WithCancel(ctx)
	outs := make([]outcome, len(inputs))
	done := make([]chan struct{}, len(inputs))
	var total int64
	for i := range done {
		done[i] = make(chan struct{})
		total += inputs[i].size
	}
	prog := newProgress(c.stderr, len(inputs), total)
	jobs := make(chan int, len(inputs))
	for i := range inputs {
		jobs <- i
	}
	close(jobs)
	var wg sync.WaitGroup
	for range min(c.jobs, len(inputs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				outs[i] = c.verifyOne(ctx, inputs[i])
				prog.add(inputs[i].size)
				close(done[i])
			}
		}()
	}
	// Stop the workers still running (after a usage error or an
	// interrupt) and wait for them before the inputs' copies go.
	defer func() { cancel(); wg.Wait() }()

	rejected, unreadable := false, false
	for i := range inputs {
		<-done[i]
		o := &outs[i]
		switch o.class() {
		case classUsage:
			prog.finish()
			fmt.Fprintf(c.stderr, "%s: %v\n", progName, o.err)
			return exitUsage
		case classInterrupted:
			prog.finish()
			fmt.Fprintf(c.stderr, "%s: interrupted\n", progName)
			return exitInterrupted
		case classRejected:
			rejected = true
		case classUnreadable:
			unreadable = true
		}
		prog.clear()
		c.print(i, o)
		prog.redraw()
	}
	prog.finish()
	switch {
	case rejected:
		return exitRejected
	case unreadable:
		return exitUsage
	}
	return exitOK
}

func (c *config) verifyOne(ctx context.Context, in input) outcome {
	if in.readErr != nil {
		return outcome{in: in}
	}
	res, err := apkverify.VerifyFile(ctx, in.path, c.opts)
	if errors.Is(err, apkverify.ErrBundle) {
		return c.verifyBundle(ctx, in)
	}
	if res != nil {
		res.File = in.name
	}
	return outcome{in: in, res: res, err: err}
}

func (c *config) print(i int, o *outcome) {
	if o.set != nil {
		c.printSet(i, o)
		return
	}
	if c.json {
		c.printJSON(o)
		return
	}
	c.printHuman(i, o)
}
