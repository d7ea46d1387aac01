package scheme

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/ber"
	"github.com/apktrust/apktrust/internal/pkcs7"
)

// The shapes of issues 13 and 22 (part 1): files made from a genuine one
// signed by the pinned key P (rsa-a) by someone holding only another key
// Z (rsa-b), each next to its well-formed control. apksig's rules alone
// accept every attack below; the platform's (StrictJarVerifier) refuse
// the file or use another signer set.
func TestV1PlatformShapes(t *testing.T) {
	for _, tc := range v1PlatformShapeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			from := SDKNougat
			if tc.lo != 0 {
				from = tc.lo
			}
			found := tc.found
			if found == nil {
				found = []int{}
			}
			got := v1CheckCtx(t, t.Context(), tc.file, from, MaxSDK, found)
			if tc.want != "" {
				require.False(t, got.verified, "codes %v", got.codes)
				require.True(t, got.has(tc.want), "want %s, got %v", tc.want, got.codes)
				return
			}
			require.True(t, got.verified, "codes %v", got.codes)
			require.ElementsMatch(t, tc.certs, got.certs)
		})
	}
}

// v1ShapeCase is one file of TestV1PlatformShapes.
type v1ShapeCase struct {
	name  string
	file  []byte
	lo    int
	found []int
	// want is the error code expected, "" for a file that verifies with
	// signers certs.
	want  Code
	certs [][32]byte
}

