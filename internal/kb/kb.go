// Package kb is the knowledge base (知识库) that call-takers answer from on the first line (一线办结):
// articles filed under the category catalogue, each owned by the unit that vouches for it, kept in
// versions and reviewed before agents see them. It knows nothing of storage or HTTP.
//
// An article's versions are never changed or deleted: every edit adds one, so what an agent read out
// on a given day can always be shown again. The latest version goes through review (draft → in review
// → published); while a new version is being written or reviewed, agents keep seeing the one
// published before it (Live), so that correcting an article never takes it away from the desk.
package kb

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/category"
)

// State is where an article's latest version is in review.
type State string

const (
	Draft     State = "draft"     // 草稿: being written; not yet asked for review
	InReview  State = "review"    // 待审核: waiting for a reviewer
	Published State = "published" // 已发布: the latest version is the one agents see
	Retired   State = "retired"   // 已停用: agents see nothing of it
)

// States lists the states in the order screens show them.
var States = []State{Draft, InReview, Published, Retired}

// Action is a review step. Edits are not actions: every edit is a new version (see Article.Edited).
type Action string

const (
	ActSubmit  Action = "submit"  // ask for review: draft → review
	ActPublish Action = "publish" // review → published, the version becomes the one agents see
	ActReturn  Action = "return"  // send back to the editors with a note: review → draft
	ActRetire  Action = "retire"  // take it off the desk: any state but retired → retired
)

// Actions lists the review steps.
var Actions = []Action{ActSubmit, ActPublish, ActReturn, ActRetire}

// Limits on what one version may carry, so that the console's panel and a read-out stay usable.
const (
	MaxTitleRunes   = 80
	MaxAnswerRunes  = 4000
	MaxKeywords     = 20
	MaxKeywordRunes = 20
	MaxNoteRunes    = 200
)

// Content is what one version of an article says and who stands behind it.
type Content struct {
	Category string   // category code; must be in use when the version is written
	Title    string   // the question as callers put it
	Answer   string   // plain text, read out or sent to the caller as it is
	Keywords []string // words callers use that the title and answer may not
	UnitID   string   // the unit that owns the answer and must keep it true
	// ReviewBy is the last day on which the owner must have checked the answer again; after it the
	// article is flagged and no longer suggested.
	ReviewBy calendar.Date
	// ExpiresOn is the first day on which the answer is no longer valid (a fee for one heating
	// season); zero for an answer without an end.
	ExpiresOn calendar.Date
}

// Article is an article as of one of its versions: the latest for editors, the live one for
// everyone else (Shown says which).
type Article struct {
	ID      string // KB00042: short enough to be read out and typed
	State   State
	Version int // the latest version; an edit or a review step must name it
	Live    int // the published version agents see and answer with; 0 when none
	Shown   int // the version whose Content this is
	Content
	// ReviewNote is why a reviewer last sent the latest version back; the next edit clears it.
	ReviewNote string
	CreatedAt  time.Time
	CreatedBy  string
	UpdatedAt  time.Time
	UpdatedBy  string
}

// Version is one stored version of an article, as it was written.
type Version struct {
	Number int
	Content
	Note        string // what the editor changed, or why a reviewer sent it back
	EditedAt    time.Time
	EditedBy    string
	PublishedAt time.Time // zero when this version never went live
	PublishedBy string
}

// FieldError is a validation failure that names the input at fault, in the API's words: the
// catalogue's, so that the edges report both alike.
type FieldError = category.FieldError

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// ErrState is wrapped by every refusal of a review step that the article's state does not allow.
var ErrState = errors.New("not allowed in the article's state")

// ErrStale means the actor acted on a version that is no longer the latest: someone else edited
// meanwhile. Nothing is overwritten; the actor reloads.
var ErrStale = errors.New("stale version")

// cityZone is where the city's days begin and end (China keeps no daylight saving time).
var cityZone = time.FixedZone("CST", 8*3600)

// Today is the city's date at now: review and expiry dates are days, not instants.
func Today(now time.Time) calendar.Date {
	y, m, d := now.In(cityZone).Date()
	return calendar.Date{Year: y, Month: m, Day: d}
}

// dayKey numbers a date so that later dates have larger numbers (20260302).
func dayKey(d calendar.Date) int32 { return int32(d.Year*10000 + int(d.Month)*100 + d.Day) }

func before(a, b calendar.Date) bool { return dayKey(a) < dayKey(b) }

func isSet(d calendar.Date) bool { return d != calendar.Date{} }

// Expired tells whether the answer is no longer valid on the given day.
func (c Content) Expired(today calendar.Date) bool {
	return isSet(c.ExpiresOn) && !before(today, c.ExpiresOn)
}

// ReviewOverdue tells whether the owner should have checked the answer again by the given day.
func (c Content) ReviewOverdue(today calendar.Date) bool {
	return isSet(c.ReviewBy) && before(c.ReviewBy, today)
}

// Usable tells whether agents may be offered the answer on the given day: neither expired nor
// waiting for its review.
func (c Content) Usable(today calendar.Date) bool {
	return !c.Expired(today) && !c.ReviewOverdue(today)
}

