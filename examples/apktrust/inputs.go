package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/apktrust/apktrust/internal/safetext"
)

// input is one file to verify: name is how it was given (or found in a
// directory), path where it is read from (a temporary copy for standard
// input and pipes). readErr is set when it could not be read at all.
type input struct {
	name    string
	path    string
	size    int64
	readErr error
}

// maxSpool bounds what is copied from standard input or a pipe: an APK
// cannot be larger than 4 GiB, since classic ZIP offsets are 32-bit and
// Android refuses ZIP64.
const maxSpool = 4 << 30

// walkExtensions are the files a directory walk picks up: APKs, APK sets
// and app bundles.
var walkExtensions = []string{".apk", ".apks", ".xapk", ".apkm", ".aab"}

// expandInputs turns the arguments into the files to verify, in order:
// "-" reads standard input, a directory is walked, a pipe or device is
// copied to a temporary file (bounded). cleanup removes the copies. An
// error means a usage error (standard input named twice).
func expandInputs(c *config) (inputs []input, cleanup func(), err error) {
	var tmpDir string
	cleanup = func() {
		if tmpDir != "" {
			os.RemoveAll(tmpDir)
		}
	}
	spool := func(name string, r io.Reader) input {
		if tmpDir == "" {
			d, err := os.MkdirTemp("", progName+"-stdin")
			if err != nil {
				return input{name: name, readErr: err}
			}
			tmpDir = d
		}
		return spoolInto(tmpDir, name, r, maxSpool)
	}
	stdinUsed := false
	for _, arg := range c.files {
		if arg == "-" {
			if stdinUsed {
				return nil, cleanup, errors.New(`standard input ("-") can be read only once`)
			}
			stdinUsed = true
			inputs = append(inputs, spool(arg, c.stdin))
			continue
		}
		st, err := os.Stat(arg)
		switch {
		case err != nil:
			inputs = append(inputs, input{name: arg, readErr: err})
		case st.IsDir():
			inputs = append(inputs, walkDir(c, arg)...)
		case st.Mode().IsRegular():
			inputs = append(inputs, input{name: arg, path: arg, size: st.Size()})
		default:
			// A pipe or device (/dev/stdin, <(cmd)): verification needs
			// random access, so it is copied first.
			f, err := os.Open(arg)
			if err != nil {
				inputs = append(inputs, input{name: arg, readErr: err})
				continue
			}
			inputs = append(inputs, spool(arg, f))
			f.Close()
		}
	}
	return inputs, cleanup, nil
}

// spoolInto copies r into a new file in dir, refusing more than limit
// bytes.
func spoolInto(dir, name string, r io.Reader, limit int64) input {
	f, err := os.CreateTemp(dir, "input-*.apk")
	if err != nil {
		return input{name: name, readErr: err}
	}
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	switch {
	case err != nil:
		return input{name: name, readErr: fmt.Errorf("reading: %w", err)}
	case n > limit:
		return input{name: name, readErr: fmt.Errorf("more than %d bytes: larger than any APK can be", limit)}
	}
	return input{name: name, path: f.Name(), size: n}
}

// walkDir lists the APKs, APK sets and bundles under root in name order.
// Symbolic links are followed only to files inside root; a link to a
// directory is not descended into, so a walk never loops or leaves root.
func walkDir(c *config, root string) []input {
	var out []input
	realRoot, rootErr := filepath.EvalSymlinks(root)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			out = append(out, input{name: path, readErr: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !wanted(d.Name()) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(path)
			if err != nil || rootErr != nil || !inside(realRoot, target) {
				fmt.Fprintf(c.stderr, "%s: skipping %s: a symbolic link that leads out of %s\n", progName, safetext.Escape(path), safetext.Escape(root))
				return nil
			}
			st, err := os.Stat(target)
			if err != nil || !st.Mode().IsRegular() {
				fmt.Fprintf(c.stderr, "%s: skipping %s: a symbolic link to something other than a file\n", progName, safetext.Escape(path))
				return nil
			}
			out = append(out, input{name: path, path: path, size: st.Size()})
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			out = append(out, input{name: path, readErr: err})
			return nil
		}
		out = append(out, input{name: path, path: path, size: info.Size()})
		return nil
	})
	if err != nil {
		out = append(out, input{name: root, readErr: err})
	}
	if len(out) == 0 {
		out = append(out, input{name: root, readErr: fmt.Errorf("no %s files in this directory", strings.Join(walkExtensions, ", "))})
	}
	return out
}

func wanted(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range walkExtensions {
		if ext == e {
			return true
		}
	}
	return false
}

// inside reports whether path is root or below it (both resolved).
func inside(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
