package flows

// registerQuestionnaire adds the questionnaire flow. Not written yet.
func registerQuestionnaire(e *Engine) {}
