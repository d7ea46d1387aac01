//go:build ignore

// Command tamper makes the deliberately damaged APK / lineage / idsig
// fixtures used by apktrust's tests. It uses the standard library only and is
// run by testdata/make-fixtures.sh:
//
//	go run testdata/tools/tamper.go <subcommand> [args...]
//
// Every subcommand reads its input file(s), writes a new output file and never
// modifies the input. ZIP rewrites keep the archive parseable: local header
// offsets, the central directory offset and the EOCD are fixed up, so that
// the only anomaly in the output is the intended one.
package main

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sort"
	"strconv"
)

const (
	sigLocal        = 0x04034b50
	sigCentral      = 0x02014b50
	sigEOCD         = 0x06054b50
	sigZip64EOCD    = 0x06064b50
	sigZip64Locator = 0x07064b50

	idV2      = 0x7109871a
	idV3      = 0xf05368c0
	idV31     = 0x1b93ad61
	idLineage = 0x3ba06f8c // v3 signed-data additional attribute
)

var apkSigMagic = []byte("APK Sig Block 42")

var le = binary.LittleEndian

func usage() {
	fmt.Fprint(os.Stderr, `usage: go run testdata/tools/tamper.go <subcommand> args...

ZIP / APK shapes (IN is read, OUT is written):
  info IN                         print the archive layout (read-back check)
  flip-entry IN OUT NAME          flip one byte in the middle of NAME's stored data
  flip-cd IN OUT                  flip one bit of the first central directory record's mod time
  flip-sig IN OUT v2|v3           flip the last byte of the first signature of the first signer
  append-entry IN OUT NAME TEXT   add a stored entry after the last entry (before the signing block)
  dup-entry IN OUT NAME TEXT      like append-entry, but NAME already exists (duplicate CD record)
  prepend IN OUT N                put N bytes (fake DEX header) before the first local header
  strip-sigblock IN OUT           remove the APK Signing Block entirely
  remove-pair IN OUT v2|v3|v31    remove one ID-value pair from the APK Signing Block
  local-name IN OUT NAME NEWNAME  rename NAME in its local header only (same length)
  zip64-locator IN OUT            insert a ZIP64 EOCD record + locator before the EOCD
  manifest-attrnames IN OUT empty|garbage
                                  rewrite AndroidManifest.xml's string pool so names of
                                  android: attributes (those with a resource ID) become
                                  empty or ROT13 garbage; output is an unsigned APK
  v3-break-lineage IN OUT KEY.pk8 flip a byte in the last lineage link signature inside the
                                  v3 signer's signed data, then re-sign that signed data with
                                  KEY so only the lineage is broken
Lineage / v4:
  lineage-break IN OUT            flip the last byte of the last node's signature in a lineage file
  idsig-flip IN OUT sig|tree      flip a byte in a v4 .idsig signature or Merkle tree
`)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	need := func(n int) {
		if len(args) != n {
			usage()
		}
	}
	var err error
	switch cmd {
	case "info":
		need(1)
		err = info(args[0])
	case "flip-entry":
		need(3)
		err = zipOp(args[0], args[1], func(z *zipFile) error { return z.flipEntry(args[2]) })
	case "flip-cd":
		need(2)
		err = zipOp(args[0], args[1], func(z *zipFile) error {
			if len(z.entries) == 0 {
				return errors.New("no entries")
			}
			z.entries[0].cd[12] ^= 0x01 // low byte of DOS mod time
			return nil
		})
	case "flip-sig":
		need(3)
		err = zipOp(args[0], args[1], func(z *zipFile) error { return z.flipSig(args[2]) })
	case "append-entry", "dup-entry":
		need(4)
		err = zipOp(args[0], args[1], func(z *zipFile) error {
			exists := z.find(args[2]) != nil
			if exists != (cmd == "dup-entry") {
				return fmt.Errorf("%s: entry %q exists=%v", cmd, args[2], exists)
			}
			z.addStored(args[2], []byte(args[3]))
			return nil
		})
	case "prepend":
		need(3)
		err = zipOp(args[0], args[1], func(z *zipFile) error {
			n, err := strconv.Atoi(args[2])
			if err != nil || n < 8 {
				return fmt.Errorf("bad N %q", args[2])
			}
			p := make([]byte, n)
			copy(p, "dex\n035\x00")
			for i := 8; i < n; i++ {
				p[i] = byte(i)
			}
			z.prefix = append(p, z.prefix...)
			return nil
		})
	case "strip-sigblock":
		need(2)
		err = zipOp(args[0], args[1], func(z *zipFile) error {
			if z.sigBlock == nil {
				return errors.New("no APK Signing Block")
			}
			z.sigBlock = nil
			return nil
		})
	case "remove-pair":
		need(3)
		err = zipOp(args[0], args[1], func(z *zipFile) error { return z.removePair(args[2]) })
	case "local-name":
		need(4)
		err = zipOp(args[0], args[1], func(z *zipFile) error { return z.localName(args[2], args[3]) })
	case "zip64-locator":
		need(2)
		err = zipOp(args[0], args[1], func(z *zipFile) error { z.zip64 = true; return nil })
	case "manifest-attrnames":
		need(3)
		err = zipOp(args[0], args[1], func(z *zipFile) error { return z.manifestAttrNames(args[2]) })
	case "v3-break-lineage":
		need(3)
		err = zipOp(args[0], args[1], func(z *zipFile) error { return z.v3BreakLineage(args[2]) })
	case "lineage-break":
		need(2)
		err = fileOp(args[0], args[1], lineageFileBreak)
	case "idsig-flip":
		need(3)
		err = fileOp(args[0], args[1], func(b []byte) error { return idsigFlip(b, args[2]) })
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "tamper %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

// ---------------------------------------------------------------------------
// ZIP model

type entry struct {
	name string
	cd   []byte // full central directory record (header+name+extra+comment)
	raw  []byte // local header + data (+ data descriptor), as found in the file
}

func (e *entry) method() uint16      { return le.Uint16(e.cd[10:]) }
func (e *entry) compSize() uint32    { return le.Uint32(e.cd[20:]) }
func (e *entry) localNameLen() int   { return int(le.Uint16(e.raw[26:])) }
func (e *entry) localExtraLen() int  { return int(le.Uint16(e.raw[28:])) }
func (e *entry) dataStart() int      { return 30 + e.localNameLen() + e.localExtraLen() }
func (e *entry) localName() string   { return string(e.raw[30 : 30+e.localNameLen()]) }
func (e *entry) localOffset() uint32 { return le.Uint32(e.cd[42:]) }

type zipFile struct {
	prefix   []byte // bytes before the first local header
	entries  []*entry
	sigBlock []byte // whole APK Signing Block, or nil
	gap      []byte // bytes between the central directory and the EOCD (other than ZIP64 records)
	comment  []byte
	zip64    bool // write a ZIP64 EOCD record + locator on output
	cdOrder  []*entry
}

func parseZip(b []byte) (*zipFile, error) {
	eocd := -1
	for i := len(b) - 22; i >= 0 && i >= len(b)-22-65535; i-- {
		if le.Uint32(b[i:]) == sigEOCD && i+22+int(le.Uint16(b[i+20:])) == len(b) {
			eocd = i
			break
		}
	}
	if eocd < 0 {
		return nil, errors.New("EOCD not found")
	}
	z := &zipFile{comment: append([]byte(nil), b[eocd+22:]...)}
	count := int(le.Uint16(b[eocd+10:]))
	cdSize := int(le.Uint32(b[eocd+12:]))
	cdOff := int(le.Uint32(b[eocd+16:]))
	if cdOff+cdSize > eocd {
		return nil, errors.New("central directory overlaps EOCD")
	}
	gapStart := cdOff + cdSize
	z.gap = append([]byte(nil), b[gapStart:eocd]...)
	if eocd >= 20 && le.Uint32(b[eocd-20:]) == sigZip64Locator {
		z.zip64 = true
		z.gap = nil // re-generated on output
	}
	// Central directory.
	p := cdOff
	for i := 0; i < count; i++ {
		if p+46 > len(b) || le.Uint32(b[p:]) != sigCentral {
			return nil, fmt.Errorf("bad central directory record %d at %d", i, p)
		}
		n := int(le.Uint16(b[p+28:]))
		m := int(le.Uint16(b[p+30:]))
		k := int(le.Uint16(b[p+32:]))
		rec := append([]byte(nil), b[p:p+46+n+m+k]...)
		z.entries = append(z.entries, &entry{name: string(b[p+46 : p+46+n]), cd: rec})
		p += 46 + n + m + k
	}
	z.cdOrder = append([]*entry(nil), z.entries...)
	// APK Signing Block.
	end := cdOff
	if cdOff >= 32 && bytes.Equal(b[cdOff-16:cdOff], apkSigMagic) {
		size := int(le.Uint64(b[cdOff-24:]))
		start := cdOff - size - 8
		if start < 0 || int(le.Uint64(b[start:])) != size {
			return nil, errors.New("inconsistent APK Signing Block sizes")
		}
		z.sigBlock = append([]byte(nil), b[start:cdOff]...)
		end = start
	}
	// Local records, in file order.
	sorted := append([]*entry(nil), z.entries...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].localOffset() < sorted[j].localOffset() })
	for i, e := range sorted {
		off := int(e.localOffset())
		stop := end
		if i+1 < len(sorted) {
			stop = int(sorted[i+1].localOffset())
		}
		if off > stop || off+30 > len(b) || le.Uint32(b[off:]) != sigLocal {
			return nil, fmt.Errorf("bad local header for %q at %d", e.name, off)
		}
		e.raw = append([]byte(nil), b[off:stop]...)
	}
	if len(sorted) > 0 {
		z.prefix = append([]byte(nil), b[:sorted[0].localOffset()]...)
	}
	z.entries = sorted
	return z, nil
}

