package flows

// registerMeetings adds the meetings flow. Not written yet.
func registerMeetings(e *Engine) {}
