package flows

// registerReview adds the review flow. Not written yet.
func registerReview(e *Engine) {}
