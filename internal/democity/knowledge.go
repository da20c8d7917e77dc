package democity

import (
	"context"
	"fmt"
	"time"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/kb"
	"github.com/cityline/cityline/internal/store"
)

// seedKnowledge writes the demo knowledge base (kb.Demo), each article owned by the demo unit its
// entry names and taken through review as far as the entry says: most are published, a few are left
// as drafts or waiting for review so that the review queue has something in it.
func seedKnowledge(ctx context.Context, st *store.Store, unitIDs map[string]string) error {
	articles, err := kb.Demo(kb.Today(time.Now()))
	if err != nil {
		return err
	}
	steps := map[kb.State][]kb.Action{kb.InReview: {kb.ActSubmit}, kb.Published: {kb.ActSubmit, kb.ActPublish}}
	for _, d := range articles {
		c := d.Content
		if c.UnitID = unitIDs[d.UnitCode]; c.UnitID == "" {
			return fmt.Errorf("seed article %s: unit %s is not in the demo city", d.Title, d.UnitCode)
		}
		a, err := st.CreateArticle(ctx, audit.System, c, "")
		if err != nil {
			return fmt.Errorf("seed article %s: %w", d.Title, err)
		}
		for _, act := range steps[d.State] {
			if a, err = st.StepArticle(ctx, audit.System, a.ID, act, a.Version, ""); err != nil {
				return fmt.Errorf("seed article %s: %s: %w", d.Title, act, err)
			}
		}
	}
	return nil
}
