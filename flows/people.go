package flows

// registerPeople adds the people flow. Not written yet.
func registerPeople(e *Engine) {}
