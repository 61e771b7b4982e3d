package fileserver

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"ferry/internal/http1"
)

//go:embed listing.html
var listingHTML string

var listingTemplate = template.Must(template.New("listing").Parse(listingHTML))

// entry is one line of a listing.
type entry struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"modTime"`
	IsDir   bool      `json:"isDir"`
}

// listingPage is what the HTML template sees. The template is in two
// parts, "top" and "bottom"; the table rows between them are written by
// hand (appendRow): html/template's reflection made up most of the time of
// a large listing.
type listingPage struct {
	Path   string // the folder's decoded path, "/files/a/b/"
	Parent bool   // a parent folder can be linked to
	Sort   string
	Order  string
}

// NextOrder is the order a column's header link asks for: clicking the
// column the listing is sorted by reverses it.
func (p listingPage) NextOrder(column string) string {
	if p.Sort == column && p.Order == "asc" {
		return "desc"
	}
	return "asc"
}

// serveListing answers GET or HEAD for a folder with its entries, as HTML
// or, when Accept asks for it, as JSON. The body is rendered in full
// first (buildListing), so it goes out with Content-Length.
func (s *Server) serveListing(w http1.ResponseWriter, r *http1.Request, dir *os.File, name Name) {
	// A listing has neither ETag nor Last-Modified, but it exists: If-Match
	// fails unless it is "*", If-None-Match: * gets 304, and the date
	// conditions do not apply (RFC 9110 §13.1).
	switch checkPreconditions(r, preconditionState{exists: true}) {
	case http1.StatusNotModified:
		// The 304 varies as the 200 would (RFC 9110 §15.4.5); the type
		// tells a compressing writer to add its own Vary.
		h := w.Header()
		h.Set("Vary", "Accept")
		h.Set("Content-Type", listingType(r))
		w.WriteHeader(http1.StatusNotModified)
		return
	case http1.StatusPreconditionFailed:
		http1.Error(w, http1.StatusPreconditionFailed)
		return
	}
	body, status := s.buildListing(r, dir, name)
	if status != 0 {
		refuse(w, status)
		return
	}
	// The budget counts the memory the body holds, its buffer's capacity,
	// not just its length.
	if n := int64(body.Cap()); body.Len() > smallListingBytes && r.Method != "HEAD" {
		// Built listings waiting for slow clients to take them are
		// bounded in total; past that, large ones are refused for now
		// rather than let memory grow with the number of readers. A
		// HEAD sends no body and waits for no reader.
		if total := s.listingBytes.Add(n); total > s.listingBudget && total > n {
			s.listingBytes.Add(-n)
			w.Header().Set("Retry-After", "5")
			http1.Error(w, http1.StatusServiceUnavailable)
			return
		}
		defer s.listingBytes.Add(-n)
	}
	h := w.Header()
	h.Set("Vary", "Accept")
	h.Set("Content-Type", listingType(r))
	h.SetContentLength(int64(body.Len()))
	w.WriteHeader(http1.StatusOK)
	// HEAD writes the body too: the connection's writer sends none, while
	// a compressing writer needs the bytes to give HEAD the same
	// Content-Encoding and Content-Length as GET.
	w.Write(body.Bytes())
}

// buildListing renders the listing of the folder dir, which is name, as r
// asks for it, or returns the status to answer with. At most one listing
// per core, and two at least, is built at a time (s.listings): a large one
// takes about 1 KiB of memory an entry while it is built, and CPU; more
// requests wait their turn rather than multiply the memory. The token is
// given back before the listing is sent, so clients slow to read theirs do
// not hold up anyone else's.
func (s *Server) buildListing(r *http1.Request, dir *os.File, name Name) (*bytes.Buffer, int) {
	s.listings <- struct{}{}
	defer func() { <-s.listings }()
	entries, err := s.readEntries(dir, name)
	if err != nil {
		return nil, errorStatus(err)
	}
	query, _ := url.ParseQuery(string(r.Query))
	sortBy, order := query.Get("sort"), query.Get("order")
	if sortBy != "size" && sortBy != "time" {
		sortBy = "name"
	}
	if order != "desc" {
		order = "asc"
	}
	sortEntries(entries, sortBy, order == "desc")

	var body bytes.Buffer
	if acceptsJSON(r) {
		if err := json.NewEncoder(&body).Encode(entries); err != nil {
			return nil, http1.StatusInternalServerError
		}
	} else {
		page := listingPage{Parent: name.Rel != ".", Sort: sortBy, Order: order, Path: Prefix}
		if name.Rel != "." {
			page.Path += name.Rel + "/"
		}
		body.Grow(len(entries) * listingRowBytes)
		err := listingTemplate.ExecuteTemplate(&body, "top", page)
		for _, e := range entries {
			body.Write(appendRow(body.AvailableBuffer(), e))
		}
		if err == nil {
			err = listingTemplate.ExecuteTemplate(&body, "bottom", page)
		}
		if err != nil {
			return nil, http1.StatusInternalServerError
		}
	}
	if body.Len() > smallListingBytes && body.Cap()-body.Len() > body.Len()/4 {
		// The buffer was sized by guess (HTML) or grew by doubling
		// (JSON); a large listing may wait long for a slow reader, so it
		// holds only what it needs, and the budget counts no more.
		return bytes.NewBuffer(bytes.Clone(body.Bytes())), 0
	}
	return &body, 0
}

// readDirBatch is how many entries readEntries reads at a time: the
// directory entries are dropped batch by batch as they become listing
// entries, rather than all held at once beside them.
const readDirBatch = 1024

// readEntries reads the listable entries of the folder dir, which is name.
func (s *Server) readEntries(dir *os.File, name Name) ([]entry, error) {
	entries := []entry{} // an empty folder's JSON listing is [], not null
	for {
		des, err := dir.ReadDir(readDirBatch)
		for _, de := range des {
			n := de.Name()
			// Names no request can reach (invalid UTF-8, control bytes, a
			// backslash, an upload's temporary file) are left out rather than
			// linked to: resolveName refuses them, and serving them would mean
			// loosening the checks that keep paths unambiguous. Leaving them
			// out also keeps the HTML valid UTF-8, as its charset says, and
			// the JSON free of names it would mangle.
			if !servableSegment(n) || (!s.opts.ShowHidden && strings.HasPrefix(n, ".")) {
				continue
			}
			// ReadDir has the entry's own information already (an lstat
			// relative to the folder). A link is followed through the root,
			// so only when it stays inside; links that point out, or
			// nowhere, are left out.
			fi, err := de.Info()
			if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				fi, err = s.root.Stat(path.Join(name.Rel, n))
			}
			if err != nil || !(fi.IsDir() || fi.Mode().IsRegular()) {
				continue
			}
			e := entry{Name: n, ModTime: fi.ModTime().UTC().Truncate(time.Second), IsDir: fi.IsDir()}
			if !e.IsDir {
				e.Size = fi.Size()
			}
			entries = append(entries, e)
		}
		if err == io.EOF {
			return entries, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// listingType is the listing's type for r: JSON when Accept asks for it.
func listingType(r *http1.Request) string {
	if acceptsJSON(r) {
		return "application/json"
	}
	return "text/html; charset=utf-8"
}

// sortEntries orders a listing by name, size or time, folders first as
// file browsers do; ties go by name so the order is stable.
func sortEntries(entries []entry, by string, desc bool) {
	slices.SortFunc(entries, func(a, b entry) int {
		if a.IsDir != b.IsDir {
			if a.IsDir {
				return -1
			}
			return 1
		}
		c := 0
		switch by {
		case "size":
			c = cmpInt(a.Size, b.Size)
		case "time":
			c = a.ModTime.Compare(b.ModTime)
		}
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		if desc {
			c = -c
		}
		return c
	})
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// acceptsJSON reports whether Accept prefers application/json to
// text/html (RFC 9110 §12.5.1): each gets the q-value of the most specific
// media range that matches it (the type itself, then "application/*" or
// "text/*", then "*/*"), and JSON wins with a higher q-value, or an equal
// one when it was named itself. Without Accept, or with "*/*" alone, the
// listing is HTML; browsers never list application/json, so they get HTML.
func acceptsJSON(r *http1.Request) bool {
	var json, html rangeMatch
	for v := range r.Header.Values("Accept") {
		for e := range http1.ListElements(v) {
			mediaRange, params, _ := strings.Cut(string(e), ";")
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(val, 64); err == nil {
						q = f
					}
				}
			}
			typ, sub, _ := strings.Cut(strings.ToLower(strings.TrimSpace(mediaRange)), "/")
			json.consider(typ, sub, q, "application", "json")
			html.consider(typ, sub, q, "text", "html")
		}
	}
	return json.q > 0 && (json.q > html.q || json.q == html.q && json.specificity == exactType)
}

// rangeMatch is the media range of an Accept field that applies to one
// type: the most specific that matches it, and its q-value.
type rangeMatch struct {
	q           float64
	specificity int
}

// The specificities of a media range matching a type, lowest first; a
// type no range matches is not acceptable (q 0).
const (
	noMatch = iota
	anyType
	anySubtype
	exactType
)

// consider takes the media range typ/sub with q-value q into account for
// the type want/wantSub.
func (m *rangeMatch) consider(typ, sub string, q float64, want, wantSub string) {
	specificity := noMatch
	switch {
	case typ == want && sub == wantSub:
		specificity = exactType
	case typ == want && sub == "*":
		specificity = anySubtype
	case typ == "*" && sub == "*":
		specificity = anyType
	}
	switch {
	case specificity > m.specificity:
		m.q, m.specificity = q, specificity
	case specificity == m.specificity && specificity != noMatch:
		m.q = max(m.q, q)
	}
}

// escapePath percent-encodes a slash-separated name one segment at a time,
// so that "/" stays a separator (escapeSegment).
func escapePath(rel string) string {
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		segs[i] = escapeSegment(s)
	}
	return strings.Join(segs, "/")
}

// escapeSegment percent-encodes every byte of a name but the unreserved
// ones (RFC 3986 §2.3: letters, digits, "-", ".", "_", "~"), as python's
// http.server does. url.PathEscape leaves sub-delimiters such as "+", "&"
// and ";" as they are, which html/template then writes as character
// references (&#43;, &amp;) in an href: browsers decode those, but tools
// that read links out of the page (lftp, wget's and grep's users) do not.
func escapeSegment(name string) string {
	b := make([]byte, 0, len(name))
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			b = append(b, c)
		default:
			b = appendPercent(b, c)
		}
	}
	return string(b)
}

// appendPercent appends c percent-encoded, "%XX".
func appendPercent(dst []byte, c byte) []byte {
	const hex = "0123456789ABCDEF"
	return append(dst, '%', hex[c>>4], hex[c&15])
}

// humanSize prints a size in binary units, as listings do.
func humanSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := "KMGTPE"
	f := float64(n) / 1024
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + units[i:i+1] + "iB"
}

// smallListingBytes is the size up to which a built listing is not counted
// against the budget of listings being sent: it goes into the socket's
// buffer at once. listingBytesBudget is that budget, for the larger ones.
const (
	smallListingBytes  = 64 << 10
	listingBytesBudget = 128 << 20
)

// listingRowBytes is about what one row takes, to size the body once.
const listingRowBytes = 192

// appendRow appends the table row of one entry: a link to it (relative,
// every byte but the unreserved ones percent-encoded, so it needs no
// further escaping in the attribute), its name with the characters HTML
// gives a meaning to escaped, "/" after a folder's, its size ("-" for a
// folder) and its modification time.
func appendRow(b []byte, e entry) []byte {
	b = append(b, "\n<tr><td><a href=\"./"...)
	b = append(b, escapeSegment(e.Name)...)
	if e.IsDir {
		b = append(b, '/')
	}
	b = append(b, "\">"...)
	b = appendHTMLText(b, e.Name)
	if e.IsDir {
		b = append(b, '/')
	}
	b = append(b, "</a></td><td class=\"size\">"...)
	if e.IsDir {
		b = append(b, '-')
	} else {
		b = append(b, humanSize(e.Size)...)
	}
	b = append(b, "</td><td>"...)
	b = e.ModTime.AppendFormat(b, time.DateTime)
	return append(b, "</td></tr>"...)
}

// appendHTMLText appends s escaped for HTML text or a quoted attribute:
// the five characters with a meaning there become references, as
// html.EscapeString writes them.
func appendHTMLText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '"':
			b = append(b, "&#34;"...)
		case '\'':
			b = append(b, "&#39;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}
