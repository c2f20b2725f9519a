package jobs

import (
	"context"
	"fmt"
)

// QueueKey names the jobs of one kind in one state that are not finished yet.
type QueueKey struct{ Kind, State string }

// Queued counts the jobs that are waiting (available, scheduled, retryable) or running, by kind and state.
// Finished jobs are counted as they end (Ended), not here: River keeps them only for a while.
func (j *Jobs) Queued(ctx context.Context) (map[QueueKey]int64, error) {
	rows, err := j.store.JobsDB().QueryContext(ctx, `SELECT kind, state, count(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	out := map[QueueKey]int64{}
	for rows.Next() {
		var k QueueKey
		var n int64
		if err := rows.Scan(&k.Kind, &k.State, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}
