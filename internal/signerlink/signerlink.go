// Package signerlink hands internal/scheme the certificate, lineage and
// signature-verification core that signer keeps unexported. That core sits
// under signer.ParseCertificate and signer.ParseLineage, so it must live in
// signer (below the scheme verifiers), yet it is not part of signer's
// public API. signer stores a value here at init; internal/scheme asserts
// the methods it needs, so a signature mismatch fails at start-up (and in
// every test), never silently.
package signerlink

// Core is set by signer's init to a value whose methods internal/scheme
// calls. It is nil only before signer is initialised.
var Core any
