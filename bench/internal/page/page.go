// Package page holds the page every baseline serves at "/": the Go
// baselines answer with it, and nginx's configuration is written with it.
package page

// Home is the small HTML page served at "/", about the size of ferry's.
const Home = `<!doctype html>
<html><head><title>ferry baseline</title></head>
<body><h1>baseline</h1>
<ul>
<li><a href="/files/">/files/</a></li>
<li>/echo/{s}</li>
<li>/user-agent</li>
</ul></body></html>
`
