// Package workbudget holds the per-file budget of signature-verification
// work. It sits below signer (whose lineage parsing charges it) and
// internal/scheme (whose verifiers share one per file), and is not part of
// either's public API.
package workbudget

import (
	"context"
	"sync/atomic"
)

// Default is the signature-verification work allowed per file, in units
// of one 64-bit word multiplication of big-number arithmetic (about 1 ns
// each or less on current x86-64: the units are calibrated so that RSA,
// DSA and ECDSA verifications cost about the same time per unit). 250
// million units take a quarter of a second or less on one core: some
// 10,000 RSA-2048, 170 DSA-3072 or 50 P-521 verifications, where a real
// APK needs a few dozen at most.
const Default = 250_000_000

// Budget is the signature-verification work one file may cost. One budget
// is created per file and shared by every scheme's verifier, the lineages
// they parse and the source stamp, so that a file cannot multiply its cost
// by spreading it over schemes. It is safe for concurrent use.
type Budget struct {
	left atomic.Int64
}

// New returns a budget of units (Default when units is not positive).
func New(units int64) *Budget {
	if units <= 0 {
		units = Default
	}
	b := &Budget{}
	b.left.Store(units)
	return b
}

// Remaining returns the units not yet spent (negative once exceeded).
func (b *Budget) Remaining() int64 { return b.left.Load() }

// Take takes cost units and reports true, or takes nothing and reports
// false when fewer than cost remain. A nil budget is unlimited.
func (b *Budget) Take(cost int64) bool {
	if b == nil {
		return true
	}
	if b.left.Add(-cost) < 0 {
		b.left.Add(cost)
		return false
	}
	return true
}

type key struct{}

// With returns a context carrying b: the scheme verifiers charge their
// signature verifications to it.
func With(ctx context.Context, b *Budget) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, key{}, b)
}

// From returns the context's budget or a fresh default one, so that each
// call without one gets a Default budget of its own.
func From(ctx context.Context) *Budget {
	if ctx != nil {
		if b, ok := ctx.Value(key{}).(*Budget); ok && b != nil {
			return b
		}
	}
	return New(0)
}
