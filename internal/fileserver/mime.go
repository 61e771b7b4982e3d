package fileserver

import (
	"io"
	"mime"
	"path"
	"strings"
	"sync"
	"unicode/utf8"
)

// defaultType is the Content-Type of a file whose extension says nothing:
// RFC 9110 §8.3 lets a server leave it out, but the contract asks for
// exactly this value, which every client treats as opaque bytes.
const defaultType = "application/octet-stream"

// webTypes are the common web types, looked up before the mime package.
// The mime package also reads the system's mime.types, which differs from
// machine to machine; this table keeps the types browsers care about the
// same everywhere. Text types say UTF-8 (labelCharset drops that for a file
// that is not), but XML: an XML file names its own encoding, which a
// charset parameter would override (RFC 7303 §3.2).
var webTypes = map[string]string{
	".7z":    "application/x-7z-compressed",
	".avif":  "image/avif",
	".bmp":   "image/bmp",
	".css":   "text/css; charset=utf-8",
	".csv":   "text/csv; charset=utf-8",
	".flac":  "audio/flac",
	".gif":   "image/gif",
	".gz":    "application/gzip",
	".htm":   "text/html; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".ico":   "image/vnd.microsoft.icon",
	".jpeg":  "image/jpeg",
	".jpg":   "image/jpeg",
	".js":    "text/javascript; charset=utf-8",
	".json":  "application/json",
	".m4a":   "audio/mp4",
	".md":    "text/markdown; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".mkv":   "video/x-matroska",
	".mov":   "video/quicktime",
	".mp3":   "audio/mpeg",
	".mp4":   "video/mp4",
	".oga":   "audio/ogg",
	".ogg":   "audio/ogg",
	".ogv":   "video/ogg",
	".opus":  "audio/ogg",
	".otf":   "font/otf",
	".pdf":   "application/pdf",
	".png":   "image/png",
	".svg":   "image/svg+xml",
	".tar":   "application/x-tar",
	".tgz":   "application/gzip",
	".ttf":   "font/ttf",
	".txt":   "text/plain; charset=utf-8",
	".wasm":  "application/wasm",
	".wav":   "audio/wav",
	".weba":  "audio/webm",
	".webm":  "video/webm",
	".webp":  "image/webp",
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".xml":   "text/xml",
	".zip":   "application/zip",
	".zst":   "application/zstd",
}

// contentType is the Content-Type for a file name, by its extension.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if ext == "" {
		return defaultType
	}
	if t, ok := webTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return defaultType
}

// utf8Label is the parameter text types are given by webTypes and by the
// mime package.
const utf8Label = "; charset=utf-8"

// charsetSniffBytes is how much of a text file labelCharset reads: the
// whole of a small file, the start of a large one.
const charsetSniffBytes = 16 << 10

var sniffBuffers = sync.Pool{New: func() any { b := make([]byte, charsetSniffBytes); return &b }}

// labelCharset decides whether a text file of size bytes, read through f,
// is sent as UTF-8. A file is served as it lies on disk, in whatever
// encoding it was written: labelling a Latin-1 page UTF-8 makes a browser
// show replacement characters where its own detection, or the page's meta
// tag, would have got it right (python's http.server and nginx send no
// charset at all). So ctype keeps its "charset=utf-8" only when the first
// charsetSniffBytes of the file are valid UTF-8 (a character cut at the
// end of that window counts as valid); otherwise the parameter is dropped.
// A file that cannot be read keeps the label; its read fails later anyway.
func labelCharset(ctype string, f io.ReaderAt, size int64) string {
	bare, ok := strings.CutSuffix(ctype, utf8Label)
	if !ok || size == 0 {
		return ctype
	}
	bp := sniffBuffers.Get().(*[]byte)
	defer sniffBuffers.Put(bp)
	b := (*bp)[:min(size, charsetSniffBytes)]
	n, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return ctype
	}
	b = b[:n]
	if int64(n) < size {
		b = trimPartialRune(b)
	}
	if utf8.Valid(b) {
		return ctype
	}
	return bare
}

// trimPartialRune drops the start of a UTF-8 sequence cut off at the end
// of b.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}
