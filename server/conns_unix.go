//go:build unix

package server

import "syscall"

// defaultMaxConns is three quarters of the soft file-descriptor limit, at
// most 4096.
func defaultMaxConns() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 1024
	}
	return int(min(4096, max(8, rl.Cur*3/4)))
}
