package http1

// The status codes ferry sends.
const (
	StatusContinue                     = 100
	StatusOK                           = 200
	StatusCreated                      = 201
	StatusNoContent                    = 204
	StatusPartialContent               = 206
	StatusMovedPermanently             = 301
	StatusNotModified                  = 304
	StatusBadRequest                   = 400
	StatusForbidden                    = 403
	StatusNotFound                     = 404
	StatusMethodNotAllowed             = 405
	StatusRequestTimeout               = 408
	StatusConflict                     = 409
	StatusLengthRequired               = 411
	StatusPreconditionFailed           = 412
	StatusRequestEntityTooLarge        = 413
	StatusRequestURITooLong            = 414
	StatusUnsupportedMediaType         = 415
	StatusRequestedRangeNotSatisfiable = 416
	StatusExpectationFailed            = 417
	StatusRequestHeaderFieldsTooLarge  = 431
	StatusInternalServerError          = 500
	StatusNotImplemented               = 501
	StatusServiceUnavailable           = 503
	StatusHTTPVersionNotSupported      = 505
	StatusInsufficientStorage          = 507
)

var statusText = map[int]string{
	100: "Continue",
	200: "OK",
	201: "Created",
	204: "No Content",
	206: "Partial Content",
	301: "Moved Permanently",
	304: "Not Modified",
	400: "Bad Request",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	408: "Request Timeout",
	409: "Conflict",
	411: "Length Required",
	412: "Precondition Failed",
	413: "Content Too Large",
	414: "URI Too Long",
	415: "Unsupported Media Type",
	416: "Range Not Satisfiable",
	417: "Expectation Failed",
	431: "Request Header Fields Too Large",
	500: "Internal Server Error",
	501: "Not Implemented",
	503: "Service Unavailable",
	505: "HTTP Version Not Supported",
	507: "Insufficient Storage",
}

// statusLines holds the preformatted "HTTP/1.1 NNN Reason\r\n" lines so that
// writing a status line costs one copy and no formatting.
var statusLines = func() (lines [600][]byte) {
	for code, text := range statusText {
		lines[code] = []byte("HTTP/1.1 " + itoa3(code) + " " + text + "\r\n")
	}
	return lines
}()

func itoa3(code int) string {
	return string([]byte{byte('0' + code/100%10), byte('0' + code/10%10), byte('0' + code%10)})
}

func appendStatusLine(dst []byte, code int) []byte {
	if code >= 0 && code < len(statusLines) && statusLines[code] != nil {
		return append(dst, statusLines[code]...)
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = append(dst, itoa3(code)...)
	return append(dst, " Status\r\n"...)
}
