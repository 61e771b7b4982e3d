//go:build !linux

package fileserver

import (
	"io/fs"
	"os"
	"time"
)

// identity is what the stat validating a hit checks a cached file
// against. Only Linux has the cheap stat the check needs
// (identity_linux.go): elsewhere openStatDir offers none, and the
// small-file cache stays off.
type identity struct{}

func (identity) changeTime() time.Time { return time.Time{} }

func (identity) sameFolder(identity) bool { return false }

func identityOf(fs.FileInfo) (identity, bool) { return identity{}, false }

func openStatDir(*os.Root) *os.File { return nil }

func statName(string) []byte { return nil }

func statAt(*os.File, []byte) (identity, bool) { return identity{}, false }
