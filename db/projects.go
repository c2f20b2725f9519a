package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// lockTimeFormat is how lock expiry times are stored: RFC 3339 UTC with a fixed width, so that comparing the text
// in SQL orders them.
const lockTimeFormat = "2006-01-02T15:04:05.000Z"

func formatLockTime(t time.Time) string { return t.UTC().Format(lockTimeFormat) }

// Project is an area of interest mapped by a team, with the settings its task workflow obeys.
type Project struct {
	ID                  int64
	Name                string
	Description         string
	Instructions        string
	Visibility          string // public or private
	Status              string // draft, published, completed or archived
	AOI                 string // GeoJSON MultiPolygon
	AreaM2              float64
	LockMinutes         int
	AllowSelfValidation bool
	MaxLocksPerUser     int
	CreatedBy           int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

const projectColumns = `p.id, p.name, p.description, p.instructions, p.visibility, p.status, p.aoi, p.area_m2,
	p.lock_minutes, p.allow_self_validation, p.max_locks_per_user, coalesce(p.created_by, 0), p.created_at,
	p.updated_at`

func scanProject(row scanner) (Project, error) {
	var p Project
	var created, updated string
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.Instructions, &p.Visibility, &p.Status, &p.AOI, &p.AreaM2,
		&p.LockMinutes, &p.AllowSelfValidation, &p.MaxLocksPerUser, &p.CreatedBy, &created, &updated)
	if err != nil {
		return Project{}, mapErr(err)
	}
	p.CreatedAt, p.UpdatedAt = parseTime(created), parseTime(updated)
	return p, nil
}

// CreateProject stores a new project and makes its creator (p.CreatedBy) its project manager. It returns the
// project as stored.
func (s *Store) CreateProject(ctx context.Context, p Project) (Project, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	p.CreatedAt, p.UpdatedAt = now, now
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO projects (name, description, instructions, visibility, status,
			aoi, area_m2, lock_minutes, allow_self_validation, max_locks_per_user, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.Name, p.Description, p.Instructions,
			p.Visibility, p.Status, p.AOI, p.AreaM2, p.LockMinutes, p.AllowSelfValidation, p.MaxLocksPerUser,
			nullID(p.CreatedBy), formatTime(now), formatTime(now)).Scan(&p.ID); err != nil {
			return err
		}
		if p.CreatedBy == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO project_members (project_id, user_id, role, created_at)
			VALUES (?, ?, 'project_manager', ?)`, p.ID, p.CreatedBy, formatTime(now))
		return err
	})
	return p, mapErr(err)
}

// Project returns the project with the given id, or ErrNotFound.
func (s *Store) Project(ctx context.Context, id int64) (Project, error) {
	row := s.read.QueryRowContext(ctx, "SELECT "+projectColumns+" FROM projects p WHERE p.id = ?", id)
	p, err := scanProject(row)
	if err != nil {
		return Project{}, fmt.Errorf("project %d: %w", id, err)
	}
	return p, nil
}

// maxProjectsPage bounds one page of a project list.
const maxProjectsPage = 500

// ProjectFilter selects the projects a caller may list: public ones, plus private ones they belong to (all of
// them for an administrator; public ones only when UserID is 0), narrowed by name and status, one page of them.
type ProjectFilter struct {
	UserID  int64
	IsAdmin bool
	Query   string // part of the name; ASCII letters match either case
	Status  string // draft, published, completed or archived; "" for any
	Limit   int    // 1 to maxProjectsPage; anything else means maxProjectsPage
	Offset  int
}

// where returns the SQL condition on projects p that the filter selects, with its arguments.
func (f ProjectFilter) where() (string, []any) {
	conds, args := []string{}, []any{}
	switch {
	case f.IsAdmin:
	case f.UserID == 0:
		conds = append(conds, "p.visibility = 'public' AND p.status <> 'draft'")
	default:
		conds = append(conds, `((p.visibility = 'public' AND p.status <> 'draft') OR EXISTS (SELECT 1
			FROM project_members m WHERE m.project_id = p.id AND m.user_id = ?))`)
		args = append(args, f.UserID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds = append(conds, `lower(p.name) LIKE lower(?) ESCAPE '\'`) // both engines ignore case
		args = append(args, "%"+escapeLike(q)+"%")
	}
	if f.Status != "" {
		conds = append(conds, "p.status = ?")
		args = append(args, f.Status)
	}
	if len(conds) == 0 {
		return "1 = 1", args // a truth both engines accept (PostgreSQL's WHERE wants a boolean)
	}
	return strings.Join(conds, " AND "), args
}

