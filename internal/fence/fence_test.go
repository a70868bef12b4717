package fence

import (
	"context"
	"testing"
)

func TestWithFrom(t *testing.T) {
	ctx := context.Background()
	if _, ok := From(ctx, "p1"); ok {
		t.Fatal("a bare context carries a token")
	}
	if got := With(ctx, "p1", 0); got != ctx {
		t.Fatal("a zero token changed the context")
	}
	ctx = With(ctx, "p1", 7)
	if v, ok := From(ctx, "p1"); !ok || v != 7 {
		t.Fatalf("From(p1) = %d, %v; want 7, true", v, ok)
	}
	if _, ok := From(ctx, "p2"); ok {
		t.Fatal("p1's token fences p2")
	}
}
