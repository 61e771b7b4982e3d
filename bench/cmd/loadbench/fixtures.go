package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// fixture is one test file under the served folder.
type fixture struct {
	name string
	size int64
	text bool // compressible English-like text rather than random bytes
}

const (
	kib = 1 << 10
	mib = 1 << 20
	gib = 1 << 30
)

// Test files. Binary ones are random (incompressible, ".bin" so no server
// is tempted to compress them); the text one compresses about 3 to 1, like
// prose or source code, so gzip has real work to do.
var (
	fileEmpty = fixture{name: "empty.bin", size: 0}
	file1K    = fixture{name: "1k.bin", size: kib}
	file64K   = fixture{name: "64k.bin", size: 64 * kib}
	file1M    = fixture{name: "1m.bin", size: mib}
	file100M  = fixture{name: "100m.bin", size: 100 * mib}
	file1G    = fixture{name: "1g.bin", size: gib}
	fileText  = fixture{name: "text64k.txt", size: 64 * kib, text: true}
)

// create writes the file unless one of the right size is already there
// (the 1 GiB one takes a while).
func (f fixture) create(dir string) error {
	path := filepath.Join(dir, f.name)
	if st, err := os.Stat(path); err == nil && st.Size() == f.size {
		return nil
	}
	var block []byte
	if f.text {
		block = prose(int(f.size))
	} else {
		block = randomBytes(int(min(f.size, mib)))
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	for left := f.size; left > 0; left -= int64(len(block)) {
		if _, err := out.Write(block[:min(left, int64(len(block)))]); err != nil {
			out.Close()
			return err
		}
	}
	return out.Close()
}

func randomBytes(n int) []byte {
	r := rand.NewChaCha8([32]byte{'f', 'e', 'r', 'r', 'y'})
	b := make([]byte, n)
	r.Read(b)
	return b
}

// prose is n bytes of lines of words drawn at random from a small
// vocabulary: deterministic, and about as compressible as real text.
func prose(n int) []byte {
	words := bytes.Fields([]byte(`the a of to and in is it that for on with as was he be
		by at this from or had not are but have they which one you were her all she there
		would their we him been has when who will more no if out so said what up its about
		into than them can only other new some could time these two may then do first any
		my now such like our over man me even most made after also did many before must
		through back years where much your way well down should because each just those
		people how too little state good very make world still own see men work long get
		here between both life being under never day same another know while last might
		server request response header connection socket buffer parser ferry file folder
		upload download range gzip chunked pipeline latency throughput kernel sendfile`))
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	line := 0
	for b.Len() < n {
		w := words[r.IntN(len(words))]
		b.Write(w)
		line += len(w) + 1
		if line > 64+r.IntN(16) {
			b.WriteByte('\n')
			line = 0
		} else {
			b.WriteByte(' ')
		}
	}
	return b.Bytes()[:n]
}
