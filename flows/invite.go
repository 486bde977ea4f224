package flows

// registerInvite adds the invite flow. Not written yet.
func registerInvite(e *Engine) {}
