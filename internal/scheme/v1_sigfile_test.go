package scheme

import (
	"context"
	"crypto"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/jarmanifest"
)

// TestVerifySigFile checks the .SF-against-manifest rules on hand-written
// files: the legacy Digest-Algorithms lookup of API < 18, the quirks of
// files made by Netscape's signtool, and malformed digests.
func TestVerifySigFile(t *testing.T) {
	mf := "Manifest-Version: 1.0\n\nName: a\nSHA1-Digest: AAAA\n\n"
	mainSec, entrySec := mf[:len("Manifest-Version: 1.0\n\n")], mf[len("Manifest-Version: 1.0\n\n"):]
	b64 := func(h crypto.Hash, s string) string { return v1B64(h, []byte(s)) }
	tests := []struct {
		name           string
		sf             string
		minSDK, maxSDK int
		wantErr        Code // first signer error, "" for none
		wantWarn       Code // a signer warning, "" for none
		wantIgnored    bool
	}{
		{
			name:   "whole-manifest SHA-1 digest",
			sf:     "Signature-Version: 1.0\nSHA1-Digest-Manifest: " + b64(crypto.SHA1, mf) + "\n\nName: a\nSHA1-Digest: x\n\n",
			minSDK: 1, maxSDK: MaxSDK,
		},
		{
			name:   "legacy Digest-Algorithms picks MD5 before API 18",
			sf:     "Signature-Version: 1.0\nDigest-Algorithms: MD5\nMD5-Digest-Manifest: " + b64(crypto.MD5, mf) + "\n\nName: a\nMD5-Digest: " + b64(crypto.MD5, entrySec) + "\n\n",
			minSDK: 1, maxSDK: 17,
		},
		{
			name:   "MD5 alone is not enough from API 18",
			sf:     "Signature-Version: 1.0\nDigest-Algorithms: MD5\nMD5-Digest-Manifest: " + b64(crypto.MD5, mf) + "\n\nName: a\nMD5-Digest: " + b64(crypto.MD5, entrySec) + "\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantErr: CodeJarNoZipEntryDigestInSigFile, wantWarn: CodeJarNoManifestDigestInSigFile,
		},
		{
			name: "wrong whole-manifest digest falls back to sections",
			sf: "Signature-Version: 1.0\nSHA-256-Digest-Manifest: " + b64(crypto.SHA256, "other") +
				"\nSHA-256-Digest-Manifest-Main-Attributes: " + b64(crypto.SHA256, mainSec) +
				"\n\nName: a\nSHA-256-Digest: " + b64(crypto.SHA256, entrySec) + "\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantWarn: CodeJarZipEntryDigestDidNotVerify,
		},
		{
			name: "wrong main-section digest",
			sf: "Signature-Version: 1.0\nSHA-256-Digest-Manifest-Main-Attributes: " + b64(crypto.SHA256, "x") +
				"\n\nName: a\nSHA-256-Digest: " + b64(crypto.SHA256, entrySec) + "\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantErr: CodeJarManifestMainSectionDigest,
		},
		{
			name:   "wrong section digest",
			sf:     "Signature-Version: 1.0\n\nName: a\nSHA-256-Digest: " + b64(crypto.SHA256, "x") + "\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantErr: CodeJarManifestSectionDigest,
		},
		{
			name: "signtool omits the section's last newline and signs no main section",
			sf: "Signature-Version: 1.0\nCreated-By: signtool 1.3\nSHA-256-Digest-Manifest-Main-Attributes: bogus\n\nName: a\nSHA-256-Digest: " +
				b64(crypto.SHA256, entrySec[:len(entrySec)-1]) + "\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantWarn: CodeJarNoManifestDigestInSigFile,
		},
		{
			name:   "section for an entry the manifest lacks ignores the signer",
			sf:     "Signature-Version: 1.0\n\nName: b\nSHA-256-Digest: " + b64(crypto.SHA256, entrySec) + "\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantErr: CodeJarNoZipEntryDigestInSigFile, wantIgnored: true,
		},
		{
			name:   "duplicate section ignores the signer",
			sf:     "Signature-Version: 1.0\nSHA1-Digest-Manifest: " + b64(crypto.SHA1, mf) + "\n\nName: a\n\nName: a\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantErr: CodeJarDuplicateSigFileSection, wantIgnored: true,
		},
		{
			name:   "unnamed section ignores the signer",
			sf:     "Signature-Version: 1.0\n\nSHA1-Digest: x\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantErr: CodeJarUnnamedSigFileSection, wantIgnored: true,
		},
		{
			name:   "malformed base64",
			sf:     "Signature-Version: 1.0\nSHA1-Digest-Manifest: not*base64\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantErr: CodeJarMalformedDigest,
		},
		{
			name:   "no Signature-Version",
			sf:     "SHA1-Digest-Manifest: " + b64(crypto.SHA1, mf) + "\n\n",
			minSDK: 18, maxSDK: MaxSDK, wantErr: CodeJarMissingVersionAttr, wantIgnored: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseJarManifest([]byte(mf), 0)
			require.NoError(t, err)
			sections := map[string]*jarmanifest.Section{}
			for _, s := range m.Sections {
				sections[s.Name] = s
			}
			v := &v1Verifier{ctx: context.Background(), minSDK: tc.minSDK, maxSDK: tc.maxSDK, found: map[int]bool{},
				supported: map[int]string{}, out: &V1Result{Result: &SchemeResult{}}}
			s := &v1Signer{name: "S", sf: &apkzip.Entry{Name: "META-INF/S.SF"}, sfBytes: []byte(tc.sf), res: &SignerResult{}}
			v.verifySigFile(s, []byte(mf), m.Main, sections, 100)
			if tc.wantErr == "" {
				assert.Empty(t, s.res.Errors)
				assert.True(t, s.sfNames["a"], "the .SF names entry a")
			} else {
				require.NotEmpty(t, s.res.Errors)
				assert.Equal(t, tc.wantErr, s.res.Errors[0].Code)
			}
			if tc.wantWarn != "" {
				var codes []Code
				for _, w := range s.res.Warnings {
					codes = append(codes, w.Code)
				}
				assert.Contains(t, codes, tc.wantWarn)
			}
			assert.Equal(t, tc.wantIgnored, s.ignored)
		})
	}
}
