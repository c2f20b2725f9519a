package db

import "context"

// FormVersions returns every stored version of a form, newest first (for the forms page); an unknown form gives
// an empty list.
func (s *Store) FormVersions(ctx context.Context, projectID int64, formID string) ([]Form, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT "+formColumns+
		" FROM forms WHERE project_id = ? AND form_id = ? ORDER BY id DESC", projectID, formID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Form{}
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
