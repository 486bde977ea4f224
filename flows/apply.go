package flows

// registerApply adds the apply flow. Not written yet.
func registerApply(e *Engine) {}
