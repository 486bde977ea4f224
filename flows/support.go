package flows

// registerSupport adds the support flow. Not written yet.
func registerSupport(e *Engine) {}
