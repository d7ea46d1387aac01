package scheme

import (
	"bytes"
	"cmp"
	"crypto"
	"errors"
	"fmt"
	"hash"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apktrust/apktrust/internal/apkzip"
	"github.com/apktrust/apktrust/internal/jarmanifest"
)

// The signed entries may inflate to at most v1MaxInflateRatio times the
// file's size plus v1InflateAllowance: far above real APKs (whose entries
// compress two to five times overall), far below what deflate allows
// (about 1,000 times), so that a 1 MB file never makes v1 hash more than
// about 64 MiB.
const (
	v1MaxInflateRatio  = 32
	v1InflateAllowance = 32 << 20
)

// v1HashBufferSize is each worker's read buffer: big enough that syscalls
// and inflate calls amortise, small enough that memory stays bounded.
const v1HashBufferSize = 256 << 10

// v1EntryCheck is the verification of one entry outside META-INF/, kept in
// file order so that issues come out in the order Android reports them.
type v1EntryCheck struct {
	e       *apkzip.Entry
	issue   *Issue // set when the entry fails before hashing
	digests []v1NamedDigest
	actual  [][]byte
	err     error
}

// verifyEntries checks that every entry outside META-INF/ is in the
// manifest, named by the same set of signers' .SF files, and that its
// uncompressed content matches the manifest's digests. It returns that set
// of signers.
func (v *v1Verifier) verifyEntries(entries []*apkzip.Entry, mfSections map[string]*jarmanifest.Section, signers []*v1Signer) []*v1Signer {
	// Reading in file order keeps the disk access sequential.
	// (slices' sorts take no reflection-built swapper, which allocates.)
	sorted := append([]*apkzip.Entry(nil), entries...)
	slices.SortStableFunc(sorted, func(a, b *apkzip.Entry) int { return cmp.Compare(a.LocalHeaderOffset, b.LocalHeaderOffset) })
	var first, esBuf []*v1Signer
	var firstName string
	checks := make([]v1EntryCheck, 0, len(sorted))
	jobs := make([]int, 0, len(sorted))
	issue := func(code Code, format string, args ...any) *Issue {
		return &Issue{Code: code, Scheme: SchemeV1, Message: fmt.Sprintf(format, args...), Signer: -1}
	}
	for _, e := range sorted {
		if v.unsignedEntry(e.Name) {
			continue
		}
		c := v1EntryCheck{e: e}
		sec := mfSections[e.Name]
		// es is rebuilt in one buffer per entry; only the first set is
		// kept.
		es := esBuf[:0]
		if sec != nil {
			for _, s := range signers {
				if s.sfNames[e.Name] {
					es = append(es, s)
				}
			}
		}
		esBuf = es
		switch {
		case sec == nil:
			c.issue = issue(CodeJarNoZipEntryDigestInManifest, "no digest for %s in %s", e.Name, v1ManifestName)
		case len(es) == 0:
			c.issue = issue(CodeJarZipEntryNotSigned, "%s is not signed by any signer", e.Name)
		case first == nil:
			first, firstName = slices.Clone(es), e.Name
		case !v1SameSigners(es, first):
			c.issue = issue(CodeJarZipEntrySignersMismatch, "%s is signed by %s but %s by %s",
				firstName, v1SignerNames(first), e.Name, v1SignerNames(es))
		}
		if c.issue == nil {
			d, err := v.digestsToVerify(sec, "-Digest")
			switch {
			case err != nil:
				c.issue = issue(digestErrCode(err), "%s section for %s: %v", v1ManifestName, e.Name, err)
			case len(d) == 0:
				c.issue = issue(CodeJarNoZipEntryDigestInManifest, "no usable digest for %s in %s", e.Name, v1ManifestName)
			default:
				c.digests = d
				jobs = append(jobs, len(checks))
			}
		}
		checks = append(checks, c)
	}

	// Inflating is work too: a small file of highly compressed entries
	// would make v1 inflate and hash gigabytes. Declared sizes are what
	// the streams deliver (apkzip enforces them), so the bound is checked
	// before any entry is read.
	var inflated int64
	for _, j := range jobs {
		inflated += checks[j].e.UncompressedSize
	}
	if limit := v1MaxInflateRatio*v.a.Size() + v1InflateAllowance; inflated > limit {
		v.schemeErr(CodeJarInflateLimitExceeded, "the signed entries inflate to %d bytes, more than %d (%d times the file's %d bytes, plus %d)",
			inflated, limit, v1MaxInflateRatio, v.a.Size(), v1InflateAllowance)
		return nil
	}

	// Largest entries first: a big entry started last would leave the
	// other workers idle while it is hashed alone. Issues are still
	// reported in file order from checks.
	slices.SortStableFunc(jobs, func(a, b int) int {
		return cmp.Compare(v1EntryCost(checks[b].e), v1EntryCost(checks[a].e))
	})
	v.hashEntries(checks, jobs)
	if err := v.ctx.Err(); err != nil {
		v.schemeErr(CodeJarCanceled, "verification canceled: %v", err)
		return nil
	}
	for i := range checks {
		c := &checks[i]
		if c.issue != nil {
			v.res.Errors = append(v.res.Errors, *c.issue)
			continue
		}
		crcOnly := false
		if c.err != nil { // errors.As only then: its target escapes
			var fe *apkzip.FormatError
			crcOnly = errors.As(c.err, &fe) && fe.Code == apkzip.CodeCRCMismatch
		}
		if c.err != nil && !crcOnly {
			v.schemeErr(CodeJarMalformedZipEntry, "failed to read %s: %v", c.e.Name, c.err)
			continue
		}
		for j, d := range c.digests {
			if !bytes.Equal(c.actual[j], d.digest) {
				v.schemeErr(CodeJarZipEntryDigestDidNotVerify, "%s digest of %s does not match the digest specified in %s",
					d.name, c.e.Name, v1ManifestName)
			}
		}
		if crcOnly {
			// Android's verifier hashes what it inflates and reports a
			// digest mismatch when the content changed; the installer's
			// unzip then also rejects the wrong CRC-32.
			v.schemeErr(CodeJarMalformedZipEntry, "%s: %v", c.e.Name, c.err)
		}
	}
	if first == nil {
		v.schemeErr(CodeJarNoSignedZipEntries, "no signed entries")
		return nil
	}
	return first
}