func v1PlatformShapeCases(t *testing.T) []v1ShapeCase {
	P := v1ProjectKey(t, "rsa-a")
	Z := v1ProjectKey(t, "rsa-b")
	pin, attacker := v1CertOf(P), v1CertOf(Z)

	genuine := func(o v1KitSF) *v1Kit {
		k := v1NewKit(t, P)
		k.signers = nil
		k.addSigner(t, "CERT", P, k.sfFor(o))
		return k
	}
	withZ := func(o v1KitSF) []byte {
		k := v1NewKit(t, P)
		k.addSigner(t, "ZZ", Z, k.sfFor(o))
		return k.zip(t)
	}
	// editMF rewrites the manifest of a genuine file after signing (the
	// .SF keeps its digests of the original).
	editMF := func(o v1KitSF, edit func(mf []byte) []byte) []byte {
		k := genuine(o)
		k.mf = edit(append([]byte(nil), k.mf...))
		return k.zip(t)
	}
	names := []string{"AndroidManifest.xml", "classes.dex", "res/raw/a.txt"}
	insertAfter := func(mf []byte, after, add string) []byte {
		i := bytes.Index(mf, []byte(after))
		require.GreaterOrEqual(t, i, 0)
		i += len(after)
		return append(append(append([]byte(nil), mf[:i]...), add...), mf[i:]...)
	}

	return []v1ShapeCase{
		{name: "control: genuine", file: v1NewKit(t, P).zip(t), certs: [][32]byte{pin}},
		{name: "control: added signer, well-formed (both readers use it)", file: withZ(v1KitSF{}), certs: [][32]byte{pin, attacker}},
		{name: "added signer whose .SF names an entry twice (apksig ignores it, the platform merges and uses it)",
			file: withZ(v1KitSF{names: append(names, "classes.dex")}), want: CodeJarPlatformSigners},
		{name: "control: added signer without Signature-Version (both ignore it)",
			file: withZ(v1KitSF{noVersion: true}), certs: [][32]byte{pin}},
		{name: "added signer without Signature-Version but X-Android-APK-Signed: 2 (the platform checks stripping first)",
			file: withZ(v1KitSF{noVersion: true, stripping: "2"}), want: CodeJarPlatformSigFile},
		{name: "control: added signer with a wrong whole-manifest digest and a section for a missing entry (both ignore it)",
			file: withZ(v1KitSF{wrongManifest: true, names: append(names, "ghost.bin")}), certs: [][32]byte{pin}},
		{name: "added signer with a wrong whole-manifest digest, a wrong section and a missing entry (the platform may throw)",
			file: withZ(v1KitSF{wrongManifest: true, names: append(names, "ghost.bin"), override: map[string]string{"classes.dex": v1B64(crypto.SHA256, []byte("x"))}}),
			want: CodeJarPlatformSigFile},
		{name: "added signer: repeated X-Android-APK-Signed, empty then 2 (the platform keeps the last)",
			file: withZ(v1KitSF{extraMain: "X-Android-APK-Signed: \r\nX-Android-APK-Signed: 2\r\n"}), want: CodeJarPlatformSigFile},
		{name: "added signer: repeated X-Android-APK-Signed, 2 then empty (apksig keeps the first: refused as apksigner does)",
			file: withZ(v1KitSF{extraMain: "X-Android-APK-Signed: 2\r\nX-Android-APK-Signed: \r\n"}), want: CodeJarMissingApkSigReferenced},
		{name: "added signer: repeated whole-manifest digest, right then wrong, and a missing entry (apksig uses it, the platform ignores it)",
			file: withZ(v1KitSF{extraMain: "SHA-256-Digest-Manifest: " + v1B64(crypto.SHA256, []byte("x")) + "\r\n", names: append(names, "ghost.bin")}),
			want: CodeJarPlatformSigners},

		// X-Android-APK-Signed read with Java's Integer.parseInt.
		{name: "control: X-Android-APK-Signed: 2 with v2 found", file: genuine(v1KitSF{stripping: "2"}).zip(t), found: []int{2}, certs: [][32]byte{pin}},
		{name: "X-Android-APK-Signed: 2 without v2 (stripped)", file: genuine(v1KitSF{stripping: "2"}).zip(t), want: CodeJarMissingApkSigReferenced},
		{name: "full-width digit ２ is 2 to Java", file: genuine(v1KitSF{stripping: "２"}).zip(t), want: CodeJarMissingApkSigReferenced},
		{name: "control: full-width ２ with v2 found", file: genuine(v1KitSF{stripping: "２"}).zip(t), found: []int{2}, certs: [][32]byte{pin}},
		{name: "Arabic-Indic ٢ is 2 to Java", file: genuine(v1KitSF{stripping: "٢"}).zip(t), want: CodeJarMissingApkSigReferenced},
		{name: "+2 is 2 to Java", file: genuine(v1KitSF{stripping: "+2"}).zip(t), want: CodeJarMissingApkSigReferenced},
		{name: "002 is 2 to Java", file: genuine(v1KitSF{stripping: "1, 002"}).zip(t), want: CodeJarMissingApkSigReferenced},
		{name: "mathematical bold 𝟐 (two UTF-16 units Java does not read): refused rather than guessed", file: genuine(v1KitSF{stripping: "𝟐"}).zip(t), want: CodeJarSchemeIDNotASCII},
		{name: "control: mathematical bold 𝟐 with v2 and v3 found", file: genuine(v1KitSF{stripping: "𝟐"}).zip(t), found: []int{2, 3}, certs: [][32]byte{pin}},
		{name: "control: 2x is no number", file: genuine(v1KitSF{stripping: "2x"}).zip(t), certs: [][32]byte{pin}},
		{name: "control: 99999999999 overflows int", file: genuine(v1KitSF{stripping: "99999999999"}).zip(t), certs: [][32]byte{pin}},

		// Issue 22, part 1: MANIFEST.MF edited after signing.
		{name: "control: manifest with CR-only line endings, signed so", file: func() []byte {
			k := v1NewKit(t, P)
			k.mf = bytes.ReplaceAll(k.mf, []byte("\r\n"), []byte("\r"))
			k.mainEnd = bytes.Index(k.mf, []byte("\r\r")) + 2
			for n, s := range k.secs {
				k.secs[n] = bytes.ReplaceAll(s, []byte("\r\n"), []byte("\r"))
			}
			k.signers = nil
			k.addSigner(t, "CERT", P, k.sfFor(v1KitSF{}))
			return k.zip(t)
		}(), certs: [][32]byte{pin}},
		{name: "blank line added after a section (the platform's section runs to the next one)",
			file: editMF(v1KitSF{}, func(mf []byte) []byte {
				i := bytes.Index(mf, []byte("Name: res/raw/a.txt"))
				return append(append(append([]byte(nil), mf[:i]...), "\r\n"...), mf[i:]...)
			}), want: CodeJarPlatformSigFile},
		{name: "blank lines added at the end",
			file: editMF(v1KitSF{}, func(mf []byte) []byte { return append(mf, "\r\n\r\n"...) }), want: CodeJarPlatformSigFile},
		{name: "control: valid attribute added to the main section (no main-attributes digest)",
			file:  editMF(v1KitSF{noMainDigest: true}, func(mf []byte) []byte { return insertAfter(mf, "Manifest-Version: 1.0\r\n", "Good-Name: x\r\n") }),
			certs: [][32]byte{pin}},
		{name: "attribute name with a space in the main section",
			file: editMF(v1KitSF{noMainDigest: true}, func(mf []byte) []byte { return insertAfter(mf, "Manifest-Version: 1.0\r\n", "Bad Name: x\r\n") }),
			want: CodeJarPlatformManifest},
		{name: "line without ': ' in the main section (joined with the next by the platform)",
			file: editMF(v1KitSF{noMainDigest: true}, func(mf []byte) []byte { return insertAfter(mf, "Manifest-Version: 1.0\r\n", "garbage\r\n") }),
			want: CodeJarPlatformManifest},
		{name: "name:value without the space in the main section",
			file: editMF(v1KitSF{noMainDigest: true}, func(mf []byte) []byte { return insertAfter(mf, "Manifest-Version: 1.0\r\n", "X-Odd:value\r\n") }),
			want: CodeJarPlatformManifest},
		{name: "NUL in a main-section value",
			file: editMF(v1KitSF{noMainDigest: true}, func(mf []byte) []byte { return insertAfter(mf, "Manifest-Version: 1.0\r\n", "X-Odd: a\x00b\r\n") }),
			want: CodeJarPlatformManifest},
		{name: "leading blank line (the platform reads a name starting with a line break)",
			file: editMF(v1KitSF{noMainDigest: true}, func(mf []byte) []byte { return append([]byte("\r\n"), mf...) }),
			want: CodeJarPlatformManifest},
		{name: "repeated SHA-256-Digest in an entry section, right then wrong (the platform checks the last)", file: func() []byte {
			k := v1NewKit(t, P)
			i := bytes.Index(k.mf, []byte("Name: classes.dex\r\n"))
			end := i + bytes.Index(k.mf[i:], []byte("\r\n\r\n")) + 2
			bad := "SHA-256-Digest: " + v1B64(crypto.SHA256, []byte("other")) + "\r\n"
			k.mf = append(append(append([]byte(nil), k.mf[:end]...), bad...), k.mf[end:]...)
			k.secs["classes.dex"] = append(append([]byte(nil), k.secs["classes.dex"][:len(k.secs["classes.dex"])-2]...), bad+"\r\n"...)
			k.signers = nil
			k.addSigner(t, "CERT", P, k.sfFor(v1KitSF{}))
			return k.zip(t)
		}(), want: CodeJarPlatformDigest},
		{name: "a second block for the genuine .SF, signed by Z (the platform keeps one chain per .SF)", file: func() []byte {
			k := v1NewKit(t, P)
			spec := v1KitSpec(Z)
			k.extra = append(k.extra, v1File{name: "META-INF/CERT.DSA", data: v1SignedData(t, spec, k.signers[0].sf)})
			return k.zip(t)
		}(), want: CodeJarPlatformSigners},
		{name: "unterminated last line, signed so (the platform drops the entry's digest)", file: func() []byte {
			k := v1NewKit(t, P)
			k.mf = bytes.TrimSuffix(k.mf, []byte("\r\n\r\n"))
			k.secs["res/raw/a.txt"] = bytes.TrimSuffix(k.secs["res/raw/a.txt"], []byte("\r\n\r\n"))
			k.signers = nil
			k.addSigner(t, "CERT", P, k.sfFor(v1KitSF{}))
			return k.zip(t)
		}(), want: CodeJarPlatformSigners},
	}
}

