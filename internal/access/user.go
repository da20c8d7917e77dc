package access

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// User is a person, or a machine client, who signs in. The password hash never leaves the store
// except to the password check.
type User struct {
	ID          string
	Username    string
	DisplayName string
	Phone       string
	Machine     bool
	Disabled    bool
	Roles       []Role
	UnitID      string
	PlaceCode   string
	GridRole    GridRole
	Version     int
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// mainlandMobile is an 11-digit mainland mobile number; landlines are 3-4 digit area code, optional dash, 7-8 digits.
var phonePattern = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$`)

// ValidatePhone accepts a mainland mobile number or a landline with its area code.
func ValidatePhone(phone string) error {
	if !phonePattern.MatchString(phone) {
		return fmt.Errorf("phone %q: want an 11-digit mobile number or a landline with area code", phone)
	}
	return nil
}

// Validate checks the fields a user must have, naming the first one that is wrong.
func (u User) Validate() error {
	if !usernamePattern.MatchString(u.Username) {
		return fmt.Errorf("username: 2-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
	}
	name := strings.TrimSpace(u.DisplayName)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 50 {
		return fmt.Errorf("display_name: required, at most 50 characters")
	}
	if u.Phone != "" {
		if err := ValidatePhone(u.Phone); err != nil {
			return fmt.Errorf("phone: %w", err)
		}
	}
	if len(u.Roles) == 0 {
		return fmt.Errorf("roles: at least one role is required")
	}
	for _, r := range u.Roles {
		if _, err := ParseRole(string(r)); err != nil {
			return fmt.Errorf("roles: %w", err)
		}
	}
	if _, err := ParseGridRole(string(u.GridRole)); err != nil {
		return fmt.Errorf("grid_role: %w", err)
	}
	if u.Has(RoleGridWorker) && u.GridRole == "" {
		return fmt.Errorf("grid_role: a grid worker needs a grid role")
	}
	return nil
}

// Has tells whether the user holds the role.
func (u User) Has(r Role) bool {
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Target is where the user's record sits for the policy: the user's own place, or else the place its
// unit serves (unitPlace), so that a unit's staff fall under the region the unit belongs to.
func (u User) Target(unitPlace string) Target {
	t := Target{PlaceCode: u.PlaceCode, UnitID: u.UnitID}
	if t.PlaceCode == "" {
		t.PlaceCode = unitPlace
	}
	return t
}
