package keyring

import (
	"os"
	"strings"
)

// IsWSL reports whether this is Windows Subsystem for Linux, whose kernel
// release names Microsoft; there a Secret Service is rarely running.
func IsWSL() bool {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	return err == nil && strings.Contains(strings.ToLower(string(b)), "microsoft")
}