func (z *zipFile) bytes() []byte {
	var out bytes.Buffer
	out.Write(z.prefix)
	for _, e := range z.entries {
		le.PutUint32(e.cd[42:], uint32(out.Len()))
		out.Write(e.raw)
	}
	if z.sigBlock != nil {
		out.Write(z.sigBlock)
	}
	cdOff := out.Len()
	for _, e := range z.cdOrder {
		out.Write(e.cd)
	}
	cdSize := out.Len() - cdOff
	out.Write(z.gap)
	if z.zip64 {
		z64 := out.Len()
		rec := make([]byte, 56)
		le.PutUint32(rec[0:], sigZip64EOCD)
		le.PutUint64(rec[4:], 44)
		le.PutUint16(rec[12:], 45)
		le.PutUint16(rec[14:], 45)
		le.PutUint64(rec[24:], uint64(len(z.cdOrder)))
		le.PutUint64(rec[32:], uint64(len(z.cdOrder)))
		le.PutUint64(rec[40:], uint64(cdSize))
		le.PutUint64(rec[48:], uint64(cdOff))
		out.Write(rec)
		loc := make([]byte, 20)
		le.PutUint32(loc[0:], sigZip64Locator)
		le.PutUint64(loc[8:], uint64(z64))
		le.PutUint32(loc[16:], 1)
		out.Write(loc)
	}
	eocd := make([]byte, 22)
	le.PutUint32(eocd[0:], sigEOCD)
	le.PutUint16(eocd[8:], uint16(len(z.cdOrder)))
	le.PutUint16(eocd[10:], uint16(len(z.cdOrder)))
	le.PutUint32(eocd[12:], uint32(cdSize))
	le.PutUint32(eocd[16:], uint32(cdOff))
	le.PutUint16(eocd[20:], uint16(len(z.comment)))
	out.Write(eocd)
	out.Write(z.comment)
	return out.Bytes()
}