// BER signed attributes: Android 7.0+ verifies the signature over their
// DER re-encoding; apksig over the raw bytes.
func TestV1BERSignedAttributes(t *testing.T) {
	for _, tc := range v1BERShapeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			got := v1Check(t, tc.file, tc.lo, MaxSDK)
			if tc.want != "" {
				require.False(t, got.verified, "codes %v", got.codes)
				require.True(t, got.has(tc.want), "want %s, got %v", tc.want, got.codes)
				return
			}
			require.True(t, got.verified, "codes %v", got.codes)
			require.ElementsMatch(t, tc.certs, got.certs)
		})
	}
}

func v1BERShapeCases(t *testing.T) []v1ShapeCase {
	P := v1ProjectKey(t, "rsa-a")
	pin := v1CertOf(P)
	build := func(overDER, ber bool) []byte {
		k := v1NewKit(t, P)
		sf := k.signers[0].sf
		k.signers[0].block = v1BERSignedAttrsBlock(t, P, sf, overDER, ber)
		return k.zip(t)
	}
	return []v1ShapeCase{
		{name: "control: DER signed attributes", file: build(true, false), lo: 19, certs: [][32]byte{pin}},
		{name: "BER signed attributes (indefinite lengths), signature over the DER form (the platform and jarsigner accept)", file: build(true, true), lo: SDKNougat, certs: [][32]byte{pin}},
		{name: "BER signed attributes, signature over the raw BER (fails on the platform)", file: build(false, true), lo: SDKNougat, want: CodeJarDidNotVerify},
		{name: "BER signed attributes on a range below Android 7.0", file: build(true, true), lo: 19, want: CodePKCS7BERSignedAttributes},
	}
}

