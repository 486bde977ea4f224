package records

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The search index behind /find: one sorted set whose members, all of
// the same score, are "token\x00a:REF" for an application's reference
// number and "token\x00u:ID" for each word of a person's first name,
// last name and username. Redis keeps them in byte order, so the
// entries for a prefix are one range read (ZRANGEBYLEX), at any size.
// Tokens are folded: lower case, without accents, so "jose" finds
// "José".
const findIndex = "find"

// findTime is the one score of every entry.
var findTime = time.UnixMilli(0)

// FindHit is one match: an application's reference number, or a
// person's id.
type FindHit struct {
	Ref    string
	UserID int64
}

// Fold lowers s and strips its accents, so "José" and "jose" compare
// equal: the search index's tokens, and names typed in the console.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

// words splits s into folded search tokens.
func words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' })
}

// personTokens are the entries that find p.
func personTokens(p Profile) []string {
	var out []string
	seen := make(map[string]bool)
	for _, field := range []string{p.FirstName, p.LastName, p.Username} {
		for _, w := range words(field) {
			if !seen[w] {
				seen[w] = true
				out = append(out, w+"\x00u:"+id64(p.UserID))
			}
		}
	}
	return out
}

// applicationTokens are the entries that find the application ref: the
// whole reference number and its number without leading zeros, so
// "MIE-2027-0042", "mie-2027" and "42" find it.
func applicationTokens(ref string) []string {
	out := []string{Fold(ref) + "\x00a:" + ref}
	if i := strings.LastIndexByte(ref, '-'); i >= 0 {
		if n := strings.TrimLeft(ref[i+1:], "0"); n != "" {
			out = append(out, n+"\x00a:"+ref)
		}
	}
	return out
}

// IndexPerson makes p findable by their names in place of the names of
// before (the same person, as they were): called when a turn saves a
// profile whose names changed.
func (db *DB) IndexPerson(ctx context.Context, before, p Profile) error {
	old := personTokens(before)
	if err := db.s.Unschedule(ctx, findIndex, old...); err != nil {
		return fmt.Errorf("unindex %d: %w", p.UserID, err)
	}
	for _, tok := range personTokens(p) {
		if err := db.s.Schedule(ctx, findIndex, tok, findTime); err != nil {
			return fmt.Errorf("index %d: %w", p.UserID, err)
		}
	}
	return nil
}

// unindexPerson takes userID's names out of the search index, for
// their erasure.
func (db *DB) unindexPerson(ctx context.Context, userID int64) error {
	var p Profile
	if err := db.s.Get(ctx, profileKey(userID), &p); err != nil {
		if ok, err := found(err); !ok {
			return err
		}
	}
	p.UserID = userID
	if err := db.s.Unschedule(ctx, findIndex, personTokens(p)...); err != nil {
		return fmt.Errorf("unindex %d: %w", userID, err)
	}
	return nil
}

// indexApplicationRef makes an application findable by its reference
// number.
func (db *DB) indexApplicationRef(ctx context.Context, ref string) error {
	for _, tok := range applicationTokens(ref) {
		if err := db.s.Schedule(ctx, findIndex, tok, findTime); err != nil {
			return fmt.Errorf("index %s: %w", ref, err)
		}
	}
	return nil
}

// unindexApplicationRef takes an application out of the search index.
func (db *DB) unindexApplicationRef(ctx context.Context, ref string) error {
	if err := db.s.Unschedule(ctx, findIndex, applicationTokens(ref)...); err != nil {
		return fmt.Errorf("unindex %s: %w", ref, err)
	}
	return nil
}

// Find returns up to limit applications and people whose reference
// number, name or username starts with query's first word and, for
// more words, holds words starting with each of the others. It reads
// one range of the index, plus the profiles of the people it checks
// against the further words.
func (db *DB) Find(ctx context.Context, query string, limit int) ([]FindHit, error) {
	ws := words(strings.TrimPrefix(strings.TrimSpace(query), "@"))
	if len(ws) == 0 {
		return nil, nil
	}
	// Enough entries that duplicates (a person found by first and
	// last name) and misses of the further words leave limit hits.
	entries, err := db.s.ByPrefix(ctx, findIndex, ws[0], 8*limit)
	if err != nil {
		return nil, fmt.Errorf("find %q: %w", query, err)
	}
	var hits []FindHit
	seen := make(map[string]bool)
	for _, e := range entries {
		_, target, ok := strings.Cut(e, "\x00")
		if !ok || seen[target] {
			continue
		}
		seen[target] = true
		hit, ok := parseHit(target)
		if !ok {
			continue
		}
		if len(ws) > 1 && !db.matchesAll(ctx, hit, ws[1:]) {
			continue
		}
		if hits = append(hits, hit); len(hits) == limit {
			break
		}
	}
	return hits, nil
}

func parseHit(target string) (FindHit, bool) {
	switch {
	case strings.HasPrefix(target, "a:"):
		return FindHit{Ref: target[2:]}, true
	case strings.HasPrefix(target, "u:"):
		id, err := strconv.ParseInt(target[2:], 10, 64)
		return FindHit{UserID: id}, err == nil
	}
	return FindHit{}, false
}

// matchesAll reports whether the person of hit has, for each of ws, a
// word of their names starting with it.
func (db *DB) matchesAll(ctx context.Context, hit FindHit, ws []string) bool {
	if hit.UserID == 0 {
		return false
	}
	var p Profile
	if db.s.Get(ctx, profileKey(hit.UserID), &p) != nil {
		return false
	}
	names := words(p.FirstName + " " + p.LastName + " " + p.Username)
	for _, w := range ws {
		ok := false
		for _, n := range names {
			if strings.HasPrefix(n, w) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