func (z *zipFile) find(name string) *entry {
	for _, e := range z.entries {
		if e.name == name {
			return e
		}
	}
	return nil
}

func zipOp(in, out string, f func(*zipFile) error) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	z, err := parseZip(b)
	if err != nil {
		return fmt.Errorf("%s: %v", in, err)
	}
	if err := f(z); err != nil {
		return err
	}
	return os.WriteFile(out, z.bytes(), 0o644)
}

func fileOp(in, out string, f func([]byte) error) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if err := f(b); err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// ---------------------------------------------------------------------------
// ZIP shapes

func (z *zipFile) flipEntry(name string) error {
	e := z.find(name)
	if e == nil {
		return fmt.Errorf("no entry %q", name)
	}
	n := int(e.compSize())
	if n == 0 {
		return fmt.Errorf("entry %q has no data", name)
	}
	e.raw[e.dataStart()+n/2] ^= 0x01
	return nil
}

// addStored appends a stored entry after the last local record, keeping the
// data 4-byte aligned (as zipalign would) via padding in the extra field.
func (z *zipFile) addStored(name string, data []byte) {
	off := len(z.prefix)
	for _, e := range z.entries {
		off += len(e.raw)
	}
	pad := (4 - (off+30+len(name))%4) % 4
	crc := crc32.ChecksumIEEE(data)
	lh := make([]byte, 30+len(name)+pad)
	le.PutUint32(lh[0:], sigLocal)
	le.PutUint16(lh[4:], 10)
	le.PutUint16(lh[10:], 0x0000) // 00:00:00
	le.PutUint16(lh[12:], 0x0021) // 1980-01-01
	le.PutUint32(lh[14:], crc)
	le.PutUint32(lh[18:], uint32(len(data)))
	le.PutUint32(lh[22:], uint32(len(data)))
	le.PutUint16(lh[26:], uint16(len(name)))
	le.PutUint16(lh[28:], uint16(pad))
	copy(lh[30:], name)
	cd := make([]byte, 46+len(name))
	le.PutUint32(cd[0:], sigCentral)
	le.PutUint16(cd[4:], 10)
	le.PutUint16(cd[6:], 10)
	copy(cd[10:30], lh[8:28])
	le.PutUint16(cd[30:], 0) // no extra in CD
	copy(cd[46:], name)
	e := &entry{name: name, cd: cd, raw: append(lh, data...)}
	z.entries = append(z.entries, e)
	z.cdOrder = append(z.cdOrder, e)
}

