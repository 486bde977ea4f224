package flows

// PrivilegedCommands lists, for tests, the commands that need a role.
func (e *Engine) PrivilegedCommands() []string {
	var out []string
	for _, name := range e.order {
		if e.commands[name].Role != RoleAnyone {
			out = append(out, name)
		}
	}
	return out
}
