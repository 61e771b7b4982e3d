//go:build !unix

package server

// ConnsWithinFileLimit returns 0: no limit on open files is known here.
func ConnsWithinFileLimit() int { return 0 }
