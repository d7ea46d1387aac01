// Package testhooks lets the module's own tests reach settings that must
// not be public API: an exported Options field only tests need would be a
// switch any caller could flip (a frosting key of their own makes any
// frosting verify).
package testhooks

import "crypto/ecdsa"

// SetFrostingKeys, installed by package apkverify, makes the
// *apkverify.Options opts verify Play frosting with keys (indexed by key
// index) instead of the Play Store's keys.
var SetFrostingKeys func(opts any, keys []*ecdsa.PublicKey)
