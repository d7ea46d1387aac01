package main

import (
	"errors"
	"runtime/debug"
	"strings"

	"github.com/apktrust/apktrust/apkverify"
	"github.com/apktrust/apktrust/signer"
)

// The response body is the JSON the apktrust CLI (examples/apktrust)
// prints with --json for one file: the encoding of apkverify.Result,
// preceded by "tool", "verdict" and "fileHex"; an input that could not be
// verified gets {"file", "verified": false, "trusted": false, "error":
// {"code", "kind", "message"}} instead. The CLI keeps that envelope in
// its package main, a few lines of presentation rather than library API,
// so it is replicated here with the same field names and verdict words
// (only the tool name differs); TestResponseMatchesCLI holds the two
// together.

// toolName is the "tool" name in every response.
const toolName = "apktrustd"

// fallbackVersion is reported when the binary carries no module version.
const fallbackVersion = "v0.2.0"

type toolJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

var toolVersion = func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return fallbackVersion
}()

func toolInfo() toolJSON { return toolJSON{Name: toolName, Version: toolVersion} }

type envelope struct {
	Tool    toolJSON `json:"tool"`
	Verdict string   `json:"verdict"`
	// FileHex is the multipart file name's bytes in hex when they are not
	// valid UTF-8 (JSON replaces such bytes in "file").
	FileHex string `json:"fileHex,omitempty"`
}

// Verdicts, as the CLI's --json writes them. The service always applies a
// policy (or reports that none exists), so results are trusted or
// not-trusted, and so is a file that is not an APK (400); cannot-read is
// every other answer without a Result (limits, refusals).
const (
	verdictTrusted    = "trusted"
	verdictNotTrusted = "not-trusted"
	verdictCannotRead = "cannot-read"
	// verdictNone labels metrics and logs of requests never judged
	// (client gone); it is never sent.
	verdictNone = "none"
)

func verdictOf(res *apkverify.Result) string {
	if res.Verified && res.Trusted && res.Policy != nil {
		return verdictTrusted
	}
	return verdictNotTrusted
}

type errorJSON struct {
	File     string `json:"file"`
	Verified bool   `json:"verified"`
	// Trusted is always false: the service always judges by a policy.
	Trusted bool        `json:"trusted"`
	Error   errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// InputKind names the kind of input refused as unsupported: aab,
	// apk-set (an .apks/.xapk-style archive of APKs) or split-set
	// (several multipart file parts).
	InputKind string `json:"inputKind,omitempty"`
	// File is copied to errorJSON.File.
	File string `json:"-"`
}

// Codes of the service's own errors (error.code), stable like the
// library's. Errors from apkverify keep the library's codes.
const (
	codeNoPolicy        = "POLICY_UNKNOWN_PACKAGE"
	codeBadRequest      = "BAD_REQUEST"
	codeBodyTooLarge    = "BODY_TOO_LARGE"
	codeTooManyParts    = "TOO_MANY_PARTS"
	codeUnsupportedType = "UNSUPPORTED_MEDIA_TYPE"
	codeUnsupportedKind = "UNSUPPORTED_INPUT_KIND"
	codeTooManyUploads  = "TOO_MANY_UPLOADS"
	codeQueueFull       = "QUEUE_FULL"
	codeShuttingDown    = "SHUTTING_DOWN"
	codeDeadline        = "DEADLINE_EXCEEDED"
	codeReadTimeout     = "READ_TIMEOUT"
	codeUnauthorized    = "UNAUTHORIZED"
	codeMethod          = "METHOD_NOT_ALLOWED"
	codeInternal        = "INTERNAL"
)

// Kinds of error (error.kind): the CLI's for apkverify errors
// (not-an-apk, manifest, io), and the service's own.
const (
	kindRequest     = "request"
	kindLimit       = "limit"
	kindUnsupported = "unsupported"
	kindUnavailable = "unavailable"
	kindInternal    = "internal"
)

// apkverifyDetail describes an apkverify error as the CLI does.
func apkverifyDetail(err error) errorDetail {
	code := "ERROR"
	var ve *signer.Error
	if errors.As(err, &ve) {
		code = string(ve.Code)
	}
	return errorDetail{Code: code, Kind: apkverify.KindName(err), Message: strings.TrimPrefix(err.Error(), code+": ")}
}
