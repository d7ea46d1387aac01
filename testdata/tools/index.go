//go:build ignore

// Command index writes testdata/fixtures.json and testdata/keys/keys.json
// from the spec written by make-fixtures.sh and the recorded apksigner
// output. Standard library only:
//
//	go run testdata/tools/index.go fixtures SPEC.tsv OUT.json   (run in testdata/)
//	go run testdata/tools/index.go keys KEYDIR OUT.json
//
// SPEC.tsv has one fixture per line, tab separated:
//
//	kind file pairedApk description tamper keys(comma) minSdk runs(space) badging xmltree
//
// where "-" means empty. Each run file starts with "$ apksigner ARGS..." and
// ends with "exit code: N"; everything in between is apksigner's combined
// stdout and stderr.
package main

import (
	"bufio"
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

type schemes struct {
	V1  bool `json:"v1"`
	V2  bool `json:"v2"`
	V3  bool `json:"v3"`
	V31 bool `json:"v31"`
	V4  bool `json:"v4"`
}

type verdict struct {
	Label            string   `json:"label"`
	Output           string   `json:"output"`
	Args             []string `json:"args"`
	ExitCode         int      `json:"exitCode"`
	Verifies         bool     `json:"verifies"`
	Schemes          schemes  `json:"schemes"`
	SignerCertSha256 []string `json:"signerCertSha256"`
	Errors           []string `json:"errors"`
	Warnings         []string `json:"warnings"`
}

type fixture struct {
	File           string    `json:"file"`
	Kind           string    `json:"kind"`
	PairedApk      string    `json:"pairedApk,omitempty"`
	Description    string    `json:"description"`
	Tamper         string    `json:"tamper"`
	Keys           []string  `json:"keys"`
	MinSdk         int       `json:"minSdk"`
	MinSdkCodename string    `json:"minSdkCodename,omitempty"`
	Size           int64     `json:"size"`
	Sha256         string    `json:"sha256"`
	Apksigner      *verdict  `json:"apksigner"`
	ApksignerRuns  []verdict `json:"apksignerRuns"`
	AaptBadging    string    `json:"aaptBadging,omitempty"`
	AaptXmltree    string    `json:"aaptXmltree,omitempty"`
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: index fixtures SPEC.tsv OUT.json | index keys KEYDIR OUT.json")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fixtures":
		err = fixtures(os.Args[2], os.Args[3])
	case "keys":
		err = keys(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "index:", err)
		os.Exit(1)
	}
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func fixtures(specPath, outPath string) error {
	spec, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	list := []fixture{}
	for i, line := range strings.Split(strings.TrimRight(string(spec), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 10 {
			return fmt.Errorf("%s:%d: want 10 fields, got %d", specPath, i+1, len(f))
		}
		fx := fixture{
			Kind:        f[0],
			File:        f[1],
			PairedApk:   dash(f[2]),
			Description: f[3],
			Tamper:      dash(f[4]),
			Keys:        []string{},
			AaptBadging: dash(f[8]),
			AaptXmltree: dash(f[9]),
		}
		if k := dash(f[5]); k != "" {
			fx.Keys = strings.Split(k, ",")
		}
		if n, err := strconv.Atoi(f[6]); err == nil {
			fx.MinSdk = n
		} else {
			fx.MinSdkCodename = f[6]
		}
		b, err := os.ReadFile(fx.File)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		fx.Size = int64(len(b))
		fx.Sha256 = hex.EncodeToString(sum[:])
		fx.ApksignerRuns = []verdict{}
		for _, r := range strings.Fields(dash(f[7])) {
			v, err := parseRun(r)
			if err != nil {
				return err
			}
			fx.ApksignerRuns = append(fx.ApksignerRuns, v)
		}
		if len(fx.ApksignerRuns) > 0 {
			fx.Apksigner = &fx.ApksignerRuns[0]
		}
		list = append(list, fx)
	}
	return writeJSON(outPath, list)
}

var certRE = regexp.MustCompile(`certificate SHA-256 digest: ([0-9a-f]{64})`)

func parseRun(path string) (verdict, error) {
	v := verdict{Output: path, Args: []string{}, SignerCertSha256: []string{}, Errors: []string{}, Warnings: []string{}}
	base := filepath.Base(path)
	v.Label = "default"
	if parts := strings.Split(strings.TrimSuffix(base, ".txt"), "."); len(parts) > 1 {
		v.Label = parts[len(parts)-1]
	}
	fh, err := os.Open(path)
	if err != nil {
		return v, err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return v, err
	}
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "$ apksigner ") || !strings.HasPrefix(lines[len(lines)-1], "exit code: ") {
		return v, fmt.Errorf("%s: not a recorded apksigner run", path)
	}
	v.Args = strings.Fields(strings.TrimPrefix(lines[0], "$ apksigner "))
	v.ExitCode, err = strconv.Atoi(strings.TrimPrefix(lines[len(lines)-1], "exit code: "))
	if err != nil {
		return v, fmt.Errorf("%s: %v", path, err)
	}
	seen := map[string]bool{}
	for _, l := range lines[1 : len(lines)-1] {
		switch {
		case l == "Verifies":
			v.Verifies = v.ExitCode == 0
		case strings.HasPrefix(l, "Verified using "):
			on := strings.HasSuffix(l, ": true")
			switch {
			case strings.HasPrefix(l, "Verified using v1 scheme"):
				v.Schemes.V1 = on
			case strings.HasPrefix(l, "Verified using v2 scheme"):
				v.Schemes.V2 = on
			case strings.HasPrefix(l, "Verified using v3 scheme"):
				v.Schemes.V3 = on
			case strings.HasPrefix(l, "Verified using v3.1 scheme"):
				v.Schemes.V31 = on
			case strings.HasPrefix(l, "Verified using v4 scheme"):
				v.Schemes.V4 = on
			}
		case strings.HasPrefix(l, "ERROR: "):
			v.Errors = append(v.Errors, strings.TrimPrefix(l, "ERROR: "))
		case strings.HasPrefix(l, "WARNING: "):
			v.Warnings = append(v.Warnings, strings.TrimPrefix(l, "WARNING: "))
		case strings.Contains(l, "Exception") && !strings.HasPrefix(strings.TrimSpace(l), "at "):
			// Uncaught exceptions (e.g. malformed ZIP) are errors too.
			v.Errors = append(v.Errors, strings.TrimSpace(l))
		}
		if m := certRE.FindStringSubmatch(l); m != nil && !seen[m[1]] {
			seen[m[1]] = true
			v.SignerCertSha256 = append(v.SignerCertSha256, m[1])
		}
	}
	return v, nil
}

type keyInfo struct {
	Name            string `json:"name"`
	Pk8             string `json:"pk8"`
	Cert            string `json:"cert"`
	Subject         string `json:"subject"`
	Algorithm       string `json:"algorithm"`
	Bits            int    `json:"bits"`
	CertSha256      string `json:"certSha256"`
	PublicKeySha256 string `json:"publicKeySha256"`
	NotBefore       string `json:"notBefore"`
	NotAfter        string `json:"notAfter"`
}

func keys(dir, outPath string) error {
	certs, err := filepath.Glob(filepath.Join(dir, "*.x509.pem"))
	if err != nil {
		return err
	}
	sort.Strings(certs)
	list := []keyInfo{}
	for _, c := range certs {
		b, err := os.ReadFile(c)
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return fmt.Errorf("%s: no PEM block", c)
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return fmt.Errorf("%s: %v", c, err)
		}
		name := strings.TrimSuffix(filepath.Base(c), ".x509.pem")
		cs := sha256.Sum256(cert.Raw)
		ps := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
		k := keyInfo{
			Name:            name,
			Pk8:             filepath.ToSlash(filepath.Join(dir, name+".pk8")),
			Cert:            filepath.ToSlash(c),
			Subject:         cert.Subject.String(),
			Algorithm:       cert.PublicKeyAlgorithm.String(),
			CertSha256:      hex.EncodeToString(cs[:]),
			PublicKeySha256: hex.EncodeToString(ps[:]),
			NotBefore:       cert.NotBefore.UTC().Format("2006-01-02T15:04:05Z"),
			NotAfter:        cert.NotAfter.UTC().Format("2006-01-02T15:04:05Z"),
		}
		switch pk := cert.PublicKey.(type) {
		case *rsa.PublicKey:
			k.Bits = pk.N.BitLen()
		case *ecdsa.PublicKey:
			k.Bits = pk.Curve.Params().BitSize
		case *dsa.PublicKey:
			k.Bits = pk.P.BitLen()
		}
		list = append(list, k)
	}
	return writeJSON(outPath, list)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
