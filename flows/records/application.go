package records

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
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

// AppStates lists every state, in the order an application goes
// through them.
var AppStates = []AppState{AppDraft, AppSubmitted, AppReview, AppInterview, AppAccepted, AppRejected, AppWithdrawn, AppMatched}

// Document kinds an application needs, in the order they are asked for.
const (
	DocCVItalian         = "cv_it"
	DocCVForeign         = "cv_foreign"
	DocLetterItalian     = "letter_it"
	DocLetterForeign     = "letter_foreign"
	DocLanguageCertified = "certificate"
)

// DocumentKinds lists the uploads in the order the apply flow asks.
var DocumentKinds = []string{DocCVItalian, DocCVForeign, DocLetterItalian, DocLetterForeign, DocLanguageCertified}

// Document is an uploaded file; the bytes stay with Telegram.
type Document struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name,omitempty"`
	MIMEType string `json:"mime_type,omitempty"`
	Size     int64  `json:"size,omitempty"`
}

// Application is one student's application to one edition of the
// programme. A draft is kept under the edition and the student's user
// id; on submission it gets a reference number and is kept under it.
type Application struct {
	Ref string `json:"ref,omitempty"`
	// Edition is the edition applied to ("2026/27"); applications
	// written before editions existed are given the current one at
	// start (EnsureIndexes).
	Edition   string   `json:"edition,omitempty"`
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

func appDraftKey(edition string, userID int64) string {
	return "application-draft:" + edition + ":" + id64(userID)
}
func appKey(ref string) string { return "application:" + ref }
func appOfKey(edition string, userID int64) string {
	return "application-of:" + edition + ":" + id64(userID)
}

// appsOfUserSet holds the reference numbers of userID's applications of
// every edition, for their export and erasure.
func appsOfUserSet(userID int64) string { return "applications-of:" + id64(userID) }

// The keys of a draft and of the pointer to a person's application as an
// older mentorbot wrote them, with no edition: read as the current
// edition's and deleted on the next save or erasure.
func legacyDraftKey(userID int64) string { return "application-draft:" + id64(userID) }
func legacyAppOfKey(userID int64) string { return "application-of:" + id64(userID) }

func appProjectSet(project string) string {
	return "applications:" + project
}
func publishedKey(ref string) string { return "published:" + ref }

// appAllSet holds the reference numbers of every submitted application.
const appAllSet = "applications"

// ApplicationOf returns userID's application to the current edition:
// the submitted one if there is one, else the draft. ErrNotFound when
// there is neither.
func (db *DB) ApplicationOf(ctx context.Context, userID int64) (Application, error) {
	var ref string
	err := db.s.Get(ctx, appOfKey(db.edition, userID), &ref)
	if err == nil {
		return db.Application(ctx, ref)
	}
	if !errors.Is(err, ErrNotFound) {
		return Application{}, fmt.Errorf("load application of %d: %w", userID, err)
	}
	var a Application
	err = db.s.Get(ctx, appDraftKey(db.edition, userID), &a)
	if errors.Is(err, ErrNotFound) {
		err = db.s.Get(ctx, legacyDraftKey(userID), &a)
	}
	if err != nil {
		return Application{}, fmt.Errorf("load draft of %d: %w", userID, err)
	}
	a.Edition = db.edition
	return a, nil
}

// ApplicationsOf returns userID's submitted applications of every
// edition and their draft of the current one, oldest first.
func (db *DB) ApplicationsOf(ctx context.Context, userID int64) ([]Application, error) {
	refs, err := db.s.Members(ctx, appsOfUserSet(userID))
	if err != nil {
		return nil, fmt.Errorf("load applications of %d: %w", userID, err)
	}
	var legacy string
	if err := db.s.Get(ctx, legacyAppOfKey(userID), &legacy); err == nil && !slices.Contains(refs, legacy) {
		refs = append(refs, legacy)
	}
	apps, err := db.applicationsByRef(ctx, refs)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(apps, func(a, b Application) int { return a.SubmittedAt.Compare(b.SubmittedAt) })
	if a, err := db.ApplicationOf(ctx, userID); err == nil && a.State == AppDraft {
		apps = append(apps, a)
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return apps, nil
}

// Application returns the submitted application ref; ErrNotFound if
// there is none.
func (db *DB) Application(ctx context.Context, ref string) (Application, error) {
	var a Application
	return a, db.get(ctx, appKey(ref), &a)
}

// ApplicationInEdition returns the submitted application ref of db's
// current edition; ErrNotFound if there is none, or it belongs to
// another edition (what staff decide on is this call's).
func (db *DB) ApplicationInEdition(ctx context.Context, ref string) (Application, error) {
	a, err := db.Application(ctx, ref)
	if err == nil && a.Edition != db.edition {
		return Application{}, fmt.Errorf("application %s of edition %s: %w", ref, a.Edition, ErrNotFound)
	}
	return a, err
}

// Applications returns every submitted application, withdrawn ones
// included, ordered by reference number.
func (db *DB) Applications(ctx context.Context) ([]Application, error) {
	return loadSet[Application](ctx, db, appAllSet, appKey)
}

// ProjectApplications returns the submitted applications to project,
// ordered by reference number.
func (db *DB) ProjectApplications(ctx context.Context, project string) ([]Application, error) {
	return loadSet[Application](ctx, db, appProjectSet(project), appKey)
}

// DraftKept is how long an application never submitted is kept after it
// was last changed: it belongs to no cohort, so cohort retention never
// reaches it, and a call is long over by then.
const DraftKept = 180 * 24 * time.Hour

// SaveApplication stores a: a draft under its user, for DraftKept, a
// submitted one under its reference number.
func (db *DB) SaveApplication(ctx context.Context, a *Application) error {
	a.UpdatedAt = db.now().UTC()
	if a.Edition == "" {
		a.Edition = db.edition
	}
	if a.State == AppDraft {
		if err := db.s.Put(ctx, appDraftKey(a.Edition, a.UserID), a, DraftKept); err != nil {
			return fmt.Errorf("save draft of %d: %w", a.UserID, err)
		}
		return db.del(ctx, legacyDraftKey(a.UserID))
	}
	if err := db.put(ctx, appKey(a.Ref), a); err != nil {
		return err
	}
	return db.indexApplication(ctx, *a)
}

// SubmitApplication gives draft a a reference number made by ref from
// the application counter, stores it as submitted, indexes it and
// drops the draft.
func (db *DB) SubmitApplication(ctx context.Context, a *Application, ref func(n int64) string) error {
	n, err := db.s.NextID(ctx, "application")
	if err != nil {
		return fmt.Errorf("number application of %d: %w", a.UserID, err)
	}
	a.Ref = ref(n)
	a.State = AppSubmitted
	a.SubmittedAt = db.now().UTC()
	if err := db.SaveApplication(ctx, a); err != nil {
		return err
	}
	if err := db.s.AddToSet(ctx, appProjectSet(a.ProjectID), a.Ref); err != nil {
		return fmt.Errorf("index application %s: %w", a.Ref, err)
	}
	if err := db.s.AddToSet(ctx, appAllSet, a.Ref); err != nil {
		return fmt.Errorf("index application %s: %w", a.Ref, err)
	}
	if err := db.s.Put(ctx, appOfKey(a.Edition, a.UserID), a.Ref, 0); err != nil {
		return fmt.Errorf("index application %s: %w", a.Ref, err)
	}
	if err := db.s.AddToSet(ctx, appsOfUserSet(a.UserID), a.Ref); err != nil {
		return fmt.Errorf("index application %s: %w", a.Ref, err)
	}
	if err := db.indexApplicationRef(ctx, a.Ref); err != nil {
		return err
	}
	return db.DeleteDraft(ctx, a.UserID)
}

// DeleteDraft drops userID's unsubmitted application to the current
// edition.
func (db *DB) DeleteDraft(ctx context.Context, userID int64) error {
	return db.del(ctx, appDraftKey(db.edition, userID), legacyDraftKey(userID))
}

// ClaimPublication reports whether this call is the first to announce
// the result of application ref: of two staff members publishing at
// once, each result is announced once.
func (db *DB) ClaimPublication(ctx context.Context, ref string) (bool, error) {
	first, err := db.s.Claim(ctx, publishedKey(ref), 0)
	if err != nil {
		return false, fmt.Errorf("claim publication of %s: %w", ref, err)
	}
	return first, nil
}

// ApplicationExport is what /mydata shows of an application: all of
// it, with the mentor named by their part.
type ApplicationExport struct {
	Ref         string              `json:"ref,omitempty"`
	Edition     string              `json:"edition,omitempty"`
	State       AppState            `json:"state"`
	Degree      string              `json:"degree,omitempty"`
	Year        int                 `json:"year,omitempty"`
	ProjectID   string              `json:"project_id,omitempty"`
	Language    string              `json:"language,omitempty"`
	Level       string              `json:"level,omitempty"`
	Documents   map[string]Document `json:"documents,omitempty"`
	Note        string              `json:"interview_note,omitempty"`
	Reason      string              `json:"reason,omitempty"`
	Mentor      Party               `json:"mentor,omitempty"`
	Published   bool                `json:"published,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	SubmittedAt time.Time           `json:"submitted_at,omitzero"`
	UpdatedAt   time.Time           `json:"updated_at,omitzero"`
}

// ExportApplication returns userID's applications of every edition,
// or nil when there is none.
func (db *DB) ExportApplication(ctx context.Context, userID int64) (any, error) {
	apps, err := db.ApplicationsOf(ctx, userID)
	if err != nil || len(apps) == 0 {
		return nil, err
	}
	out := make([]ApplicationExport, 0, len(apps))
	for _, a := range apps {
		d := ApplicationExport{Ref: a.Ref, Edition: a.Edition, State: a.State, Degree: a.Degree, Year: a.Year, ProjectID: a.ProjectID,
			Language: a.Language, Level: a.Level, Documents: a.Documents, Note: a.Note, Reason: a.Reason,
			Published: a.Published, CreatedAt: a.CreatedAt, SubmittedAt: a.SubmittedAt, UpdatedAt: a.UpdatedAt}
		switch {
		case a.MentorID == ErasedUser:
			d.Mentor = PartyDeleted
		case a.MentorID != 0:
			d.Mentor = PartyMentor
		}
		out = append(out, d)
	}
	return out, nil
}

// EraseApplication removes userID's applications of every edition. A
// submitted one stays as an anonymous record so the counts per project
// stay right; one whose result was not yet published counts as
// withdrawn, since nobody can be told the result any more.
func (db *DB) EraseApplication(ctx context.Context, userID int64) error {
	apps, err := db.ApplicationsOf(ctx, userID)
	if err != nil {
		return err
	}
	keys := []string{appsOfUserSet(userID), legacyAppOfKey(userID), legacyDraftKey(userID), appDraftKey(db.edition, userID)}
	for _, a := range apps {
		keys = append(keys, appOfKey(a.Edition, userID), appDraftKey(a.Edition, userID))
	}
	if err := db.del(ctx, keys...); err != nil {
		return err
	}
	for _, a := range apps {
		if a.State == AppDraft {
			continue
		}
		anon := Application{Ref: a.Ref, Edition: a.Edition, State: a.State, Degree: a.Degree, Year: a.Year,
			ProjectID: a.ProjectID, Language: a.Language, Level: a.Level, MentorID: a.MentorID,
			Published: a.Published, CreatedAt: a.CreatedAt, SubmittedAt: a.SubmittedAt}
		if !a.Published && a.State != AppWithdrawn {
			anon.State = AppWithdrawn
		}
		if err := db.SaveApplication(ctx, &anon); err != nil {
			return err
		}
	}
	return nil
}

// eraseMentorOfApplications replaces mentorID with ErasedUser in the
// applications matched to them.
func (db *DB) eraseMentorOfApplications(ctx context.Context, mentorID int64) error {
	apps, err := db.Applications(ctx)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.MentorID != mentorID {
			continue
		}
		a.MentorID = ErasedUser
		if err := db.put(ctx, appKey(a.Ref), a); err != nil {
			return err
		}
	}
	return nil
}
