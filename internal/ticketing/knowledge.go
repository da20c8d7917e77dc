package ticketing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/snapshot"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// knowledgeReload is how long suggestions come from this node's copy of the published articles
// before the store is asked whether anything changed; an article published on another node reaches
// this node's console within this time (at once on the node that published it, see RefreshKnowledge).
const knowledgeReload = 5 * time.Second

// knowledgeCopy is the node's index of the published articles and the store's change count it was
// built at, so that an unchanged knowledge base is not read again. Only the snapshot's loader uses
// it, and the snapshot runs one load at a time.
type knowledgeCopy struct {
	index   *kb.Index
	changes int64
}

func newKnowledge(st *store.Store) *snapshot.Of[*kb.Index] {
	c := &knowledgeCopy{}
	return snapshot.New("published knowledge base", knowledgeReload, func(ctx context.Context) (*kb.Index, error) {
		if c.index != nil {
			n, err := st.KnowledgeChanges(ctx)
			if err != nil {
				return nil, err
			}
			if n == c.changes {
				return c.index, nil
			}
		}
		live, changes, err := st.LiveArticles(ctx)
		if err != nil {
			return nil, err
		}
		c.index, c.changes = kb.NewIndex(live), changes
		return c.index, nil
	})
}

// MaxSuggestions bounds what the console shows beside the form.
const MaxSuggestions = 8

// SuggestArticles returns the published articles that best fit the text an agent is typing, with the
// order's category (if chosen yet) preferred; expired articles and those overdue for review are left
// out. Reading the knowledge base needs no role, so neither does this.
func (s *Service) SuggestArticles(ctx context.Context, text, category string, limit int) ([]kb.Suggestion, error) {
	index, err := s.knowledge.Get(ctx)
	if err != nil {
		return nil, err
	}
	return index.Suggest(text, category, kb.Today(s.now()), min(max(limit, 1), MaxSuggestions)), nil
}

// RefreshKnowledge makes the next suggestion look at the store again, after this node changed the
// knowledge base.
func (s *Service) RefreshKnowledge() { s.knowledge.Expire() }

// checkArticle makes sure that a first-line answer names an article agents may answer with: one that
// exists, is published and has not expired. The order's timeline records the article's title and the
// version read out.
func (s *Service) checkArticle(ctx context.Context, ch *store.TicketChange, id string) error {
	id = strings.ToUpper(strings.TrimSpace(id)) // people type kb00042 too
	a, err := s.st.Article(ctx, id, true)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.st.Article(ctx, id, false); err == nil {
			return &workorder.FieldError{Field: "kb_article", Reason: fmt.Sprintf("article %s is not published", id)}
		}
		return &workorder.FieldError{Field: "kb_article", Reason: fmt.Sprintf("no article %q", id)}
	}
	if err != nil {
		return err
	}
	if a.Expired(kb.Today(s.now())) {
		return &workorder.FieldError{Field: "kb_article", Reason: fmt.Sprintf("article %s expired on %s", id, a.ExpiresOn)}
	}
	ch.After.KBArticle = a.ID
	ch.Event.Data["kb_article"], ch.Event.Data["kb_title"], ch.Event.Data["kb_version"] = a.ID, a.Title, a.Shown
	return nil
}

// seesDrafts tells whether the actor works on the knowledge base, and so sees versions that are not
// (or no longer) published; everyone else sees only what agents answer with.
func seesDrafts(a access.Actor) bool { return kb.MayEdit(a) || kb.MayReview(a) }

// Articles lists the articles the actor may see: for editors and reviewers each article's latest
// version, or what agents see when f.Live asks for it; for everyone else only the published ones.
func (s *Service) Articles(ctx context.Context, a access.Actor, f store.ArticleFilter) ([]kb.Article, bool, error) {
	if err := access.Allow(a, access.ActionViewKB, access.Target{}); err != nil {
		return nil, false, err
	}
	f.Live = f.Live || !seesDrafts(a)
	return s.st.Articles(ctx, f)
}

// Article returns one article as the actor may see it, with its versions, newest first: editors and
// reviewers get the latest version and every version; everyone else the published version and the
// versions that were published, and ErrNotFound for an article that is not published.
func (s *Service) Article(ctx context.Context, a access.Actor, id string) (kb.Article, []kb.Version, error) {
	if err := access.Allow(a, access.ActionViewKB, access.Target{}); err != nil {
		return kb.Article{}, nil, err
	}
	drafts := seesDrafts(a)
	art, err := s.st.Article(ctx, id, !drafts)
	if err != nil {
		return art, nil, err
	}
	versions, err := s.st.ArticleVersions(ctx, id)
	if !drafts {
		versions = slices.DeleteFunc(versions, func(v kb.Version) bool { return v.PublishedAt.IsZero() })
	}
	return art, versions, err
}

// CreateArticle stores a new article as a draft written by the actor.
func (s *Service) CreateArticle(ctx context.Context, a access.Actor, c kb.Content, note string) (kb.Article, error) {
	if err := access.Allow(a, access.ActionEditKB, access.Target{}); err != nil {
		return kb.Article{}, err
	}
	return s.st.CreateArticle(ctx, who(a), c, note)
}

// EditArticle writes a new version of an article over the version the actor saw.
func (s *Service) EditArticle(ctx context.Context, a access.Actor, id string, seen int, c kb.Content, note string) (kb.Article, error) {
	if err := access.Allow(a, access.ActionEditKB, access.Target{}); err != nil {
		return kb.Article{}, err
	}
	return s.st.EditArticle(ctx, who(a), id, seen, c, note)
}

// StepArticle takes an article's latest version a step through review; what agents are offered
// follows at once on this node.
func (s *Service) StepArticle(ctx context.Context, a access.Actor, id string, act kb.Action, seen int, note string) (kb.Article, error) {
	if err := access.Allow(a, kb.Permission(act), access.Target{}); err != nil {
		return kb.Article{}, err
	}
	art, err := s.st.StepArticle(ctx, who(a), id, act, seen, note)
	if err == nil {
		s.RefreshKnowledge()
	}
	return art, err
}
