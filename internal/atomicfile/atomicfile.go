// Package atomicfile writes files that readers see whole or not at all, and
// that survive a crash once written.
package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
)

// Write puts data at path with the permissions perm: into a temporary file
// of the same directory (a dot name, so that globs such as *.eml never see it),
// synced, renamed over path, and the directory synced, so the rename is
// durable when Write returns.
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Windows cannot sync a directory, and its rename is durable on its own.
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