// v1BERSignedAttrsBlock signs sf (SHA-256 with RSA) with content-type and
// message-digest signed attributes, encoded with an indefinite length
// when ber, the signature computed over the DER form or the raw bytes.
func v1BERSignedAttrsBlock(t testing.TB, key *v1TestKey, sf []byte, overDER, ber bool) []byte {
	attr1 := v1DER(0x30, v1DEROID(pkcs7.OIDContentType), v1DER(0x31, v1DEROID(pkcs7.OIDData)))
	attr2 := v1DER(0x30, v1DEROID(pkcs7.OIDMessageDigest), v1DER(0x31, v1DER(0x04, v1HashBytes(crypto.SHA256, sf))))
	der := v1DER(0x31, attr1, attr2)
	implicit := append([]byte{0xa0}, der[1:]...)
	if ber {
		implicit = append(append(append([]byte{0xa0, 0x80}, attr1...), attr2...), 0, 0)
	}
	signed := der
	if !overDER {
		signed = append([]byte{0x31}, implicit[1:]...)
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.priv.(*rsa.PrivateKey), crypto.SHA256, v1HashBytes(crypto.SHA256, signed))
	require.NoError(t, err)
	si := v1DER(0x30, v1DERInt(big.NewInt(1)), v1DER(0x30, key.issuer, v1DERInt(key.serial)),
		v1DER(0x30, v1DEROID("2.16.840.1.101.3.4.2.1")), implicit,
		v1DER(0x30, v1DEROID("1.2.840.113549.1.1.1")), v1DER(0x04, sig))
	sd := v1DER(0x30, v1DERInt(big.NewInt(1)), v1DER(0x31, v1DER(0x30, v1DEROID("2.16.840.1.101.3.4.2.1"))),
		v1DER(0x30, v1DEROID(pkcs7.OIDData)), v1DER(0xa0, key.certDER), v1DER(0x31, si))
	return v1DER(0x30, v1DEROID(pkcs7.OIDSignedData), v1DER(0xa0, sd))
}

// Bounds on work: each hostile shape is refused with its code, quickly,
// and the control verifies.
func TestV1WorkBounds(t *testing.T) {
	P := v1ProjectKey(t, "rsa-a")
	D := v1ProjectKey(t, "dsa2048")
	// manyInfos repeats the one SignerInfo of a genuine block n times.
	manyInfos := func(key *v1TestKey, n int) []byte {
		k := v1NewKit(t, key)
		k.signers[0].block = v1RepeatSignerInfos(t, k.signers[0].block, n, 1)
		return k.zip(t)
	}
	manyCerts := func(n int) []byte {
		k := v1NewKit(t, P)
		k.signers[0].block = v1RepeatSignerInfos(t, k.signers[0].block, 1, n)
		return k.zip(t)
	}
	manyBlocks := func(n int) []byte {
		k := v1NewKit(t, P)
		for i := 1; i < n; i++ {
			k.extra = append(k.extra, v1File{name: "META-INF/X" + strings.Repeat("X", i) + ".RSA", data: k.signers[0].block})
		}
		return k.zip(t)
	}
	tests := []struct {
		name     string
		file     []byte
		verified bool
		want     Code
	}{
		{name: "control: DSA signer", file: manyInfos(D, 1), verified: true},
		{name: "control: 8 identical SignerInfos", file: manyInfos(D, v1MaxSignerInfos), verified: true},
		{name: "2,000 identical SignerInfos over a DSA key", file: manyInfos(D, 2000), want: CodeJarTooManySignerInfos},
		{name: "20,000 identical SignerInfos over a DSA key", file: manyInfos(D, 20000), want: CodeJarTooManySignerInfos},
		{name: "control: 32 certificates", file: manyCerts(v1MaxBlockCertificate), verified: true},
		{name: "33 certificates in one block", file: manyCerts(v1MaxBlockCertificate + 1), want: CodeJarTooManyCertificates},
		{name: "control: 32 signature blocks, one with a .SF", file: manyBlocks(v1MaxSignatureBlocks), verified: true},
		{name: "33 signature blocks", file: manyBlocks(v1MaxSignatureBlocks + 1), want: CodeJarTooManySignatureBlocks},
		{name: "an entry inflating 1,000 times (80 MiB from 80 KB)", file: func() []byte {
			files := append(append([]v1File(nil), v1KitFiles...), v1File{name: "assets/zeros.bin", data: make([]byte, 80<<20)})
			return v1NewKitFiles(t, P, files).zip(t)
		}(), want: CodeJarInflateLimitExceeded},
		{name: "a MANIFEST.MF inflating to 48 MiB, signed so", file: func() []byte {
			k := v1NewKit(t, P)
			pad := "X-Pad: " + strings.Repeat("a", 48<<20) + "\r\n"
			k.mf = append([]byte("Manifest-Version: 1.0\r\n"+pad), k.mf[len("Manifest-Version: 1.0\r\n"):]...)
			k.mainEnd += len(pad)
			k.signers = nil
			k.addSigner(t, "CERT", P, k.sfFor(v1KitSF{}))
			return k.zip(t)
		}(), want: CodeJarInflateLimitExceeded},
		{name: "DSA key with 8192-bit p and q", file: func() []byte {
			huge := *D
			huge.certDER = v1HugeDSACert(t, D)
			return v1NewKit(t, &huge).zip(t)
		}(), want: CodeKeyUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got := v1Check(t, tc.file, SDKNougat, MaxSDK)
			took := time.Since(start)
			t.Logf("%d bytes, %v", len(tc.file), took)
			require.Less(t, took, v1WorkTimeBound, "the 1 s budget, with room for a loaded machine")
			require.Equal(t, tc.verified, got.verified, "codes %v", got.codes)
			if tc.want != "" {
				require.True(t, got.has(tc.want), "want %s, got %v", tc.want, got.codes)
			}
		})
	}
}

