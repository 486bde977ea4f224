package flows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// AppState is where an application stands.
type AppState string

// The states of an application. Staff decisions (accepted, rejected,
// matched) stay hidden from the applicant until they are published.
const (
	AppDraft     AppState = "draft"
	AppSubmitted AppState = "submitted"
	AppReview    AppState = "review" // opened by staff
	AppInterview AppState = "interview"
	AppAccepted  AppState = "accepted"
	AppRejected  AppState = "rejected"
	AppWithdrawn AppState = "withdrawn"
	AppMatched   AppState = "matched"
)

// Degree levels an applicant may hold.
const (
	DegreeBachelor = "bachelor"
	DegreeMaster   = "master"
)

// Document kinds an application needs, in the order they are asked for.
const (
	DocCVItalian         = "cv_it"
	DocCVForeign         = "cv_foreign"
	DocLetterItalian     = "letter_it"
	DocLetterForeign     = "letter_foreign"
	DocLanguageCertified = "certificate"
)

// documentKinds lists the uploads in the order the apply flow asks.
var documentKinds = []string{DocCVItalian, DocCVForeign, DocLetterItalian, DocLetterForeign, DocLanguageCertified}

// cefrLevels are the certified language levels, lowest first.
var cefrLevels = []string{"A1", "A2", "B1", "B2", "C1", "C2"}

// Document is an uploaded file; the bytes stay with Telegram.
type Document struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name,omitempty"`
	MIMEType string `json:"mime_type,omitempty"`
	Size     int64  `json:"size,omitempty"`
}

