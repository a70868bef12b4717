//go:build !linux

package stripemock

import "os/exec"

func setParentDeath(*exec.Cmd) {}