func (z *zipFile) localName(name, newName string) error {
	e := z.find(name)
	if e == nil {
		return fmt.Errorf("no entry %q", name)
	}
	if len(newName) != len(name) {
		return errors.New("NEWNAME must have the same length as NAME")
	}
	copy(e.raw[30:], newName)
	return nil
}

// ---------------------------------------------------------------------------
// APK Signing Block

type pair struct {
	id         uint32
	start, end int // value bounds within the signing block
}

func (z *zipFile) pairs() ([]pair, error) {
	if z.sigBlock == nil {
		return nil, errors.New("no APK Signing Block")
	}
	b := z.sigBlock
	var ps []pair
	p, end := 8, len(b)-24
	for p < end {
		if p+12 > end {
			return nil, errors.New("truncated pair")
		}
		n := int(le.Uint64(b[p:]))
		if n < 4 || p+8+n > end {
			return nil, errors.New("bad pair length")
		}
		ps = append(ps, pair{id: le.Uint32(b[p+8:]), start: p + 12, end: p + 8 + n})
		p += 8 + n
	}
	return ps, nil
}

func schemeID(s string) (uint32, error) {
	switch s {
	case "v2":
		return idV2, nil
	case "v3":
		return idV3, nil
	case "v31":
		return idV31, nil
	}
	return 0, fmt.Errorf("unknown scheme %q", s)
}

func (z *zipFile) findPair(scheme string) (pair, error) {
	id, err := schemeID(scheme)
	if err != nil {
		return pair{}, err
	}
	ps, err := z.pairs()
	if err != nil {
		return pair{}, err
	}
	for _, p := range ps {
		if p.id == id {
			return p, nil
		}
	}
	return pair{}, fmt.Errorf("no %s block", scheme)
}

// lp reads a uint32-length-prefixed slice at b[off:], returning the start
// and end of its contents.
func lp(b []byte, off int) (int, int, error) {
	if off+4 > len(b) {
		return 0, 0, errors.New("truncated length prefix")
	}
	n := int(le.Uint32(b[off:]))
	if off+4+n > len(b) {
		return 0, 0, fmt.Errorf("length %d at %d overruns %d", n, off, len(b))
	}
	return off + 4, off + 4 + n, nil
}

// signerLayout locates the parts of the first signer of a v2/v3 block value.
type signerLayout struct {
	signedData, signedDataEnd int // contents of the signed-data field
	sigs, sigsEnd             int // contents of the signatures sequence
}

func firstSigner(b []byte, p pair) (signerLayout, error) {
	var s signerLayout
	ss, _, err := lp(b, p.start) // signers sequence
	if err != nil {
		return s, err
	}
	sg, sgEnd, err := lp(b, ss) // first signer
	if err != nil {
		return s, err
	}
	s.signedData, s.signedDataEnd, err = lp(b, sg)
	if err != nil {
		return s, err
	}
	q := s.signedDataEnd
	if le.Uint32(b[p.start-4:]) == idV3 || le.Uint32(b[p.start-4:]) == idV31 {
		q += 8 // minSdk, maxSdk
	}
	s.sigs, s.sigsEnd, err = lp(b, q)
	if err != nil {
		return s, err
	}
	if s.sigsEnd > sgEnd {
		return s, errors.New("signatures overrun signer")
	}
	return s, nil
}

