package sandbox

// SetPanicHook makes every API call run f(action) under the state lock, so
// tests can make a handler panic.
func (s *Sandbox) SetPanicHook(f func(action string)) {
	s.mu.Lock()
	s.panicHook = f
	s.mu.Unlock()
}
