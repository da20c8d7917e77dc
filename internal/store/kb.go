package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/calendar"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/textsearch"
)

// articleColumns read an article with the content of the version joined as v.
const articleColumns = `a.id, a.state, a.version, a.live_version, v.version, a.review_note, v.category_code, v.unit_id, v.title,
	v.answer, v.keywords, v.review_by, v.expires_on, a.created_at, a.created_by, a.updated_at, a.updated_by`

func scanArticle(row interface{ Scan(...any) error }) (kb.Article, error) {
	var a kb.Article
	var keywords, reviewBy, expiresOn string
	var created, updated int64
	if err := row.Scan(&a.ID, &a.State, &a.Version, &a.Live, &a.Shown, &a.ReviewNote, &a.Category, &a.UnitID, &a.Title,
		&a.Answer, &keywords, &reviewBy, &expiresOn, &created, &a.CreatedBy, &updated, &a.UpdatedBy); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return a, decodeContent(&a.Content, keywords, reviewBy, expiresOn)
}

// decodeContent fills the columns kept as text: keywords as a JSON array, dates as 2026-12-31.
func decodeContent(c *kb.Content, keywords, reviewBy, expiresOn string) error {
	if err := json.Unmarshal([]byte(keywords), &c.Keywords); err != nil {
		return fmt.Errorf("article keywords: %w", err)
	}
	if len(c.Keywords) == 0 {
		c.Keywords = nil
	}
	for _, d := range []struct {
		into *calendar.Date
		text string
	}{{&c.ReviewBy, reviewBy}, {&c.ExpiresOn, expiresOn}} {
		if d.text == "" {
			continue
		}
		parsed, err := calendar.ParseDate(d.text)
		if err != nil {
			return fmt.Errorf("article date: %w", err)
		}
		*d.into = parsed
	}
	return nil
}

func dateText(d calendar.Date) string {
	if d == (calendar.Date{}) {
		return ""
	}
	return d.String()
}

// ArticleFilter narrows a listing of articles. Zero fields do not filter.
type ArticleFilter struct {
	// Live lists the versions agents see, and only articles that have one; otherwise each article's
	// latest version, drafts included (for editors).
	Live     bool
	Query    string // every term must be in the title, answer or keywords; the best matches come first
	Category string
	State    kb.State
	UnitID   string
	Limit    int // 50 when zero, at most 200
	Offset   int
}

