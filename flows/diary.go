package flows

// registerDiary adds the diary flow. Not written yet.
func registerDiary(e *Engine) {}
