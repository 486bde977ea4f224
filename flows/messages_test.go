package flows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mentorbot/mentorbot/flows/records"
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

// runtimePrefix is the shape of the start of an id built at run time:
// "apply.degree." + degree.
var runtimePrefix = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*\.$`)

// runtimeIDs names, for each id prefix the flows complete at run time,
// every ending the code can give it, taken from the code's own lists.
func runtimeIDs() map[string][]string {
	var states, actions []string
	for _, s := range records.AppStates {
		states = append(states, string(s))
	}
	for _, tr := range reviewTransitions {
		actions = append(actions, tr.action)
	}
	return map[string][]string{
		"apply.degree.":   namedDegrees,
		"apply.doc.":      records.DocumentKinds,
		"apply.state.":    states,
		"review.state.":   append(slices.Clone(states), string(records.AppPublished)),
		"people.section.": {"all", "staff", "mentors", "committees", "unreachable", "invites"},
		"people.empty.":   {"all", "staff", "mentors", "committees", "unreachable", "invites"},
		"review.action.":  actions,
		"review.done.":    actions,
		"diary.q.":        diaryQuestions,
		"ects.q.":         ectsFields,
		"ects.label.":     ectsFields,
		"support.topic.":  supportTopics,
		"announce.name.":  plainAudiences,
		"workspace.ects.": {ectsNone, ectsFilled},
		"workspace.ticket.": {string(records.TicketOpen), string(records.TicketClaimed),
			string(records.TicketAnswered), string(records.TicketClosed)},
	}
}

// TestEveryRuntimeMessageIDExists finds each id the source builds from
// a literal prefix and a value, and checks that every value the code
// can give makes an id every language has. A new prefix fails until it
// is listed in runtimeIDs.
func TestEveryRuntimeMessageIDExists(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	known := runtimeIDs()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			bin, ok := n.(*ast.BinaryExpr)
			if !ok || bin.Op != token.ADD {
				return true
			}
			lit, ok := bin.X.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			prefix, err := strconv.Unquote(lit.Value)
			if err != nil || !runtimePrefix.MatchString(prefix) {
				return true
			}
			found++
			if _, ok := known[prefix]; !ok {
				t.Errorf("%s: message id built from %q; list its endings in runtimeIDs", fset.Position(lit.Pos()), prefix)
			}
			return true
		})
	}
	if found < len(known) {
		t.Fatalf("found %d ids built at run time, fewer than the %d prefixes listed; the scan is broken", found, len(known))
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
		for prefix, endings := range known {
			for _, end := range endings {
				if !slices.Contains(ids, prefix+end) {
					t.Errorf("message %q (built at run time) is missing in %s", prefix+end, lang)
				}
			}
		}
	}
}
