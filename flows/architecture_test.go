package flows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// parseDir parses the non-test Go files of dir.
func parseDir(tb testing.TB, dir string) (*token.FileSet, map[string]*ast.File) {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		tb.Fatal(err)
	}
	fset := token.NewFileSet()
	files := make(map[string]*ast.File)
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			tb.Fatal(err)
		}
		files[name] = f
	}
	if len(files) == 0 {
		tb.Fatalf("no Go files in %s", dir)
	}
	return fset, files
}

// TestLayers keeps the layers apart: flows knows nothing of Telegram or
// Redis, and only records (and the store itself) talks to the store.
// A rule ending in "/..." forbids a module and everything under it.
func TestLayers(t *testing.T) {
	const (
		telegram = "github.com/go-telegram/bot/..."
		redis    = "github.com/redis/go-redis/..."
		mb       = "github.com/mentorbot/mentorbot/"
	)
	forbidden := map[string][]string{
		".":          {telegram, redis, mb + "flows/redisstore/...", mb + "bot/..."},
		"records":    {telegram, redis, mb + "flows", mb + "bot/...", mb + "locales"},
		"redisstore": {telegram, mb + "flows", mb + "bot/..."},
		"pdfdoc":     {mb + "flows", mb + "flows/records"},
		"doccheck":   {mb + "flows", mb + "flows/records", telegram, redis},
	}
	for dir, rules := range forbidden {
		_, files := parseDir(t, dir)
		for name, f := range files {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, rule := range rules {
					prefix, tree := strings.CutSuffix(rule, "/...")
					if path == prefix || (tree && strings.HasPrefix(path, prefix+"/")) {
						t.Errorf("%s imports %s; that layer may not", name, path)
					}
				}
			}
		}
	}
}

// keyLiteral is what the start of a store key looks like: "ticket:".
var keyLiteral = regexp.MustCompile(`^[a-z][a-z-]*:$`)

// TestNoKeysOutsideRecords: no flow builds a string of the shape of a
// store key; records is the one place keys are made.
func TestNoKeysOutsideRecords(t *testing.T) {
	fset, files := parseDir(t, ".")
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			bin, ok := n.(*ast.BinaryExpr)
			if !ok || bin.Op != token.ADD {
				return true
			}
			for _, side := range []ast.Expr{bin.X, bin.Y} {
				lit, ok := side.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && keyLiteral.MatchString(s) {
					t.Errorf("%s: %q builds a key; ask flows/records for the record instead", fset.Position(lit.Pos()), s)
				}
			}
			return true
		})
	}
}

// maxFuncLines is the longest a function may be; a longer one is split
// along the steps it takes.
const maxFuncLines = 80

// TestFunctionsAreShort keeps every function of the program (tests
// aside) under maxFuncLines lines.
func TestFunctionsAreShort(t *testing.T) {
	for _, dir := range []string{".", "records", "redisstore", "redisstore/redistest", "pdfdoc", "doccheck",
		"../bot", "../bot/console", "../bot/bottest", "../bot/telegramtest", "../cmd/mentorbot", "../cmd/mentorbot-load", "../locales"} {
		fset, files := parseDir(t, dir)
		for _, f := range files {
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				start, end := fset.Position(fn.Pos()), fset.Position(fn.End())
				if n := end.Line - start.Line + 1; n > maxFuncLines {
					t.Errorf("%s: %s is %d lines; split it (at most %d)", start, fn.Name.Name, n, maxFuncLines)
				}
			}
		}
	}
}

// maxEngineMethods bounds what the Engine does: dispatch, sessions,
// the turn and a few entry points. Domain work lives with its flow or
// in records.
const maxEngineMethods = 50

// TestEngineIsADispatcher counts the Engine's methods.
func TestEngineIsADispatcher(t *testing.T) {
	_, files := parseDir(t, ".")
	var names []string
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil {
				continue
			}
			typ := fn.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if id, ok := typ.(*ast.Ident); ok && id.Name == "Engine" {
				names = append(names, fn.Name.Name)
			}
		}
	}
	if len(names) >= maxEngineMethods {
		t.Errorf("Engine has %d methods; want fewer than %d: %s", len(names), maxEngineMethods, strings.Join(names, ", "))
	}
}
