package apkverify

import (
	"encoding/hex"
	"time"
	"unicode/utf8"

	"github.com/apktrust/apktrust/signer"
)

// signerOf fills a Signer's certificate fields: the fingerprints other
// tools show, the validity dates (reported, not enforced: Android ignores
// them for APK signers) and the names, with their bytes in hex when they
// are not valid UTF-8 (JSON would replace those bytes).
func signerOf(c *signer.Certificate) Signer {
	s := Signer{
		CertSHA256: certHex(c), Subject: c.Subject, Issuer: c.Issuer,
		CertSHA1: hex.EncodeToString(c.SHA1[:]), CertMD5: hex.EncodeToString(c.MD5[:]),
		PublicKeySHA256: hex.EncodeToString(c.PublicKeySHA256[:]),
		NotBefore:       rfc3339(c.NotBefore), NotAfter: rfc3339(c.NotAfter),
		SubjectHex: rawIfInvalid(c.Subject), IssuerHex: rawIfInvalid(c.Issuer),
		KeyAlgorithm: c.PublicKeyAlgorithm, KeySize: c.KeySize,
		Certificate: c,
	}
	return s
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// rawIfInvalid returns s's bytes in hex when s is not valid UTF-8, else "".
func rawIfInvalid(s string) string {
	if utf8.ValidString(s) {
		return ""
	}
	return hex.EncodeToString([]byte(s))
}
