package fileserver

import (
	"mime"
	"path"
	"strings"
)

// defaultType is the Content-Type of a file whose extension says nothing:
// RFC 9110 §8.3 lets a server leave it out, but the contract asks for
// exactly this value, which every client treats as opaque bytes.
const defaultType = "application/octet-stream"

// webTypes are the common web types, looked up before the mime package.
// The mime package also reads the system's mime.types, which differs from
// machine to machine; this table keeps the types browsers care about the
// same everywhere.
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
	".xml":   "text/xml; charset=utf-8",
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
