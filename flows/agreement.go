package flows

// registerAgreement adds the agreement flow. Not written yet.
func registerAgreement(e *Engine) {}
