package apkverify

import (
	"github.com/apktrust/apktrust/internal/scheme"
)

// prefetch computes, in one pass over the file, every digest of its bytes
// that the checks of this run will compare: the v2/v3/v3.1 content digests
// of the blocks the range reads (and v2 also for frosting's evidence
// binding), the Play frosting file hash, and the v4 Merkle tree of a given
// .idsig. The scheme verifiers then find them in the archive's digester
// instead of each reading the file again; failures are reported by the
// verifier that needs the digest, as before.
func (v *verification) prefetch() error {
	block := v.a.SigningBlock()
	if block == nil {
		return nil
	}
	has := func(id uint32) bool { _, ok := block.Find(id); return ok }
	var p scheme.DigestPlan
	if v.maxSDK >= sdkN {
		if v.maxSDK >= sdkT && has(scheme.BlockIDV31) {
			p.SchemeBlocks = append(p.SchemeBlocks, scheme.BlockIDV31)
		}
		if v.maxSDK >= sdkP && has(scheme.BlockIDV3) {
			p.SchemeBlocks = append(p.SchemeBlocks, scheme.BlockIDV3)
		}
		if v.minSDK < sdkP || len(p.SchemeBlocks) == 0 || has(scheme.BlockIDFrosting) {
			p.SchemeBlocks = append(p.SchemeBlocks, scheme.BlockIDV2)
		}
		if v.opts.V4Signature != nil {
			if sig, err := scheme.ParseV4Signature(v.opts.V4Signature, v.opts.V4SignatureSize); err == nil {
				p.V4, p.V4Salt = true, sig.Salt
			}
		}
	}
	p.Frosting, p.FrostingKeys = has(scheme.BlockIDFrosting), v.opts.frostingKeys
	if err := scheme.NewContentDigester(v.a).Prefetch(v.ctx, p); err != nil {
		return ctxErr(v.ctx)
	}
	return nil
}
