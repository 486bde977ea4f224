package flows

// registerMyData adds the mydata flow. Not written yet.
func registerMyData(e *Engine) {}
