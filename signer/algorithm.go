package signer

import (
	"fmt"

	"github.com/apktrust/apktrust/internal/sigalg"
)

// Signature algorithm IDs of APK Signature Schemes v2 and newer, as
// written in signing blocks and lineages.
const (
	AlgRSAPSSSHA256         SignatureAlgorithmID = 0x0101
	AlgRSAPSSSHA512         SignatureAlgorithmID = 0x0102
	AlgRSAPKCS1SHA256       SignatureAlgorithmID = 0x0103
	AlgRSAPKCS1SHA512       SignatureAlgorithmID = 0x0104
	AlgECDSASHA256          SignatureAlgorithmID = 0x0201
	AlgECDSASHA512          SignatureAlgorithmID = 0x0202
	AlgDSASHA256            SignatureAlgorithmID = 0x0301
	AlgVerityRSAPKCS1SHA256 SignatureAlgorithmID = 0x0421
	AlgVerityECDSASHA256    SignatureAlgorithmID = 0x0423
	AlgVerityDSASHA256      SignatureAlgorithmID = 0x0425
)

// ContentDigestAlgorithm is a way of digesting an APK's contents that v2+
// signatures sign.
type ContentDigestAlgorithm int

// Content digest algorithms. apksig prefers, from least to most:
// DigestChunkedSHA256, DigestVerityChunkedSHA256, DigestChunkedSHA512.
const (
	// DigestChunkedSHA256 is SHA-256 over 1 MiB chunks.
	DigestChunkedSHA256 ContentDigestAlgorithm = 1
	// DigestChunkedSHA512 is SHA-512 over 1 MiB chunks.
	DigestChunkedSHA512 ContentDigestAlgorithm = 2
	// DigestVerityChunkedSHA256 is the fs-verity Merkle tree root over
	// 4 KiB blocks followed by the 8-byte content length.
	DigestVerityChunkedSHA256 ContentDigestAlgorithm = 3
)

// String returns apksig's name for the algorithm.
func (c ContentDigestAlgorithm) String() string {
	switch c {
	case DigestChunkedSHA256:
		return "CHUNKED_SHA256"
	case DigestChunkedSHA512:
		return "CHUNKED_SHA512"
	case DigestVerityChunkedSHA256:
		return "VERITY_CHUNKED_SHA256"
	}
	return fmt.Sprintf("ContentDigestAlgorithm(%d)", int(c))
}

// Known reports whether Android knows this signature algorithm.
func (id SignatureAlgorithmID) Known() bool {
	_, _, ok := sigalg.Info(sigalg.ID(id))
	return ok
}

// ContentDigest returns the content digest algorithm the signature
// algorithm signs, and false for unknown IDs.
func (id SignatureAlgorithmID) ContentDigest() (ContentDigestAlgorithm, bool) {
	_, d, ok := sigalg.Info(sigalg.ID(id))
	return ContentDigestAlgorithm(d), ok
}

// String returns apksig's name for the algorithm, or its hex ID.
func (id SignatureAlgorithmID) String() string { return sigalg.ID(id).String() }