func (z *zipFile) flipSig(scheme string) error {
	p, err := z.findPair(scheme)
	if err != nil {
		return err
	}
	s, err := firstSigner(z.sigBlock, p)
	if err != nil {
		return err
	}
	// signatures: lp(sig) where sig = uint32 algo, lp(bytes)
	sig, _, err := lp(z.sigBlock, s.sigs)
	if err != nil {
		return err
	}
	_, bEnd, err := lp(z.sigBlock, sig+4)
	if err != nil {
		return err
	}
	z.sigBlock[bEnd-1] ^= 0x01
	return nil
}

func (z *zipFile) removePair(scheme string) error {
	p, err := z.findPair(scheme)
	if err != nil {
		return err
	}
	b := z.sigBlock
	nb := append([]byte(nil), b[:p.start-12]...)
	nb = append(nb, b[p.end:]...)
	size := uint64(len(nb) - 8)
	le.PutUint64(nb[0:], size)
	le.PutUint64(nb[len(nb)-24:], size)
	z.sigBlock = nb
	return nil
}

// v3BreakLineage damages the A->B link inside the v3 signer's lineage
// attribute and then recomputes the v3 signer's signature over its signed
// data with key, so that the v3 signature itself stays valid.
func (z *zipFile) v3BreakLineage(keyFile string) error {
	p, err := z.findPair("v3")
	if err != nil {
		return err
	}
	b := z.sigBlock
	s, err := firstSigner(b, p)
	if err != nil {
		return err
	}
	// signed data: lp(digests), lp(certs), u32 min, u32 max, lp(attrs)
	_, q, err := lp(b, s.signedData)
	if err != nil {
		return err
	}
	_, q, err = lp(b, q)
	if err != nil {
		return err
	}
	as, aEnd, err := lp(b, q+8)
	if err != nil {
		return err
	}
	found := false
	for a := as; a < aEnd; {
		v, vEnd, err := lp(b, a)
		if err != nil {
			return err
		}
		if le.Uint32(b[v:]) == idLineage {
			off, err := lineageLastSig(b[:vEnd], v+4)
			if err != nil {
				return err
			}
			b[off] ^= 0x01
			found = true
		}
		a = vEnd
	}
	if !found {
		return errors.New("v3 signer has no lineage attribute")
	}
	// Re-sign: signatures = lp(uint32 algo, lp(sig bytes)); replace the first.
	sig, _, err := lp(b, s.sigs)
	if err != nil {
		return err
	}
	algo := le.Uint32(b[sig:])
	sb, sbEnd, err := lp(b, sig+4)
	if err != nil {
		return err
	}
	keyDER, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	k, err := x509.ParsePKCS8PrivateKey(keyDER)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(b[s.signedData:s.signedDataEnd])
	var newSig []byte
	switch key := k.(type) {
	case *rsa.PrivateKey:
		if algo != 0x0103 {
			return fmt.Errorf("unsupported algorithm 0x%04x for RSA key", algo)
		}
		newSig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	case *ecdsa.PrivateKey:
		if algo != 0x0201 {
			return fmt.Errorf("unsupported algorithm 0x%04x for EC key", algo)
		}
		newSig, err = ecdsa.SignASN1(rand.Reader, key, digest[:])
	default:
		return fmt.Errorf("unsupported key type %T", k)
	}
	if err != nil {
		return err
	}
	if len(newSig) != sbEnd-sb {
		return fmt.Errorf("new signature length %d != old %d", len(newSig), sbEnd-sb)
	}
	copy(b[sb:sbEnd], newSig)
	return nil
}

// lineageLastSig returns the offset of the last byte of the last node's
// signature in an encoded lineage (uint32 version, then lp(node)...) that
// starts at b[off:] and ends at len(b).
// node = lp(signed data = lp(cert), u32 sigAlgo), u32 flags, u32 sigAlgo, lp(signature)
func lineageLastSig(b []byte, off int) (int, error) {
	last := -1
	for p := off + 4; p < len(b); {
		n, nEnd, err := lp(b, p)
		if err != nil {
			return 0, err
		}
		_, q, err := lp(b, n)
		if err != nil {
			return 0, err
		}
		sb, sEnd, err := lp(b, q+8)
		if err != nil {
			return 0, err
		}
		if sEnd > sb {
			last = sEnd - 1
		}
		p = nEnd
	}
	if last < 0 {
		return 0, errors.New("lineage has no signed link")
	}
	return last, nil
}

