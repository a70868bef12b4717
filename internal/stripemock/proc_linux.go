package stripemock

import (
	"os/exec"
	"syscall"
)

// setParentDeath kills stripe-mock with the test binary, should that die
// before its cleanup runs.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
