package apkgen

import (
	"bytes"
	"encoding/binary"
)

// Chunk types and value types of Android's binary XML (ResourceTypes.h).
const (
	resStringPoolType   = 0x0001
	resXMLType          = 0x0003
	resXMLStartNSType   = 0x0100
	resXMLEndNSType     = 0x0101
	resXMLStartElemType = 0x0102
	resXMLEndElemType   = 0x0103
	resXMLResMapType    = 0x0180

	utf8Flag = 1 << 8

	typeString = 0x03
	typeIntDec = 0x10

	noIndex = 0xffffffff
)

// Framework attribute resource IDs (android.R.attr) of the attributes the
// minimal manifest uses; the resource map ties each name to its ID, which is
// how Android (and aapt) identify android: attributes.
var attrIDs = []uint32{
	0x0101021b, // versionCode
	0x0101021c, // versionName
	0x0101020c, // minSdkVersion
	0x01010270, // targetSdkVersion
	0x01010001, // label
}

// The string pool: attribute names first, in the order of attrIDs.
var manifestStrings = []string{
	"versionCode", "versionName", "minSdkVersion", "targetSdkVersion", "label",
	"android", "http://schemas.android.com/apk/res/android",
	"manifest", "package", "com.example.apkgen", "1.0", "uses-sdk", "application", "apkgen",
}

const (
	sVersionCode = iota
	sVersionName
	sMinSdk
	sTargetSdk
	sLabel
	sAndroid
	sAndroidURI
	sManifest
	sPackage
	sPackageName
	sVersionNameValue
	sUsesSdk
	sApplication
	sLabelValue
)

// MinimalManifest returns a small binary AndroidManifest.xml, built here
// rather than copied from any APK:
//
//	<manifest xmlns:android="…" package="com.example.apkgen"
//	          android:versionCode="1" android:versionName="1.0">
//	  <uses-sdk android:minSdkVersion="24" android:targetSdkVersion="33"/>
//	  <application android:label="apkgen"/>
//	</manifest>
func MinimalManifest() []byte {
	var body bytes.Buffer
	body.Write(stringPool(manifestStrings))

	resMap := make([]byte, 8+4*len(attrIDs))
	putChunkHeader(resMap, resXMLResMapType, 8, len(resMap))
	for i, id := range attrIDs {
		binary.LittleEndian.PutUint32(resMap[8+4*i:], id)
	}
	body.Write(resMap)

	body.Write(namespaceNode(resXMLStartNSType, 1))
	body.Write(startElement(1, sManifest,
		attr{noIndex, sPackage, sPackageName, typeString, sPackageName},
		attr{sAndroidURI, sVersionCode, noIndex, typeIntDec, 1},
		attr{sAndroidURI, sVersionName, sVersionNameValue, typeString, sVersionNameValue},
	))
	body.Write(startElement(2, sUsesSdk,
		attr{sAndroidURI, sMinSdk, noIndex, typeIntDec, 24},
		attr{sAndroidURI, sTargetSdk, noIndex, typeIntDec, 33},
	))
	body.Write(endElement(2, sUsesSdk))
	body.Write(startElement(3, sApplication,
		attr{sAndroidURI, sLabel, sLabelValue, typeString, sLabelValue},
	))
	body.Write(endElement(3, sApplication))
	body.Write(endElement(4, sManifest))
	body.Write(namespaceNode(resXMLEndNSType, 4))

	out := make([]byte, 8, 8+body.Len())
	putChunkHeader(out, resXMLType, 8, 8+body.Len())
	return append(out, body.Bytes()...)
}

func putChunkHeader(b []byte, typ, headerSize uint16, size int) {
	binary.LittleEndian.PutUint16(b, typ)
	binary.LittleEndian.PutUint16(b[2:], headerSize)
	binary.LittleEndian.PutUint32(b[4:], uint32(size))
}

// stringPool encodes UTF-8 strings shorter than 128 bytes (all of ours).
func stringPool(strs []string) []byte {
	const headerSize = 28
	var data bytes.Buffer
	offsets := make([]byte, 4*len(strs))
	for i, s := range strs {
		binary.LittleEndian.PutUint32(offsets[4*i:], uint32(data.Len()))
		data.WriteByte(byte(len(s))) // length in characters (ASCII here)
		data.WriteByte(byte(len(s))) // length in bytes
		data.WriteString(s)
		data.WriteByte(0)
	}
	for data.Len()%4 != 0 {
		data.WriteByte(0)
	}
	size := headerSize + len(offsets) + data.Len()
	b := make([]byte, headerSize, size)
	putChunkHeader(b, resStringPoolType, headerSize, size)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(strs)))
	binary.LittleEndian.PutUint32(b[12:], 0) // styles
	binary.LittleEndian.PutUint32(b[16:], utf8Flag)
	binary.LittleEndian.PutUint32(b[20:], uint32(headerSize+len(offsets)))
	binary.LittleEndian.PutUint32(b[24:], 0)
	b = append(b, offsets...)
	return append(b, data.Bytes()...)
}

// node returns a tree node header (chunk header, line number, comment).
func node(typ uint16, line uint32, size int) []byte {
	b := make([]byte, 16, size)
	putChunkHeader(b, typ, 16, size)
	binary.LittleEndian.PutUint32(b[8:], line)
	binary.LittleEndian.PutUint32(b[12:], noIndex)
	return b
}

func namespaceNode(typ uint16, line uint32) []byte {
	b := node(typ, line, 24)
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(b, sAndroid), sAndroidURI)
}

type attr struct {
	ns, name, raw uint32
	dataType      uint8
	data          uint32
}

func startElement(line uint32, name uint32, attrs ...attr) []byte {
	b := node(resXMLStartElemType, line, 16+20+20*len(attrs))
	b = binary.LittleEndian.AppendUint32(b, noIndex) // element namespace
	b = binary.LittleEndian.AppendUint32(b, name)
	b = binary.LittleEndian.AppendUint16(b, 20) // attributeStart
	b = binary.LittleEndian.AppendUint16(b, 20) // attributeSize
	b = binary.LittleEndian.AppendUint16(b, uint16(len(attrs)))
	b = append(b, 0, 0, 0, 0, 0, 0) // id, class and style indexes
	for _, a := range attrs {
		b = binary.LittleEndian.AppendUint32(b, a.ns)
		b = binary.LittleEndian.AppendUint32(b, a.name)
		b = binary.LittleEndian.AppendUint32(b, a.raw)
		b = binary.LittleEndian.AppendUint16(b, 8) // Res_value size
		b = append(b, 0, a.dataType)
		b = binary.LittleEndian.AppendUint32(b, a.data)
	}
	return b
}

func endElement(line uint32, name uint32) []byte {
	b := node(resXMLEndElemType, line, 24)
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(b, noIndex), name)
}
