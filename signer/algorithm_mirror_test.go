package signer

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/apktrust/apktrust/internal/sigalg"
)

// The public algorithm and content-digest constants are written out again
// in internal/sigalg (a public constant defined from an internal one would
// show the internal package in go doc). The verifiers use sigalg's, users
// compare against these: the two lists must say the same thing.
func TestAlgorithmConstantsMirrorSigalg(t *testing.T) {
	algs := []struct {
		public   SignatureAlgorithmID
		internal sigalg.ID
		digest   ContentDigestAlgorithm
	}{
		{AlgRSAPSSSHA256, sigalg.AlgRSAPSSSHA256, DigestChunkedSHA256},
		{AlgRSAPSSSHA512, sigalg.AlgRSAPSSSHA512, DigestChunkedSHA512},
		{AlgRSAPKCS1SHA256, sigalg.AlgRSAPKCS1SHA256, DigestChunkedSHA256},
		{AlgRSAPKCS1SHA512, sigalg.AlgRSAPKCS1SHA512, DigestChunkedSHA512},
		{AlgECDSASHA256, sigalg.AlgECDSASHA256, DigestChunkedSHA256},
		{AlgECDSASHA512, sigalg.AlgECDSASHA512, DigestChunkedSHA512},
		{AlgDSASHA256, sigalg.AlgDSASHA256, DigestChunkedSHA256},
		{AlgVerityRSAPKCS1SHA256, sigalg.AlgVerityRSAPKCS1SHA256, DigestVerityChunkedSHA256},
		{AlgVerityECDSASHA256, sigalg.AlgVerityECDSASHA256, DigestVerityChunkedSHA256},
		{AlgVerityDSASHA256, sigalg.AlgVerityDSASHA256, DigestVerityChunkedSHA256},
	}
	for _, a := range algs {
		assert.EqualValues(t, a.internal, a.public, "%s", a.public)
		assert.True(t, a.public.Known(), "%s", a.public)
		d, ok := a.public.ContentDigest()
		assert.True(t, ok)
		assert.Equal(t, a.digest, d, "%s", a.public)
	}
	for _, d := range []struct {
		public   ContentDigestAlgorithm
		internal sigalg.Digest
	}{
		{DigestChunkedSHA256, sigalg.DigestChunkedSHA256},
		{DigestChunkedSHA512, sigalg.DigestChunkedSHA512},
		{DigestVerityChunkedSHA256, sigalg.DigestVerityChunkedSHA256},
	} {
		assert.EqualValues(t, d.internal, d.public, "%s", d.public)
	}
}
