package http1

import "sync"

// bufferPool recycles read buffers of readBufferSize between connections,
// so that idle connections hold none and busy ones do not allocate. It holds
// pointers so that putting a buffer back allocates nothing.
var bufferPool = sync.Pool{New: func() any { b := make([]byte, readBufferSize); return &b }}
