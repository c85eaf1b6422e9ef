// Package seed embeds the seed knowledge of Blurline as N-Quads.
//
// The files are strict W3C N-Quads, one topic per file, meant to be loaded
// in name order: 01-entities.nq describes every entity (default graph), and
// each later file holds facts, one named graph per fact, whose subjects and
// objects are all typed in that file or an earlier one. docs/seed.md lists
// the entities and the key facts.
package seed

import (
	"embed"
	"io/fs"
)

//go:embed *.nq
var files embed.FS

// FS returns the embedded seed files (*.nq at the root of the file system).
func FS() fs.FS { return files }