// v1RepeatSignerInfos rebuilds a one-signer block with its SignerInfo
// repeated infos times and its certificate certs times.
func v1RepeatSignerInfos(t testing.TB, block []byte, infos, certs int) []byte {
	sd, err := parsePKCS7(block)
	require.NoError(t, err)
	require.Len(t, sd.SignerInfos, 1)
	ci, _, _ := readBER(block, 0)
	top, _ := ber.Children(ci, 0)
	wrapped, _ := ber.Children(top[1], 0)
	fields, _ := ber.Children(wrapped[0], 1)
	certBag, _ := ber.Children(fields[3], 2)
	sis, _ := ber.Children(fields[4], 2)
	var certBytes, siBytes []byte
	for range certs {
		certBytes = append(certBytes, certBag[0].Raw...)
	}
	for range infos {
		siBytes = append(siBytes, sis[0].Raw...)
	}
	sdBytes := v1DER(0x30, fields[0].Raw, fields[1].Raw, fields[2].Raw, v1DERLong(0xa0, certBytes), v1DERLong(0x31, siBytes))
	return v1DERLong(0x30, v1DEROID(pkcs7.OIDSignedData), v1DERLong(0xa0, sdBytes))
}

// v1DERLong is v1DER for content of any length.
func v1DERLong(tag byte, parts ...[]byte) []byte {
	var content []byte
	for _, p := range parts {
		content = append(content, p...)
	}
	return ber.AppendTLV([]byte{tag}, content)
}

// v1HugeDSACert returns key's certificate with its DSA parameters and
// public value replaced by 8192-bit numbers (the certificate's own
// signature, which nobody checks, no longer matches).
func v1HugeDSACert(t testing.TB, key *v1TestKey) []byte {
	id, err := pkcs7ParseCertID(key.certDER)
	require.NoError(t, err)
	big8192 := func(seed byte) *big.Int {
		b := bytes.Repeat([]byte{0xc3 ^ seed}, 1024)
		b[1023] |= 1
		return new(big.Int).SetBytes(b)
	}
	params, err := asn1.Marshal(struct{ P, Q, G *big.Int }{big8192(1), big8192(2), big.NewInt(2)})
	require.NoError(t, err)
	y, err := asn1.Marshal(big8192(3))
	require.NoError(t, err)
	spki, err := asn1.Marshal(struct {
		Alg struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue
		}
		Key asn1.BitString
	}{Alg: struct {
		OID    asn1.ObjectIdentifier
		Params asn1.RawValue
	}{asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}, asn1.RawValue{FullBytes: params}}, Key: asn1.BitString{Bytes: y, BitLength: 8 * len(y)}})
	require.NoError(t, err)
	c, _, _ := readBER(key.certDER, 0)
	top, _ := ber.Children(c, 0)
	tbs, _ := ber.Children(top[0], 1)
	var tbsBytes []byte
	for _, f := range tbs {
		if bytes.Equal(f.Raw, id.SPKI) {
			tbsBytes = append(tbsBytes, spki...)
			continue
		}
		tbsBytes = append(tbsBytes, f.Raw...)
	}
	return v1DERLong(0x30, v1DERLong(0x30, tbsBytes), top[1].Raw, top[2].Raw)
}
