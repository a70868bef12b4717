package input

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorNamesTheField(t *testing.T) {
	err := fmt.Errorf("create promotion: %w", &Error{Field: "code", Reason: "is empty"})
	var in *Error
	if !errors.As(err, &in) || in.Field != "code" {
		t.Fatalf("errors.As found %v", in)
	}
	if got := in.Error(); got != "code: is empty" {
		t.Errorf("Error() = %q", got)
	}
}
