package hub

import (
	"context"
	"fmt"
	"time"
)

// retain prunes the history at once and then every pruneInterval, until
// Shutdown. Pruning on a timer rather than on publish keeps publishing at
// one INSERT, and bounds the history by age even when nothing is
// published; the first prune runs here rather than in New, so that a big
// history does not delay the start.
func (h *Hub) retain() {
	defer close(h.retained)
	t := time.NewTicker(pruneInterval)
	defer t.Stop()
	for {
		if err := h.Prune(h.ctx); err != nil && h.ctx.Err() == nil {
			h.log.Error("hub: prune history", "retain_updates", h.cfg.RetainUpdates, "retain_for", h.cfg.RetainFor, "err", err)
		}
		select {
		case <-t.C:
		case <-h.ctx.Done():
			return
		}
	}
}

// Prune applies the retention bounds (Config.RetainUpdates, RetainFor) to
// the history now. The hub calls it at start and every minute; a
// subscriber resuming from a pruned id gets what is still retained (see
// the subscribe handler).
func (h *Hub) Prune(ctx context.Context) error {
	if h.cfg.RetainUpdates <= 0 && h.cfg.RetainFor <= 0 {
		return nil
	}
	var before time.Time
	if h.cfg.RetainFor > 0 {
		before = time.Now().Add(-h.cfg.RetainFor)
	}
	if err := h.cfg.History.PruneUpdates(ctx, h.cfg.RetainUpdates, before); err != nil {
		return fmt.Errorf("prune history: %w", err)
	}
	// The history's newest updates may still wait for the dispatcher, not
	// yet in the ring: keep that many fewer, so as to drop at least what
	// the history dropped.
	h.recent.trim(h.cfg.RetainUpdates > 0, h.cfg.RetainUpdates-len(h.pending), before)
	return nil
}
