package apkverify

import (
	"crypto/ecdsa"

	"github.com/apktrust/apktrust/internal/testhooks"
)

// Tests elsewhere in the module (bench) sign frosting with keys of their
// own; the setting is reached through internal/testhooks, never through
// the public Options.
func init() {
	testhooks.SetFrostingKeys = func(opts any, keys []*ecdsa.PublicKey) {
		opts.(*Options).frostingKeys = keys
	}
}
