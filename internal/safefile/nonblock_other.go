//go:build !unix

package safefile

// Elsewhere there are no FIFOs to wait on at open.
const nonBlock = 0
