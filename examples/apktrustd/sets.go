package main

import (
	"context"

	"github.com/apktrust/apktrust/apkverify"
)

// verifySet verifies a loose split set (several file parts) with
// apkverify.VerifySet, or an archive of APKs (.apks, .xapk, .apkm) with
// apkverify.VerifyBundle, as one install under the policy of the base's
// package (or of ?package=).
func (s *server) verifySet(ctx context.Context, in *input, want string) (outcome, error) {
	run := func(pkg string) (*apkverify.SetResult, error) {
		opts := s.options(in.kind, pkg)
		if in.kind == kindAPKSet {
			u := in.files[0]
			return apkverify.VerifyBundle(ctx, u.file, u.size, opts)
		}
		parts := make([]apkverify.Part, len(in.files))
		for i, u := range in.files {
			parts[i] = apkverify.Part{Name: u.name, R: u.file, Size: u.size}
		}
		return apkverify.VerifySet(ctx, parts, opts)
	}
	pkg := want
	if pkg == "" {
		// The APKs of a set all name one package (or the set fails):
		// the first one read is the guess. Archives are not looked
		// into; the verifier's reading decides below.
		for _, u := range in.files {
			if u.pkg != "" {
				pkg = u.pkg
				break
			}
		}
	}
	res, err := run(pkg)
	if err != nil {
		return outcome{}, err
	}
	if want == "" && res.Package != pkg {
		// Judge by the base's package as the verifier read it; the
		// policy pinned to the guessed package made the first answer
		// a mismatch, never a wrong "trusted".
		pkg = res.Package
		if res, err = run(pkg); err != nil {
			return outcome{}, err
		}
	}
	if s.policy(in.kind, pkg) == nil {
		res.Trusted, res.Policy = false, noPolicy(in.kind, pkg)
	}
	verdict := verdictNotTrusted
	if res.Verified && res.Trusted && res.Policy != nil {
		verdict = verdictTrusted
	}
	file := ""
	if in.kind == kindAPKSet {
		file = in.files[0].name
		res.File = file
	}
	return outcome{body: res, file: file, verdict: verdict, pkg: res.Package}, nil
}
