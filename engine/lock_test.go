package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLockReleasedWhereTaken holds the package to the lock rule in Shard's
// comment: a function (or function literal) that locks a mutex unlocks it
// itself, and none unlocks a mutex it did not lock, so no helper ends its
// caller's operation. It reads the package's source.
func TestLockReleasedWhereTaken(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			switch fn := n.(type) {
			case *ast.FuncDecl:
				body = fn.Body
			case *ast.FuncLit:
				body = fn.Body
			}
			if body == nil {
				return true
			}
			locks, unlocks := lockCalls(body)
			for mu := range locks {
				if !unlocks[mu] {
					t.Errorf("%s: %s.Lock without its Unlock in the same function", fset.Position(n.Pos()), mu)
				}
			}
			for mu := range unlocks {
				if !locks[mu] {
					t.Errorf("%s: %s.Unlock of a lock taken elsewhere", fset.Position(n.Pos()), mu)
				}
			}
			checked += len(locks)
			return true
		})
	}
	require.Greater(t, checked, 30, "the check found the shard's locks")
}

// lockCalls returns the mutexes body locks and unlocks (by expression, as
// "s.mu"), leaving out function literals, which are checked on their own.
func lockCalls(body *ast.BlockStmt) (locks, unlocks map[string]bool) {
	locks, unlocks = map[string]bool{}, map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		mu := exprString(sel.X)
		switch sel.Sel.Name {
		case "Lock", "RLock":
			locks[mu] = true
		case "Unlock", "RUnlock":
			unlocks[mu] = true
		}
		return true
	})
	return locks, unlocks
}

// exprString renders a receiver expression such as s.mu.
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	}
	return "?"
}
