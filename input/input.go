// Package input is the one error for bad input that every domain package
// returns: it names the field and says what is wrong with it, and the API
// answers it with 422. It imports nothing.
package input

// Error names a bad field of a request and the reason. Nothing was changed.
type Error struct {
	Field  string
	Reason string
}

func (e *Error) Error() string { return e.Field + ": " + e.Reason }
