package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/google/uuid"
)

const userColumns = `id, username, display_name, phone, machine, disabled, COALESCE(unit_id, ''), COALESCE(place_code, ''), grid_role, version`

func scanUser(row interface{ Scan(...any) error }) (access.User, error) {
	var u access.User
	var gridRole string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Phone, &u.Machine, &u.Disabled, &u.UnitID, &u.PlaceCode, &gridRole, &u.Version)
	u.GridRole = access.GridRole(gridRole)
	return u, err
}

// CreateUser stores a new user with its roles. passwordHash may be empty for machine clients,
// which sign in only with API keys.
func (s *Store) CreateUser(ctx context.Context, who audit.Who, u access.User, passwordHash string) (access.User, error) {
	if err := u.Validate(); err != nil {
		return u, err
	}
	if u.ID == "" {
		u.ID = uuid.Must(uuid.NewV7()).String()
	}
	u.Version = 1
	now := s.nowMillis()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, phone, password_hash, machine, disabled, unit_id, place_code, grid_role, created_at, updated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1)`,
			u.ID, u.Username, u.DisplayName, u.Phone, passwordHash, u.Machine, u.Disabled, nullString(u.UnitID), nullString(u.PlaceCode), string(u.GridRole), now)
		if isUniqueViolation(err) {
			return fmt.Errorf("username: %w: %s is taken", ErrConflict, u.Username)
		}
		if err != nil {
			return fmt.Errorf("create user %s: %w", u.Username, err)
		}
		if err := writeRoles(ctx, tx, u.ID, u.Roles); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "user.create", ObjectType: "user", ObjectID: u.ID,
			Detail: map[string]any{"username": u.Username, "roles": u.Roles, "unit": u.UnitID, "place": u.PlaceCode, "machine": u.Machine}})
	})
	return u, err
}

func writeRoles(ctx context.Context, tx *sql.Tx, userID string, roles []access.Role) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, userID, string(r)); err != nil {
			return fmt.Errorf("roles: %w", err)
		}
	}
	return nil
}

// UpdateUser writes the user's profile, roles, scope and disabled flag if the stored version still
// equals u.Version (ErrConflict otherwise). Disabling a user also revokes every session it holds.
func (s *Store) UpdateUser(ctx context.Context, who audit.Who, u access.User) (access.User, error) {
	if err := u.Validate(); err != nil {
		return u, err
	}
	now := s.nowMillis()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET display_name = $3, phone = $4, disabled = $5, unit_id = $6, place_code = $7,
			grid_role = $8, updated_at = $9, version = version + 1 WHERE id = $1 AND version = $2`,
			u.ID, u.Version, u.DisplayName, u.Phone, u.Disabled, nullString(u.UnitID), nullString(u.PlaceCode), string(u.GridRole), now)
		if err != nil {
			return fmt.Errorf("update user %s: %w", u.Username, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = $1`, u.ID).Scan(&exists); errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("user %s: %w", u.ID, ErrNotFound)
			}
			return fmt.Errorf("user %s: %w: it was changed by someone else; reload and try again", u.Username, ErrConflict)
		}
		if err := writeRoles(ctx, tx, u.ID, u.Roles); err != nil {
			return err
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, u.ID, now); err != nil {
				return fmt.Errorf("revoke sessions: %w", err)
			}
		}
		u.Version++
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "user.update", ObjectType: "user", ObjectID: u.ID,
			Detail: map[string]any{"username": u.Username, "roles": u.Roles, "unit": u.UnitID, "place": u.PlaceCode, "disabled": u.Disabled}})
	})
	return u, err
}

// SetPasswordHash replaces a user's password hash and revokes the sessions it had.
func (s *Store) SetPasswordHash(ctx context.Context, who audit.Who, userID, passwordHash string) error {
	now := s.nowMillis()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, updated_at = $3, version = version + 1 WHERE id = $1`, userID, passwordHash, now)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %s: %w", userID, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, now); err != nil {
			return fmt.Errorf("revoke sessions: %w", err)
		}
		return s.appendAudit(ctx, tx, who, audit.Change{Action: "user.password", ObjectType: "user", ObjectID: userID})
	})
}

// PasswordHash returns the stored hash for a username, with the user, for the login check.
func (s *Store) PasswordHash(ctx context.Context, username string) (access.User, string, error) {
	var hash string
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
	if err := lookupErr(err, "user "+username); err != nil {
		return u, "", err
	}
	if err := s.r.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash); err != nil {
		return u, "", fmt.Errorf("user %s: %w", username, err)
	}
	u.Roles, err = s.rolesOf(ctx, u.ID)
	return u, hash, err
}

// User returns one user by id, with its roles.
func (s *Store) User(ctx context.Context, id string) (access.User, error) {
	return s.userWhere(ctx, `id = $1`, id)
}

// UserByUsername returns one user by username, with its roles.
func (s *Store) UserByUsername(ctx context.Context, username string) (access.User, error) {
	return s.userWhere(ctx, `username = $1`, username)
}

func (s *Store) userWhere(ctx context.Context, where string, arg string) (access.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if err := lookupErr(err, "user "+arg); err != nil {
		return u, err
	}
	u.Roles, err = s.rolesOf(ctx, u.ID)
	return u, err
}

func (s *Store) rolesOf(ctx context.Context, userID string) ([]access.Role, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role`, userID)
	if err != nil {
		return nil, fmt.Errorf("roles of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []access.Role
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("roles of %s: %w", userID, err)
		}
		out = append(out, access.Role(r))
	}
	return out, rows.Err()
}

// UserFilter narrows a listing of users. Empty fields do not filter.
type UserFilter struct {
	PlacePrefix string // users whose place is under this prefix, or whose unit serves a place under it
	UnitID      string // users of this unit
	Role        access.Role
}

// UserScope is the filter that loads the users an actor's scope can reach: those under its place
// prefix or, for an actor without one, those of its unit. ok is false when it reaches nobody. The
// policy still checks every row; this only keeps the rest out of the query.
func UserScope(a access.Actor) (f UserFilter, ok bool) {
	switch {
	case a.ScopeCode != "":
		return UserFilter{PlacePrefix: a.ScopeCode}, true
	case a.UnitID != "":
		return UserFilter{UnitID: a.UnitID}, true
	}
	return UserFilter{}, false
}

// Users lists users ordered by username, each with its roles.
func (s *Store) Users(ctx context.Context, f UserFilter) ([]access.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users u
		WHERE ($1 = '' OR u.place_code LIKE $1 || '%' OR u.unit_id IN (SELECT id FROM units WHERE place_code LIKE $1 || '%'))
		  AND ($2 = '' OR u.unit_id = $2)
		  AND ($3 = '' OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $3))
		ORDER BY username`, f.PlacePrefix, f.UnitID, string(f.Role))
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var out []access.User
	byID := map[string]int{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list users: %w", err)
		}
		byID[u.ID] = len(out)
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	// One query for all roles rather than one per user.
	roleRows, err := s.r.QueryContext(ctx, `SELECT user_id, role FROM user_roles`)
	if err != nil {
		return nil, fmt.Errorf("list user roles: %w", err)
	}
	defer roleRows.Close()
	for roleRows.Next() {
		var id, role string
		if err := roleRows.Scan(&id, &role); err != nil {
			return nil, fmt.Errorf("list user roles: %w", err)
		}
		if i, ok := byID[id]; ok {
			out[i].Roles = append(out[i].Roles, access.Role(role))
		}
	}
	for i := range out {
		sort.Slice(out[i].Roles, func(a, b int) bool { return out[i].Roles[a] < out[i].Roles[b] })
	}
	return out, roleRows.Err()
}
