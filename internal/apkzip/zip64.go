package apkzip

import (
	"encoding/binary"

	"github.com/apktrust/apktrust/signer"
)

// CodeZip64Records is a finding: the file has a ZIP64 End of Central
// Directory record and locator whose values all fit in 32 bits and agree
// with the classic record (tools that always write ZIP64 records). Every
// reader then sees the same central directory, so the file is read. The
// records sit between the central directory and the EOCD, so, as in
// apksig and the platform (whose v2+ verifier refuses ZIP64 APKs), the
// APK Signing Block is not used: only a JAR signature can verify.
const CodeZip64Records = signer.CodeZip64Records

const (
	zip64EOCDSig     = 0x06064b50
	zip64EOCDMinSize = 56
)

// checkZip64 reads the ZIP64 locator at locOff and the record it points
// to. It accepts them only when they describe exactly what the classic
// EOCD (already parsed into its raw fields) describes; any value that
// differs, or a record that is missing or malformed, is refused: a reader
// that honours ZIP64 (libziparchive) and one that does not (apksig) would
// then see different central directories.
//
// Layouts (APPNOTE 4.3.14, 4.3.15), little-endian:
//
//	locator: sig, uint32 disk of the record, uint64 record offset,
//	         uint32 total disks
//	record:  sig, uint64 size of the rest, uint16 version made by,
//	         uint16 version needed, uint32 disk, uint32 directory disk,
//	         uint64 entries on disk, uint64 total entries,
//	         uint64 directory size, uint64 directory offset
func (a *Archive) checkZip64(locOff int64, totalEntries uint16, cdSize, cdOff uint32) error {
	var loc [zip64LocSize]byte
	if err := readAt(a.r, loc[:], locOff); err != nil {
		return err
	}
	le := binary.LittleEndian
	recDisk, recOff, disks := le.Uint32(loc[4:]), le.Uint64(loc[8:]), le.Uint32(loc[16:])
	if recDisk != 0 || disks > 1 {
		return errorf(CodeZip64, "", locOff, "ZIP64 locator describes a multi-disk archive (record on disk %d of %d)", recDisk, disks)
	}
	if recOff > uint64(locOff) || uint64(locOff)-recOff < zip64EOCDMinSize {
		return errorf(CodeZip64, "", locOff, "ZIP64 locator points at offset %d, where no ZIP64 End of Central Directory record fits before the locator at %d", recOff, locOff)
	}
	var rec [zip64EOCDMinSize]byte
	if err := readAt(a.r, rec[:], int64(recOff)); err != nil {
		return err
	}
	size := le.Uint64(rec[4:])
	if le.Uint32(rec[:]) != zip64EOCDSig || size < zip64EOCDMinSize-12 || size > uint64(locOff)-recOff-12 {
		return errorf(CodeZip64, "", int64(recOff), "no well-formed ZIP64 End of Central Directory record where the locator points")
	}
	disk, cdDisk := le.Uint32(rec[16:]), le.Uint32(rec[20:])
	diskEntries, entries := le.Uint64(rec[24:]), le.Uint64(rec[32:])
	size64, off64 := le.Uint64(rec[40:]), le.Uint64(rec[48:])
	if disk != 0 || cdDisk != 0 || diskEntries != entries ||
		entries != uint64(totalEntries) || size64 != uint64(cdSize) || off64 != uint64(cdOff) {
		return errorf(CodeZip64, "", int64(recOff),
			"ZIP64 End of Central Directory record (%d entries, directory of %d bytes at %d) disagrees with the classic record (%d entries, %d bytes at %d): readers would see different archives",
			entries, size64, off64, totalEntries, cdSize, cdOff)
	}
	a.Findings = append(a.Findings, *errorf(CodeZip64Records, "", int64(recOff),
		"ZIP64 End of Central Directory record and locator agree with the classic record; read as the classic record (they sit before the EOCD, so an APK Signing Block is not used)"))
	return nil
}