// hashEntries computes the digests of the entries listed in jobs on a pool
// of workers, each with its own buffer and reused hash states.
func (v *v1Verifier) hashEntries(checks []v1EntryCheck, jobs []int) {
	workers := v.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	// Small apps need no 256 KiB buffers: size them to the largest entry.
	bufSize, total := int64(1), int64(0)
	for _, j := range jobs {
		bufSize = max(bufSize, checks[j].e.UncompressedSize)
		total += checks[j].e.UncompressedSize
	}
	if total <= v1SmallHashBuffer*8 {
		workers = 1 // a small app's entries: starting workers costs more than they save
	}
	bufSize = min(bufSize, v1HashBufferSize)
	var next atomic.Int64
	work := func() {
		buf, put := v1HashBuffer(int(bufSize))
		defer put()
		hashers := map[crypto.Hash]hash.Hash{}
		for {
			i := int(next.Add(1) - 1)
			if i >= len(jobs) || v.ctx.Err() != nil {
				return
			}
			c := &checks[jobs[i]]
			c.actual, c.err = v.hashEntry(c.e, c.digests, buf, hashers)
		}
	}
	if workers <= 1 {
		work() // one worker: no goroutine
		return
	}
	var wg sync.WaitGroup
	workerGoroutines.Add(int64(workers))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	wg.Wait()
}

// hashEntry streams one entry's uncompressed content through the digests
// the manifest states for it. Two digests with the same algorithm (the
// pre-API 18 and the API 18+ attribute, when they differ) share one hash
// state: the content is hashed once and compared twice.
func (v *v1Verifier) hashEntry(e *apkzip.Entry, digests []v1NamedDigest, buf []byte, hashers map[crypto.Hash]hash.Hash) ([][]byte, error) {
	var uniq [4]hash.Hash
	n := 0
	for _, d := range digests {
		h := hashers[d.hash]
		if h == nil {
			h = d.hash.New()
			hashers[d.hash] = h
		}
		dup := false
		for _, u := range uniq[:n] {
			dup = dup || u == h
		}
		if !dup && n < len(uniq) {
			h.Reset()
			uniq[n] = h
			n++
		}
	}
	rc, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var readErr error
	for {
		k, err := rc.Read(buf)
		for _, h := range uniq[:n] {
			h.Write(buf[:k])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *apkzip.FormatError
			if errors.As(err, &fe) && fe.Code == apkzip.CodeCRCMismatch {
				readErr = err // content complete; the digests still tell
				break
			}
			return nil, err
		}
		if v.ctx.Err() != nil {
			return nil, v.ctx.Err()
		}
	}
	out := make([][]byte, len(digests))
	for i, d := range digests {
		out[i] = hashers[d.hash].Sum(nil)
	}
	return out, readErr
}

func v1SameSigners(a, b []*v1Signer) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func v1SignerNames(ss []*v1Signer) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.name
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// v1EntryCost estimates the work of hashing an entry: inflating costs
// several times more per byte than hashing.
func v1EntryCost(e *apkzip.Entry) int64 {
	if e.Method == apkzip.MethodStored {
		return e.UncompressedSize
	}
	return 3 * e.UncompressedSize
}
