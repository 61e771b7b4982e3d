//go:build !linux

package server

// parker parks nothing off Linux: idle connections keep their goroutine.
type parker struct{}

func newParker(*Server) *parker     { return &parker{} }
func (p *parker) park(*conn) bool   { return false }
func (p *parker) take(*conn) bool   { return false }
func (p *parker) stop()             {}
func (p *parker) evictIdlest() bool { return false }
