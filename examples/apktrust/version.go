package main

import "runtime/debug"

// fallbackVersion is the version reported when the binary carries no
// module version (built from a checkout without VCS stamping). Keep it
// equal to the latest release in CHANGELOG.md.
const fallbackVersion = "v0.2.0"

// toolVersion is the module version the binary was built from: the
// release tag for go install ...@vX.Y.Z, a pseudo-version for a build of
// a checkout, fallbackVersion when neither is known.
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return fallbackVersion
}

// toolJSON is the "tool" object of every --json line.
type toolJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

func tool() toolJSON { return toolJSON{Name: progName, Version: toolVersion()} }