// Articles lists articles, by category and title, or by relevance when there is a query. More says
// whether another page follows.
func (s *Store) Articles(ctx context.Context, f ArticleFilter) (items []kb.Article, more bool, err error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	shown, where := "a.version", []string{"TRUE"}
	if f.Live {
		shown, where = "a.live_version", append(where, "a.live_version > 0")
	}
	from := "kb_articles a JOIN kb_versions v ON v.article_id = a.id AND v.version = " + shown
	order := "v.category_code, v.title, a.id"
	if terms := textsearch.QueryTerms(f.Query); len(terms) > 0 {
		q := arg(s.ftsQuery(terms))
		if s.dialect == Postgres {
			from += ` JOIN (SELECT article_id, version, ts_rank(terms, to_tsquery('simple', ` + q + `)) AS rank
				FROM kb_search WHERE terms @@ to_tsquery('simple', ` + q + `)) s ON s.article_id = v.article_id AND s.version = v.version`
		} else {
			from += ` JOIN (SELECT rowid, -bm25(kb_search) AS rank FROM kb_search WHERE kb_search MATCH ` + q + `) s ON s.rowid = v.rowid`
		}
		order = "s.rank DESC, a.id"
	} else if strings.TrimSpace(f.Query) != "" {
		return nil, false, nil // punctuation or emoji only: nothing can match
	}
	if f.Category != "" {
		where = append(where, "v.category_code = "+arg(f.Category))
	}
	if f.State != "" {
		where = append(where, "a.state = "+arg(string(f.State)))
	}
	if f.UnitID != "" {
		where = append(where, "v.unit_id = "+arg(f.UnitID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	rows, err := s.r.QueryContext(ctx, `SELECT `+articleColumns+` FROM `+from+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` LIMIT `+arg(limit+1)+` OFFSET `+arg(max(f.Offset, 0)), args...)
	if err != nil {
		return nil, false, fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, false, fmt.Errorf("list articles: %w", err)
		}
		items = append(items, a)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list articles: %w", err)
	}
	if len(items) > limit {
		return items[:limit], true, nil
	}
	return items, false, nil
}

// Article returns one article with the content of its latest version, or with live, of the version
// agents see (ErrNotFound when none is published).
func (s *Store) Article(ctx context.Context, id string, live bool) (kb.Article, error) {
	return articleAt(ctx, s.r, id, live)
}

func articleAt(ctx context.Context, q execer, id string, live bool) (kb.Article, error) {
	shown := "a.version"
	if live {
		shown = "a.live_version"
	}
	a, err := scanArticle(q.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM kb_articles a
		JOIN kb_versions v ON v.article_id = a.id AND v.version = `+shown+` WHERE a.id = $1`, id))
	return a, lookupErr(err, "article "+id)
}

// ArticleVersions returns every version of an article, newest first.
func (s *Store) ArticleVersions(ctx context.Context, id string) ([]kb.Version, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT version, category_code, unit_id, title, answer, keywords, review_by, expires_on,
		note, edited_at, edited_by, published_at, published_by FROM kb_versions WHERE article_id = $1 ORDER BY version DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("article %s versions: %w", id, err)
	}
	defer rows.Close()
	var out []kb.Version
	for rows.Next() {
		var v kb.Version
		var keywords, reviewBy, expiresOn string
		var edited int64
		var published sql.NullInt64
		if err := rows.Scan(&v.Number, &v.Category, &v.UnitID, &v.Title, &v.Answer, &keywords, &reviewBy, &expiresOn,
			&v.Note, &edited, &v.EditedBy, &published, &v.PublishedBy); err != nil {
			return nil, fmt.Errorf("article %s versions: %w", id, err)
		}
		if err := decodeContent(&v.Content, keywords, reviewBy, expiresOn); err != nil {
			return nil, err
		}
		v.EditedAt, v.PublishedAt = time.UnixMilli(edited).UTC(), millisTime(published)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("article %s versions: %w", id, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("article %s: %w", id, ErrNotFound)
	}
	return out, nil
}

// KnowledgeChanges counts every change ever made to the knowledge base. A node that keeps a copy of
// the published articles reads them again only when the count has moved.
func (s *Store) KnowledgeChanges(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT changes FROM kb_counter WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("knowledge changes: %w", err)
	}
	return n, nil
}

// LiveArticles returns every article that agents may see, with its live version, and the change
// count it is current as of (read first, so that a change made meanwhile is found by the next check).
func (s *Store) LiveArticles(ctx context.Context) ([]kb.Article, int64, error) {
	changes, err := s.KnowledgeChanges(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+articleColumns+` FROM kb_articles a
		JOIN kb_versions v ON v.article_id = a.id AND v.version = a.live_version WHERE a.live_version > 0 ORDER BY a.id`)
	if err != nil {
		return nil, 0, fmt.Errorf("live articles: %w", err)
	}
	defer rows.Close()
	var out []kb.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("live articles: %w", err)
		}
		out = append(out, a)
	}
	return out, changes, rows.Err()
}

// checkArticleRefs checks what a version refers to: a category in use and a unit that is not disabled.
func checkArticleRefs(ctx context.Context, tx *sql.Tx, c kb.Content) error {
	cats, err := queryCategories(ctx, tx, CategoryFilter{})
	if err != nil {
		return err
	}
	switch known, inUse := category.NewTree(cats).InUse(c.Category); {
	case !known:
		return &kb.FieldError{Field: "category", Problem: fmt.Sprintf("unknown category %q", c.Category)}
	case !inUse:
		return &kb.FieldError{Field: "category", Problem: fmt.Sprintf("category %q is no longer in use", c.Category)}
	}
	var disabled bool
	err = tx.QueryRowContext(ctx, `SELECT disabled FROM units WHERE id = $1`, c.UnitID).Scan(&disabled)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &kb.FieldError{Field: "unit_id", Problem: fmt.Sprintf("unknown unit %q", c.UnitID)}
	case err != nil:
		return fmt.Errorf("article unit: %w", err)
	case disabled:
		return &kb.FieldError{Field: "unit_id", Problem: "the unit is disabled"}
	}
	return nil
}

// The statements that write the knowledge base.
const (
	kbNumberSQL  = `UPDATE kb_counter SET last = last + 1, changes = changes + 1 WHERE id = 1 RETURNING last`
	kbChangedSQL = `UPDATE kb_counter SET changes = changes + 1 WHERE id = 1`
	kbVersionSQL = `INSERT INTO kb_versions (article_id, version, category_code, unit_id, title, answer, keywords, review_by,
		expires_on, note, edited_at, edited_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	kbIndexSQLite   = `INSERT INTO kb_search (rowid, terms) SELECT rowid, $3 FROM kb_versions WHERE article_id = $1 AND version = $2`
	kbIndexPostgres = `INSERT INTO kb_search (article_id, version, terms) VALUES ($1, $2, to_tsvector('simple', $3))`
)

// insertVersion writes version n of the article and indexes its text for search.
func (s *Store) insertVersion(ctx context.Context, tx *sql.Tx, id string, n int, c kb.Content, note string, at time.Time, by string) error {
	keywords, err := json.Marshal(append([]string{}, c.Keywords...))
	if err != nil {
		return fmt.Errorf("article %s keywords: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, kbVersionSQL, id, n, c.Category, c.UnitID, c.Title, c.Answer, string(keywords),
		dateText(c.ReviewBy), dateText(c.ExpiresOn), note, at.UnixMilli(), by); err != nil {
		return fmt.Errorf("article %s version %d: %w", id, n, err)
	}
	index := kbIndexSQLite
	if s.dialect == Postgres {
		index = kbIndexPostgres
	}
	terms := textsearch.IndexTerms(c.Title + "\n" + strings.Join(c.Keywords, " ") + "\n" + c.Answer)
	if _, err := tx.ExecContext(ctx, index, id, n, terms); err != nil {
		return fmt.Errorf("index article %s: %w", id, err)
	}
	return nil
}

// checkNew validates a version about to be written, on the city's date today.
func (s *Store) checkNew(c kb.Content, note string) error {
	if err := c.Validate(kb.Today(s.now())); err != nil {
		return err
	}
	return kb.CheckNote(note)
}

// CreateArticle stores a new article as a draft at version 1, numbered KB00001, KB00002, … in the
// order they are created, with its audit entry.
func (s *Store) CreateArticle(ctx context.Context, who audit.Who, c kb.Content, note string) (kb.Article, error) {
	if err := s.checkNew(c, note); err != nil {
		return kb.Article{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	a := kb.Article{State: kb.Draft, Version: 1, Shown: 1, Content: c, CreatedAt: now, CreatedBy: who.Actor, UpdatedAt: now, UpdatedBy: who.Actor}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkArticleRefs(ctx, tx, c); err != nil {
			return err
		}
		var n int64
		if err := tx.QueryRowContext(ctx, kbNumberSQL).Scan(&n); err != nil {
			return fmt.Errorf("number the article: %w", err)
		}
		a.ID = fmt.Sprintf("KB%05d", n)
		if _, err := tx.ExecContext(ctx, `INSERT INTO kb_articles (id, state, version, created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, 1, $3, $4, $3, $4)`, a.ID, string(a.State), now.UnixMilli(), who.Actor); err != nil {
			return fmt.Errorf("create article: %w", err)
		}
		if err := s.insertVersion(ctx, tx, a.ID, 1, c, note, now, who.Actor); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "kb.create", ObjectType: "kb_article", ObjectID: a.ID,
			Detail: map[string]any{"title": c.Title, "category": c.Category, "unit_id": c.UnitID}})
	})
	return a, err
}

// EditArticle writes c as a new version of the article if its latest version is still seen
// (ErrConflict otherwise: nothing is overwritten), and returns the article at the new version, a
// draft. Agents keep seeing the version published before until the new one is published. An edit
// that changes nothing writes nothing.
func (s *Store) EditArticle(ctx context.Context, who audit.Who, id string, seen int, c kb.Content, note string) (kb.Article, error) {
	if err := s.checkNew(c, note); err != nil {
		return kb.Article{}, err
	}
	return s.changeArticle(ctx, id, func(tx *sql.Tx, old kb.Article, now time.Time) (kb.Article, error) {
		if old.Version != seen {
			return old, staleArticle(old, seen)
		}
		changed := contentChanges(old.Content, c)
		if len(changed) == 0 && note == "" {
			return old, nil
		}
		if err := checkArticleRefs(ctx, tx, c); err != nil {
			return old, err
		}
		a := old.Edited(who.Actor, now)
		a.Content = c
		res, err := tx.ExecContext(ctx, `UPDATE kb_articles SET state = $3, version = $4, review_note = '', updated_at = $5, updated_by = $6
			WHERE id = $1 AND version = $2`, id, seen, string(a.State), a.Version, now.UnixMilli(), who.Actor)
		if err := oneRow(res, err, "edit article "+id); err != nil {
			return a, err
		}
		if err := s.insertVersion(ctx, tx, id, a.Version, c, note, now, who.Actor); err != nil {
			return a, err
		}
		return a, s.articleChanged(ctx, tx, who, audit.Change{Action: "kb.edit", ObjectType: "kb_article", ObjectID: id,
			Detail: map[string]any{"version": a.Version, "changed": changed, "note": note}})
	})
}

// changeArticle runs fn in one write transaction on the article as it stands (its latest version),
// at one instant.
func (s *Store) changeArticle(ctx context.Context, id string, fn func(tx *sql.Tx, old kb.Article, now time.Time) (kb.Article, error)) (kb.Article, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	var a kb.Article
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := articleAt(ctx, tx, id, false)
		if err != nil {
			return err
		}
		a, err = fn(tx, old, now)
		return err
	})
	return a, err
}

// articleChanged counts a change of the knowledge base and records it in the audit log.
func (s *Store) articleChanged(ctx context.Context, tx *sql.Tx, who audit.Who, c audit.Change) error {
	if _, err := tx.ExecContext(ctx, kbChangedSQL); err != nil {
		return fmt.Errorf("count the change: %w", err)
	}
	return s.appendAudit(ctx, tx, who, c)
}

func staleArticle(a kb.Article, seen int) error {
	return fmt.Errorf("article %s: %w: it was changed by someone else (version %d, yours %d); reload and try again", a.ID, ErrConflict, a.Version, seen)
}

// oneRow checks that a conditional update found its row: when it did not, someone else changed the
// row between the read and the write (on PostgreSQL, which lets two writers read at once).
func oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%s: %w: it was changed by someone else meanwhile; reload and try again", what, ErrConflict)
	}
	return nil
}

