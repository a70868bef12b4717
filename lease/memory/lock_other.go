//go:build !unix

package memory

import "os"

// lockDir opens path; elsewhere than on Unix the directory is not locked, so
// one process per data directory is the operator's to ensure.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}
