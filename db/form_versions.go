package db

import "context"

// FormVersions returns every stored version of a form, newest first (for the forms page); an unknown form gives
// an empty list.
func (s *Store) FormVersions(ctx context.Context, projectID int64, formID string) ([]Form, error) {
	return queryAll(ctx, s.read, scanForm, "SELECT "+formColumns+
		" FROM forms WHERE project_id = ? AND form_id = ? ORDER BY id DESC", projectID, formID)
}