func lineageFileBreak(b []byte) error {
	if len(b) < 12 || le.Uint32(b) != 0x3eff39d1 {
		return errors.New("not a lineage file (bad magic)")
	}
	s, e, err := lp(b, 8)
	if err != nil {
		return err
	}
	off, err := lineageLastSig(b[:e], s)
	if err != nil {
		return err
	}
	b[off] ^= 0x01
	return nil
}

// ---------------------------------------------------------------------------
// v4 .idsig: u32 version, lp(hashing info), lp(signing info), lp(merkle tree)
// signing info: lp(apk digest), lp(cert), lp(additional data), lp(public key), u32 algo, lp(signature)

func idsigFlip(b []byte, what string) error {
	if len(b) < 4 {
		return errors.New("short idsig")
	}
	_, hEnd, err := lp(b, 4)
	if err != nil {
		return err
	}
	si, siEnd, err := lp(b, hEnd)
	if err != nil {
		return err
	}
	switch what {
	case "sig":
		q := si
		for i := 0; i < 4; i++ {
			if _, q, err = lp(b[:siEnd], q); err != nil {
				return err
			}
		}
		_, sEnd, err := lp(b[:siEnd], q+4)
		if err != nil {
			return err
		}
		b[sEnd-1] ^= 0x01
	case "tree":
		t, tEnd, err := lp(b, siEnd)
		if err != nil {
			return err
		}
		if tEnd == t {
			return errors.New("empty Merkle tree")
		}
		b[t+(tEnd-t)/2] ^= 0x01
	default:
		return fmt.Errorf("idsig-flip: want sig or tree, got %q", what)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Binary XML string pool rewrite

func (z *zipFile) manifestAttrNames(mode string) error {
	if mode != "empty" && mode != "garbage" {
		return fmt.Errorf("mode must be empty or garbage, not %q", mode)
	}
	e := z.find("AndroidManifest.xml")
	if e == nil {
		return errors.New("no AndroidManifest.xml")
	}
	ds := e.dataStart()
	raw := e.raw[ds : ds+int(e.compSize())]
	var x []byte
	switch e.method() {
	case 0:
		x = append([]byte(nil), raw...)
	case 8:
		d, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return err
		}
		x = d
	default:
		return fmt.Errorf("unsupported compression method %d", e.method())
	}
	n, err := rewriteAttrNames(x, mode)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "manifest-attrnames: rewrote %d attribute names\n", n)
	return e.setData(x)
}

// setData replaces an entry's contents (same compression method), fixing
// CRC and sizes in both headers. The archive is rewritten by bytes(), so
// later offsets move; run zipalign afterwards if alignment matters.
func (e *entry) setData(x []byte) error {
	if le.Uint16(e.raw[6:])&0x08 != 0 {
		return errors.New("entries with data descriptors are not supported")
	}
	data := x
	if e.method() == 8 {
		var buf bytes.Buffer
		w, err := flate.NewWriter(&buf, flate.BestCompression)
		if err != nil {
			return err
		}
		w.Write(x)
		if err := w.Close(); err != nil {
			return err
		}
		data = buf.Bytes()
	}
	crc := crc32.ChecksumIEEE(x)
	hdr := append([]byte(nil), e.raw[:e.dataStart()]...)
	for _, h := range [][]byte{hdr[14:], e.cd[16:]} {
		le.PutUint32(h[0:], crc)
		le.PutUint32(h[4:], uint32(len(data)))
		le.PutUint32(h[8:], uint32(len(x)))
	}
	e.raw = append(hdr, data...)
	return nil
}

