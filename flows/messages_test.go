package flows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/mentorbot/mentorbot/locales"
)

// messageID is the shape of our locales ids: "apply.step.degree".
var messageID = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

// localizing are the functions whose string arguments are message ids.
var localizing = map[string]bool{"T": true, "Say": true, "Plural": true, "Notice": true}

// TestEveryMessageIDExists reads the flows' source and checks that each
// literal message id handed to T, Say, Plural or Notice, and each
// command's Help id, is in every language's catalog. A typo in an id
// would otherwise show the raw id to users.
func TestEveryMessageIDExists(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	used := make(map[string]token.Position)
	for _, name := range files {
		if matched, _ := filepath.Match("*_test.go", name); matched {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var lits []ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && localizing[sel.Sel.Name] {
					lits = n.Args
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Help" {
					lits = []ast.Expr{n.Value}
				}
			}
			for _, a := range lits {
				if bl, ok := a.(*ast.BasicLit); ok && bl.Kind == token.STRING {
					if s, err := strconv.Unquote(bl.Value); err == nil && messageID.MatchString(s) {
						used[s] = fset.Position(bl.Pos())
					}
				}
			}
			return true
		})
	}
	if len(used) < 10 {
		t.Fatalf("found only %d message ids in the source; the scan is broken", len(used))
	}
	cat, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range cat.Languages() {
		ids, err := locales.IDs(lang)
		if err != nil {
			t.Fatal(err)
		}
		for id, pos := range used {
			if !slices.Contains(ids, id) {
				t.Errorf("%s: message %q is missing in %s", pos, id, lang)
			}
		}
	}
}