// contentChanges names, in the API's words, what differs between two versions.
func contentChanges(old, c kb.Content) []string {
	var out []string
	for _, f := range []struct {
		name string
		same bool
	}{
		{"category", old.Category == c.Category}, {"title", old.Title == c.Title}, {"answer", old.Answer == c.Answer},
		{"keywords", slices.Equal(old.Keywords, c.Keywords)}, {"unit_id", old.UnitID == c.UnitID},
		{"review_by", old.ReviewBy == c.ReviewBy}, {"expires_on", old.ExpiresOn == c.ExpiresOn},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}

// StepArticle applies a review step (kb.Article.Step) to the article's latest version, which must
// still be seen, and returns the article after it with the content of that version. Publishing marks
// the version as published by who.
func (s *Store) StepArticle(ctx context.Context, who audit.Who, id string, act kb.Action, seen int, note string) (kb.Article, error) {
	return s.changeArticle(ctx, id, func(tx *sql.Tx, old kb.Article, now time.Time) (kb.Article, error) {
		a, err := old.Step(act, seen, note, who.Actor, now)
		if errors.Is(err, kb.ErrStale) {
			return a, staleArticle(old, seen)
		}
		if err != nil {
			return a, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE kb_articles SET state = $4, live_version = $5, review_note = $6, updated_at = $7, updated_by = $8
			WHERE id = $1 AND version = $2 AND state = $3`,
			id, seen, string(old.State), string(a.State), a.Live, a.ReviewNote, now.UnixMilli(), who.Actor)
		if err := oneRow(res, err, "article "+id+" "+string(act)); err != nil {
			return a, err
		}
		if act == kb.ActPublish {
			if _, err := tx.ExecContext(ctx, `UPDATE kb_versions SET published_at = $3, published_by = $4 WHERE article_id = $1 AND version = $2`,
				id, a.Version, now.UnixMilli(), who.Actor); err != nil {
				return a, fmt.Errorf("publish article %s: %w", id, err)
			}
		}
		return a, s.articleChanged(ctx, tx, who, audit.Change{Action: "kb." + string(act), ObjectType: "kb_article", ObjectID: id,
			Detail: map[string]any{"version": a.Version, "state": a.State, "live_version": a.Live, "note": note}})
	})
}
