package flows

// registerECTS adds the ects flow. Not written yet.
func registerECTS(e *Engine) {}