// Projects returns one page of the projects the filter selects, newest first, and how many it selects in all.
// The projects' AOI is left empty (Project reads it).
func (s *Store) Projects(ctx context.Context, f ProjectFilter) ([]Project, int, error) {
	where, args := f.where()
	var total int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM projects p WHERE "+where, args...).Scan(&total)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > maxProjectsPage {
		f.Limit = maxProjectsPage
	}
	// A list shows no AOI, and AOIs may be large: leave them out.
	cols := strings.Replace(projectColumns, "p.aoi,", "'',", 1)
	out, err := queryAll(ctx, s.read, scanProject, "SELECT "+cols+" FROM projects p WHERE "+where+
		" ORDER BY p.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, max(f.Offset, 0))...)
	return out, total, err
}

// UpdateProject reads the project inside a write transaction, lets edit change it (edit may refuse with an
// error, which is returned), and stores the result. Name, texts, visibility, status and settings are stored;
// the AOI and the creator are not changed here.
func (s *Store) UpdateProject(ctx context.Context, id int64, edit func(*Project) error) (Project, error) {
	var p Project
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		p, err = scanProject(tx.QueryRowContext(ctx, "SELECT "+projectColumns+" FROM projects p WHERE p.id = ?", id))
		if err != nil {
			return err
		}
		if err := edit(&p); err != nil {
			return err
		}
		p.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
		_, err = tx.ExecContext(ctx, `UPDATE projects SET name = ?, description = ?, instructions = ?,
			visibility = ?, status = ?, lock_minutes = ?, allow_self_validation = ?, max_locks_per_user = ?,
			updated_at = ? WHERE id = ?`, p.Name, p.Description, p.Instructions, p.Visibility, p.Status,
			p.LockMinutes, p.AllowSelfValidation, p.MaxLocksPerUser, formatTime(p.UpdatedAt), id)
		return err
	})
	return p, mapErr(err)
}

// DeleteProject deletes a project with its members, tasks, history and features.
func (s *Store) DeleteProject(ctx context.Context, id int64) error {
	return mapErr(s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM projects WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("project %d: %w", id, ErrNotFound)
		}
		return nil
	}))
}

// nullID stores 0 as NULL, for optional references to users.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Member is a user's membership of a project.
type Member struct {
	UserID      int64
	Username    string
	DisplayName string
	Role        string // mapper, validator, field_manager or project_manager
	CreatedAt   time.Time
}

// Members returns a project's members, by username.
func (s *Store) Members(ctx context.Context, projectID int64) ([]Member, error) {
	return queryAll(ctx, s.read, func(row scanner) (Member, error) {
		var m Member
		var created string
		err := row.Scan(&m.UserID, &m.Username, &m.DisplayName, &m.Role, &created)
		m.CreatedAt = parseTime(created)
		return m, err
	}, `SELECT m.user_id, u.username, u.display_name, m.role, m.created_at
		FROM project_members m JOIN users u ON u.id = m.user_id WHERE m.project_id = ? ORDER BY u.username`,
		projectID)
}

// MemberRole returns the user's role in the project, or "" when they are not a member.
func (s *Store) MemberRole(ctx context.Context, projectID, userID int64) (string, error) {
	var role string
	err := s.read.QueryRowContext(ctx, "SELECT role FROM project_members WHERE project_id = ? AND user_id = ?",
		projectID, userID).Scan(&role)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return role, err
}

// SetMember adds the user to the project with role, or changes their role. It returns ErrNotFound when the user
// does not exist and ErrConflict when the change would leave the project without a project manager.
func (s *Store) SetMember(ctx context.Context, projectID, userID int64, role string) (Member, error) {
	m := Member{UserID: userID, Role: role}
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var created string
		err := tx.QueryRowContext(ctx, "SELECT username, display_name FROM users WHERE id = ?", userID).
			Scan(&m.Username, &m.DisplayName)
		if err != nil {
			return fmt.Errorf("user %d: %w", userID, mapErr(err))
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO project_members (project_id, user_id, role, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role
			RETURNING created_at`, projectID, userID, role, formatTime(time.Now())).Scan(&created)
		if err != nil {
			return err
		}
		m.CreatedAt = parseTime(created)
		return keepProjectManager(ctx, tx, projectID)
	})
	return m, mapErr(err)
}

// RemoveMember removes the user from the project: ErrNotFound when they are not a member, ErrConflict when they
// are its last project manager.
func (s *Store) RemoveMember(ctx context.Context, projectID, userID int64) error {
	return mapErr(s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM project_members WHERE project_id = ? AND user_id = ?",
			projectID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("member %d of project %d: %w", userID, projectID, ErrNotFound)
		}
		return keepProjectManager(ctx, tx, projectID)
	}))
}

// keepProjectManager refuses a membership change that leaves a project without any project manager.
func keepProjectManager(ctx context.Context, tx *sql.Tx, projectID int64) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM project_members WHERE project_id = ?
		AND role = 'project_manager'`, projectID).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("the project needs a project manager: %w", ErrConflict)
	}
	return nil
}