// Application is one student's application to the programme. A draft
// is kept under the student's user id; on submission it gets a
// reference number and is kept under it.
type Application struct {
	Ref       string   `json:"ref,omitempty"`
	UserID    int64    `json:"user_id"`
	State     AppState `json:"state"`
	Degree    string   `json:"degree,omitempty"`
	Year      int      `json:"year,omitempty"`
	ProjectID string   `json:"project_id,omitempty"`
	// Language is the project's foreign language, Level the applicant's
	// certified level of it (A1..C2).
	Language  string              `json:"language,omitempty"`
	Level     string              `json:"level,omitempty"`
	Documents map[string]Document `json:"documents,omitempty"`

	// Note is the staff's interview note, Reason the optional reason of
	// a rejection; MentorID is set by a match.
	Note     string `json:"note,omitempty"`
	Reason   string `json:"reason,omitempty"`
	MentorID int64  `json:"mentor_id,omitempty"`
	// Published is set once the applicant was told the outcome.
	Published bool `json:"published,omitempty"`

	CreatedAt   time.Time `json:"created_at"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// Active reports whether the application is submitted and not
// withdrawn.
func (a Application) Active() bool { return a.State != AppDraft && a.State != AppWithdrawn }

// minLevel is the lowest certified level a degree needs.
func minLevel(degree string) string {
	if degree == DegreeMaster {
		return "B2"
	}
	return "B1"
}

// levelAtLeast reports whether level is min or higher.
func levelAtLeast(level, min string) bool {
	li, mi := -1, -1
	for i, l := range cefrLevels {
		if l == level {
			li = i
		}
		if l == min {
			mi = i
		}
	}
	return li >= 0 && li >= mi
}

// maxYear is the last year of course of a degree.
func maxYear(degree string) int {
	if degree == DegreeMaster {
		return 2
	}
	return 3
}

func appDraftKey(userID int64) string { return fmt.Sprintf("application-draft:%d", userID) }
func appKey(ref string) string        { return "application:" + ref }
func appOfKey(userID int64) string    { return fmt.Sprintf("application-of:%d", userID) }
func appProjectSet(project string) string {
	return "applications:" + project
}

// appAllSet holds the reference numbers of every submitted application.
const appAllSet = "applications"

// ApplicationOf returns userID's application: the submitted one if
// there is one, else the draft. ErrNotFound when there is neither.
func (e *Engine) ApplicationOf(ctx context.Context, userID int64) (Application, error) {
	var ref string
	err := e.store.Get(ctx, appOfKey(userID), &ref)
	if err == nil {
		return e.Application(ctx, ref)
	}
	if !errors.Is(err, ErrNotFound) {
		return Application{}, fmt.Errorf("load application of %d: %w", userID, err)
	}
	var a Application
	if err := e.store.Get(ctx, appDraftKey(userID), &a); err != nil {
		return Application{}, fmt.Errorf("load draft of %d: %w", userID, err)
	}
	return a, nil
}

// Application returns the submitted application ref; ErrNotFound if
// there is none.
func (e *Engine) Application(ctx context.Context, ref string) (Application, error) {
	var a Application
	if err := e.store.Get(ctx, appKey(ref), &a); err != nil {
		return Application{}, fmt.Errorf("load application %s: %w", ref, err)
	}
	return a, nil
}

// Applications returns every submitted application, withdrawn ones
// included, ordered by reference number.
func (e *Engine) Applications(ctx context.Context) ([]Application, error) {
	return e.applicationsIn(ctx, appAllSet)
}

func (e *Engine) applicationsIn(ctx context.Context, set string) ([]Application, error) {
	refs, err := e.store.Members(ctx, set)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", set, err)
	}
	out := make([]Application, 0, len(refs))
	for _, ref := range refs {
		a, err := e.Application(ctx, ref)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// saveApplication stores a: a draft under its user, a submitted one
// under its reference number.
func (e *Engine) saveApplication(ctx context.Context, a *Application) error {
	a.UpdatedAt = e.now().UTC()
	if a.State == AppDraft {
		if err := e.store.Put(ctx, appDraftKey(a.UserID), a, 0); err != nil {
			return fmt.Errorf("save draft of %d: %w", a.UserID, err)
		}
		return nil
	}
	if err := e.store.Put(ctx, appKey(a.Ref), a, 0); err != nil {
		return fmt.Errorf("save application %s: %w", a.Ref, err)
	}
	return nil
}

// submitApplication gives draft a reference number, stores it as
// submitted, indexes it and drops the draft.
func (e *Engine) submitApplication(ctx context.Context, a *Application) error {
	n, err := e.store.NextID(ctx, "application")
	if err != nil {
		return fmt.Errorf("number application of %d: %w", a.UserID, err)
	}
	a.Ref = fmt.Sprintf("%s-%d-%04d", e.refPrefix(), e.program.Deadline.Year(), n)
	a.State = AppSubmitted
	a.SubmittedAt = e.now().UTC()
	if err := e.saveApplication(ctx, a); err != nil {
		return err
	}
	if err := e.store.AddToSet(ctx, appProjectSet(a.ProjectID), a.Ref); err != nil {
		return fmt.Errorf("index application %s: %w", a.Ref, err)
	}
	if err := e.store.AddToSet(ctx, appAllSet, a.Ref); err != nil {
		return fmt.Errorf("index application %s: %w", a.Ref, err)
	}
	if err := e.store.Put(ctx, appOfKey(a.UserID), a.Ref, 0); err != nil {
		return fmt.Errorf("index application %s: %w", a.Ref, err)
	}
	if err := e.store.Delete(ctx, appDraftKey(a.UserID)); err != nil {
		return fmt.Errorf("drop draft of %d: %w", a.UserID, err)
	}
	return nil
}

// refPrefix is the initials of the programme's capitalised words
// ("Mentoring for International Experience" gives "MIE").
func (e *Engine) refPrefix() string {
	var b strings.Builder
	for _, w := range strings.Fields(e.program.Name) {
		r := []rune(w)[0]
		if r >= 'A' && r <= 'Z' && unicode.IsUpper(r) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "APP"
	}
	return b.String()
}

// applicationData exports and erases what the apply flow keeps about a
// person. Erasing a submitted application keeps an anonymous record so
// the counts per project stay right.
func applicationData(e *Engine) PersonalData {
	return PersonalData{
		Export: func(ctx context.Context, userID int64) (any, error) {
			a, err := e.ApplicationOf(ctx, userID)
			if errors.Is(err, ErrNotFound) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return a, nil
		},
		Erase: func(ctx context.Context, userID int64) error {
			a, err := e.ApplicationOf(ctx, userID)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := e.store.Delete(ctx, appDraftKey(userID), appOfKey(userID)); err != nil {
				return fmt.Errorf("erase application of %d: %w", userID, err)
			}
			if a.State == AppDraft {
				return nil
			}
			anon := Application{Ref: a.Ref, State: a.State, Degree: a.Degree, Year: a.Year,
				ProjectID: a.ProjectID, Language: a.Language, Level: a.Level, MentorID: a.MentorID,
				Published: a.Published, CreatedAt: a.CreatedAt, SubmittedAt: a.SubmittedAt}
			if !a.Published && a.State != AppWithdrawn {
				// Nobody can be told a result any more.
				anon.State = AppWithdrawn
			}
			return e.saveApplication(ctx, &anon)
		},
	}
}
