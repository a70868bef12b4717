package frontend

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the app's files with index.html at the root.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "static" is a constant.
		panic(err)
	}
	return sub
}
