package apkverify

import "crypto/ecdsa"

// WithFrostingKeys returns opts verifying Play frosting with keys instead
// of the Play Store's, for tests that sign frosting themselves.
func WithFrostingKeys(opts Options, keys []*ecdsa.PublicKey) Options {
	opts.frostingKeys = keys
	return opts
}
