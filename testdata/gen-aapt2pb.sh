#!/bin/sh
# Regenerates internal/aapt2pb/resources.pb.go from resources.proto.
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-go at the version
# of google.golang.org/protobuf in go.mod:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
set -eu
cd "$(dirname "$0")/.."
protoc --go_out=. --go_opt=module=github.com/apktrust/apktrust internal/aapt2pb/resources.proto