func rewriteAttrNames(x []byte, mode string) (int, error) {
	if len(x) < 8 || le.Uint16(x) != 0x0003 {
		return 0, errors.New("not a binary XML document")
	}
	sp := int(le.Uint16(x[2:])) // first chunk after the XML header
	if le.Uint16(x[sp:]) != 0x0001 {
		return 0, errors.New("first chunk is not a string pool")
	}
	spHdr := int(le.Uint16(x[sp+2:]))
	spSize := int(le.Uint32(x[sp+4:]))
	count := int(le.Uint32(x[sp+8:]))
	utf8 := le.Uint32(x[sp+16:])&(1<<8) != 0
	strStart := sp + int(le.Uint32(x[sp+20:]))
	rm := sp + spSize
	if le.Uint16(x[rm:]) != 0x0180 {
		return 0, errors.New("no resource map after the string pool")
	}
	rmHdr := int(le.Uint16(x[rm+2:]))
	nids := (int(le.Uint32(x[rm+4:])) - rmHdr) / 4
	changed := 0
	for i := 0; i < nids && i < count; i++ {
		id := le.Uint32(x[rm+rmHdr+4*i:])
		if id>>16 != 0x0101 { // android: framework attribute IDs only
			continue
		}
		so := strStart + int(le.Uint32(x[sp+spHdr+4*i:]))
		if utf8 {
			// u8 char len, u8 byte len (short forms only), bytes, NUL
			if x[so]&0x80 != 0 || x[so+1]&0x80 != 0 {
				return 0, errors.New("long UTF-8 string not supported")
			}
			bl := int(x[so+1])
			if mode == "empty" {
				x[so], x[so+1], x[so+2] = 0, 0, 0
			} else {
				rot13(x[so+2 : so+2+bl])
			}
		} else {
			if le.Uint16(x[so:])&0x8000 != 0 {
				return 0, errors.New("long UTF-16 string not supported")
			}
			cl := int(le.Uint16(x[so:]))
			if mode == "empty" {
				le.PutUint16(x[so:], 0)
				le.PutUint16(x[so+2:], 0)
			} else {
				for j := 0; j < cl; j++ {
					c := le.Uint16(x[so+2+2*j:])
					if c < 0x80 {
						t := []byte{byte(c)}
						rot13(t)
						le.PutUint16(x[so+2+2*j:], uint16(t[0]))
					}
				}
			}
		}
		changed++
	}
	if changed == 0 {
		return 0, errors.New("no android: attribute names found")
	}
	return changed, nil
}

func rot13(b []byte) {
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
}

// ---------------------------------------------------------------------------
// info: a read-back of the layout, used by make-fixtures.sh to check shapes

func info(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	z, err := parseZip(b)
	if err != nil {
		return err
	}
	fmt.Printf("file: %s (%d bytes)\n", path, len(b))
	if len(z.prefix) > 0 {
		fmt.Printf("prefix: %d bytes before first local header (starts %q)\n", len(z.prefix), z.prefix[:min(8, len(z.prefix))])
	}
	fmt.Printf("entries (file order): %d\n", len(z.entries))
	var off int = len(z.prefix)
	names := map[string]int{}
	for _, e := range z.entries {
		meth := "stored"
		if e.method() == 8 {
			meth = "deflated"
		}
		fmt.Printf("  @%-6d data@%-6d %-8s size=%-6d %s", off, off+e.dataStart(), meth, e.compSize(), e.name)
		if ln := e.localName(); ln != e.name {
			fmt.Printf("  [LOCAL NAME %q differs]", ln)
		}
		fmt.Println()
		names[e.name]++
		off += len(e.raw)
	}
	for n, c := range names {
		if c > 1 {
			fmt.Printf("duplicate entry name: %q x%d\n", n, c)
		}
	}
	if z.sigBlock == nil {
		fmt.Println("APK Signing Block: none")
	} else {
		fmt.Printf("APK Signing Block: @%d, %d bytes\n", off, len(z.sigBlock))
		ps, err := z.pairs()
		if err != nil {
			fmt.Printf("  unparseable: %v\n", err)
		}
		for _, p := range ps {
			fmt.Printf("  pair id=0x%08x (%s) %d bytes\n", p.id, pairName(p.id), p.end-p.start)
		}
		off += len(z.sigBlock)
	}
	cdSize := 0
	for _, e := range z.cdOrder {
		cdSize += len(e.cd)
	}
	fmt.Printf("central directory: @%d, %d bytes, %d records\n", off, cdSize, len(z.cdOrder))
	if len(z.gap) > 0 {
		fmt.Printf("gap before EOCD: %d bytes\n", len(z.gap))
	}
	if z.zip64 {
		fmt.Println("ZIP64 end of central directory locator: present")
	}
	fmt.Printf("EOCD comment: %d bytes\n", len(z.comment))
	return nil
}

func pairName(id uint32) string {
	switch id {
	case idV2:
		return "v2"
	case idV3:
		return "v3"
	case idV31:
		return "v3.1"
	case 0x42726577:
		return "verity padding"
	case 0x6dff800d:
		return "source stamp"
	}
	return "unknown"
}