// Validate checks a version about to be written on the given day, naming the first field that is
// wrong. Whether the category and the unit exist is the store's question.
func (c Content) Validate(today calendar.Date) error {
	switch {
	case c.Category == "":
		return fieldErr("category", "required")
	case !category.ValidCode(c.Category):
		return fieldErr("category", "%q is not a category code such as 110401", c.Category)
	}
	if err := checkText("title", c.Title, MaxTitleRunes, true, false); err != nil {
		return err
	}
	if err := checkText("answer", c.Answer, MaxAnswerRunes, true, true); err != nil {
		return err
	}
	if len(c.Keywords) > MaxKeywords {
		return fieldErr("keywords", "at most %d keywords", MaxKeywords)
	}
	seen := map[string]bool{}
	for i, k := range c.Keywords {
		field := fmt.Sprintf("keywords[%d]", i)
		if err := checkText(field, k, MaxKeywordRunes, true, false); err != nil {
			return err
		}
		if strings.ContainsAny(k, ",，、") || seen[k] {
			return fieldErr(field, "%q: one keyword per entry, each once, without commas", k)
		}
		seen[k] = true
	}
	if c.UnitID == "" {
		return fieldErr("unit_id", "required: the unit that owns the answer")
	}
	return c.checkDates(today)
}

// checkDates refuses dates that would make the version unusable at once: an answer already expired,
// a review already due, or a review set after the answer ends.
func (c Content) checkDates(today calendar.Date) error {
	switch {
	case !isSet(c.ReviewBy):
		return fieldErr("review_by", "required: the last day by which the owner checks the answer again")
	case before(c.ReviewBy, today):
		return fieldErr("review_by", "%s has passed; set the next review date", c.ReviewBy)
	case c.Expired(today):
		return fieldErr("expires_on", "%s is not after today (%s): the answer would already have expired", c.ExpiresOn, today)
	case isSet(c.ExpiresOn) && !before(c.ReviewBy, c.ExpiresOn):
		return fieldErr("review_by", "%s is not before the expiry date %s", c.ReviewBy, c.ExpiresOn)
	}
	return nil
}

// CheckNote checks the note that goes with an edit or a review step.
func CheckNote(note string) error { return checkText("note", note, MaxNoteRunes, false, true) }

// checkText checks a text: length in characters, no stray spaces at either end, no control characters
// (line breaks and tabs only where the text may have several lines).
func checkText(field, s string, maxRunes int, required, multiline bool) error {
	switch {
	case s == "":
		if required {
			return fieldErr(field, "required")
		}
		return nil
	case strings.TrimSpace(s) != s:
		return fieldErr(field, "remove the spaces at either end")
	case utf8.RuneCountInString(s) > maxRunes:
		return fieldErr(field, "at most %d characters", maxRunes)
	case !utf8.ValidString(s):
		return fieldErr(field, "not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t')) {
			return fieldErr(field, "control characters are not allowed")
		}
	}
	return nil
}

// Edited is the article after a new version by who at now: the version is the latest and a draft.
// Agents keep the version published before, if any, until the new one is published.
func (a Article) Edited(who string, now time.Time) Article {
	a.Version++
	a.Shown = a.Version
	a.State, a.ReviewNote = Draft, ""
	a.UpdatedAt, a.UpdatedBy = now, who
	return a
}

// Step applies a review step to the latest version, which must be the one the actor saw (seen),
// and returns the article after it. Publishing checks the dates again: time may have passed since the
// version was written. Sending back needs a note that says what must change.
func (a Article) Step(act Action, seen int, note, who string, now time.Time) (Article, error) {
	if err := CheckNote(note); err != nil {
		return a, err
	}
	if seen != a.Version {
		return a, fmt.Errorf("version: %w: article %s is at version %d, you saw %d; reload and try again", ErrStale, a.ID, a.Version, seen)
	}
	from := map[Action][]State{ActSubmit: {Draft}, ActPublish: {InReview}, ActReturn: {InReview}, ActRetire: {Draft, InReview, Published}}
	allowed, known := from[act]
	if !known {
		return a, fmt.Errorf("%w: unknown step %q", ErrState, act)
	}
	if !slices.Contains(allowed, a.State) {
		return a, fmt.Errorf("%w: article %s is %s; %s is for articles that are %s", ErrState, a.ID, a.State, act, joinStates(allowed))
	}
	switch act {
	case ActSubmit:
		a.State = InReview
	case ActPublish:
		if err := a.checkDates(Today(now)); err != nil {
			return a, err
		}
		a.State, a.Live = Published, a.Version
	case ActReturn:
		if note == "" {
			return a, fieldErr("note", "required: say what must change")
		}
		a.State, a.ReviewNote = Draft, note
	case ActRetire:
		a.State, a.Live = Retired, 0
	}
	a.UpdatedAt, a.UpdatedBy = now, who
	return a, nil
}

func joinStates(ss []State) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, " or ")
}

// Permission is the policy action a review step needs: editors ask for review, reviewers decide.
func Permission(act Action) access.Action {
	if act == ActSubmit {
		return access.ActionEditKB
	}
	return access.ActionReviewKB
}

// MayEdit tells whether the actor may write articles and see versions not yet published. The
// knowledge base belongs to the whole city, so the target is city-wide.
func MayEdit(a access.Actor) bool {
	return access.Allow(a, access.ActionEditKB, access.Target{}) == nil
}

// MayReview tells whether the actor may publish, send back and retire articles.
func MayReview(a access.Actor) bool {
	return access.Allow(a, access.ActionReviewKB, access.Target{}) == nil
}
