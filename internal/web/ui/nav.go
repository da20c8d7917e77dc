package ui

import (
	"slices"
	"strings"

	"github.com/cityline/cityline/internal/access"
)

// navItem is one entry of the side navigation. New screens (work orders, the knowledge base, …) add a
// line here with the roles that use them; an item without roles is for everyone signed in.
type navItem struct {
	Path  string
	Label string // catalogue key
	Desc  string // catalogue key of the line the home page shows under the link
	Icon  string // a short glyph, so the phone layout stays readable
	Roles []access.Role
}

var navItems = []navItem{
	{Path: "/", Label: "nav.home", Desc: "nav.home.desc", Icon: "⌂"},
	{Path: "/desk/intake", Label: "tk.nav.intake", Desc: "tk.nav.intake.desc", Icon: "✎",
		Roles: []access.Role{access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor}},
	{Path: "/desk/dispatch", Label: "tk.nav.dispatch", Desc: "tk.nav.dispatch.desc", Icon: "⇄",
		Roles: []access.Role{access.RoleDispatcher, access.RoleSupervisor}},
	{Path: "/desk/inbox", Label: "tk.nav.inbox", Desc: "tk.nav.inbox.desc", Icon: "✉",
		Roles: []access.Role{access.RoleHandler, access.RoleUnitLead}},
	{Path: "/desk/review", Label: "tk.nav.review", Desc: "tk.nav.review.desc", Icon: "✓",
		Roles: []access.Role{access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor}},
	{Path: "/desk/visits", Label: "tk.nav.visits", Desc: "tk.nav.visits.desc", Icon: "↺",
		Roles: []access.Role{access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor}},
	{Path: "/tickets", Label: "tk.nav.tickets", Desc: "tk.nav.tickets.desc", Icon: "☰", Roles: viewsTickets},
	{Path: "/kb", Label: "kb.nav", Desc: "kb.nav.desc", Icon: "ⓘ",
		Roles: []access.Role{access.RoleAgent, access.RoleDispatcher, access.RoleSupervisor, access.RoleAdmin}},
	{Path: "/dash", Label: "rp.nav.dash", Desc: "rp.nav.dash.desc", Icon: "◔", Roles: viewsMeasures},
	{Path: "/dash/unit", Label: "rp.nav.unit", Desc: "rp.nav.unit.desc", Icon: "◑", Roles: []access.Role{access.RoleHandler, access.RoleUnitLead}},
	{Path: "/reports", Label: "rp.nav.reports", Desc: "rp.nav.reports.desc", Icon: "▥", Roles: viewsMeasures},
	{Path: "/org", Label: "nav.org", Desc: "nav.org.desc", Icon: "▦"},
	{Path: "/admin/users", Label: "nav.users", Desc: "nav.users.desc", Icon: "☺",
		Roles: []access.Role{access.RoleAdmin, access.RoleSupervisor, access.RoleLeader}},
	{Path: "/admin/units", Label: "nav.units", Desc: "nav.units.desc", Icon: "▤",
		Roles: []access.Role{access.RoleAdmin}},
	{Path: "/admin/categories", Label: "cat.nav", Desc: "cat.nav.desc", Icon: "☷", Roles: []access.Role{access.RoleAdmin}},
}

// navLink is a navigation entry as one user sees it.
type navLink struct {
	navItem
	Active bool
}

// navFor is the navigation the actor's roles open, with the entry for the current path marked.
func navFor(a access.Actor, current string) []navLink {
	var out []navLink
	for _, it := range navItems {
		if len(it.Roles) > 0 && !slices.ContainsFunc(it.Roles, a.Has) {
			continue
		}
		active := current == it.Path || (it.Path != "/" && strings.HasPrefix(current, it.Path+"/"))
		out = append(out, navLink{navItem: it, Active: active})
	}
	return out
}
