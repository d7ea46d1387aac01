package scheme

import "github.com/apktrust/apktrust/internal/apkzip"

// Blocks says which signature pairs the APK Signing Block holds. It is a
// fact of the container, known before any scheme runs, and the only thing
// a scheme's rules learn about the other schemes:
//
//   - stripping protection: a JAR signer's X-Android-APK-Signed or a v2
//     signer's 0xbeeff00d attribute claims the APK is also signed with a
//     newer scheme, and Android checks that claim against the blocks the
//     file has (presence, not verdict: a block that is present but fails
//     fails the APK on its own, before the older scheme is read);
//   - a v3.1 block needs a v3 block beside it, and the v3.2 attributes of
//     a v3 signer announce a v3.2 block.
//
// The caller reads it once per file (FindBlocks) and hands it to every
// verifier, so no verifier is told what another one concluded: data flows
// from the container to the schemes, never from one scheme's result back
// into another's check. (The v1 platform replay in particular needs it
// before it reads Signature-Version: see v1Verifier.platformSigner.)
type Blocks struct {
	V2, V3, V31, V32 bool
	// SourceStamp: a source stamp block of either version.
	SourceStamp bool
}

// FindBlocks reads which signature pairs the APK Signing Block of a holds
// (none when the file has no readable signing block).
func FindBlocks(a *apkzip.Archive) Blocks {
	b := a.SigningBlock()
	if b == nil {
		return Blocks{}
	}
	has := func(id uint32) bool {
		_, ok := b.Find(id)
		return ok
	}
	return Blocks{
		V2: has(BlockIDV2), V3: has(BlockIDV3), V31: has(BlockIDV31), V32: has(BlockIDV32),
		SourceStamp: has(BlockIDSourceStampV1) || has(BlockIDSourceStampV2),
	}
}

// strippable returns the APK Signature Scheme IDs (2, 3) a platform of
// the range [_, maxSDK] knows, by name, and which of them the file has a
// block of: what X-Android-APK-Signed and the v2 stripping-protection
// attribute are checked against (apksig's getSupportedSchemeNames and
// foundSigSchemeIds; apksig counts a scheme once it verified, and a block
// that fails fails the APK before the older scheme is read, so presence
// gives the same verdict).
func (b Blocks) strippable(maxSDK int) (supported map[int]string, found map[int]bool) {
	supported, found = map[int]string{}, map[int]bool{}
	if maxSDK >= SDKNougat {
		supported[schemeVersionV2] = "APK Signature Scheme v2"
		if b.V2 {
			found[schemeVersionV2] = true
		}
	}
	if maxSDK >= SDKP {
		supported[schemeVersionV3] = "APK Signature Scheme v3"
		if b.V3 {
			found[schemeVersionV3] = true
		}
	}
	return supported, found
}
