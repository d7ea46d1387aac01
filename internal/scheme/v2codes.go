package scheme

import "github.com/apktrust/apktrust/signer"

// schemeCodes are the per-signer issue codes of one of the v2/v3
// verifiers: apksig names the same problem V2_SIG_... or V3_SIG_... by
// scheme. Each is a constant of package signer; none is built at run time.
type schemeCodes struct {
	MalformedSigners, NoSigners, MalformedSigner, MalformedSignature, UnknownSigAlgorithm,
	NoSignatures, NoSupportedSignatures, MalformedPublicKey, VerifyException, DidNotVerify,
	MalformedCertificate, NoCertificates, PublicKeyMismatch, MalformedDigest, SigAlgMismatch,
	MalformedAdditionalAttribute, APKDigestDidNotVerify Code
}

// v2Codes are the v2 verifier's codes.
var v2Codes = &schemeCodes{
	MalformedSigners:             signer.CodeV2MalformedSigners,
	NoSigners:                    signer.CodeV2NoSigners,
	MalformedSigner:              signer.CodeV2MalformedSigner,
	MalformedSignature:           signer.CodeV2MalformedSignature,
	UnknownSigAlgorithm:          signer.CodeV2UnknownSigAlgorithm,
	NoSignatures:                 signer.CodeV2NoSignatures,
	NoSupportedSignatures:        signer.CodeV2NoSupportedSignatures,
	MalformedPublicKey:           signer.CodeV2MalformedPublicKey,
	VerifyException:              signer.CodeV2VerifyException,
	DidNotVerify:                 signer.CodeV2DidNotVerify,
	MalformedCertificate:         signer.CodeV2MalformedCertificate,
	NoCertificates:               signer.CodeV2NoCertificates,
	PublicKeyMismatch:            signer.CodeV2PublicKeyMismatch,
	MalformedDigest:              signer.CodeV2MalformedDigest,
	SigAlgMismatch:               signer.CodeV2SigAlgMismatch,
	MalformedAdditionalAttribute: signer.CodeV2MalformedAdditionalAttribute,
	APKDigestDidNotVerify:        signer.CodeV2APKDigestDidNotVerify,
}

// v3Codes are the v3 verifier's codes, also those of v3.1 (apksig
// verifies the v3.1 block with its v3 verifier).
var v3Codes = &schemeCodes{
	MalformedSigners:             signer.CodeV3MalformedSigners,
	NoSigners:                    signer.CodeV3NoSigners,
	MalformedSigner:              signer.CodeV3MalformedSigner,
	MalformedSignature:           signer.CodeV3MalformedSignature,
	UnknownSigAlgorithm:          signer.CodeV3UnknownSigAlgorithm,
	NoSignatures:                 signer.CodeV3NoSignatures,
	NoSupportedSignatures:        signer.CodeV3NoSupportedSignatures,
	MalformedPublicKey:           signer.CodeV3MalformedPublicKey,
	VerifyException:              signer.CodeV3VerifyException,
	DidNotVerify:                 signer.CodeV3DidNotVerify,
	MalformedCertificate:         signer.CodeV3MalformedCertificate,
	NoCertificates:               signer.CodeV3NoCertificates,
	PublicKeyMismatch:            signer.CodeV3PublicKeyMismatch,
	MalformedDigest:              signer.CodeV3MalformedDigest,
	SigAlgMismatch:               signer.CodeV3SigAlgMismatch,
	MalformedAdditionalAttribute: signer.CodeV3MalformedAdditionalAttribute,
	APKDigestDidNotVerify:        signer.CodeV3APKDigestDidNotVerify,
}
