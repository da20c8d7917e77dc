package democity

import (
	"fmt"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
)

// personName draws a fictional Chinese name.
func (p *planner) personName() string {
	return surnames[p.rng.IntN(len(surnames))] + givenNames[p.rng.IntN(len(givenNames))]
}

// phone draws a fictional office landline in Wuhai's area code.
func (p *planner) phone() string {
	return fmt.Sprintf("0473-%d%06d", 2+p.rng.IntN(2), p.rng.IntN(1_000_000))
}

// districtSlugs give the district units and users short readable codes.
var districtSlugs = map[string]string{"150302": "hbw", "150303": "hn", "150304": "wd"}

func districtSlug(code string) string {
	if s, ok := districtSlugs[code]; ok {
		return s
	}
	return code
}

// cityDepartments are the city's functional departments that take 12345 work, by code suffix.
var cityDepartments = []struct{ code, name string }{
	{"housing", "住房和城乡建设局"},
	{"urban", "城市管理综合执法局"},
	{"eco", "生态环境局"},
	{"market", "市场监督管理局"},
	{"hrss", "人力资源和社会保障局"},
	{"transport", "交通运输局"},
	{"police", "公安局"}, // for the 110 linkage
	{"health", "卫生健康委员会"},
	{"education", "教育局"},
	{"natres", "自然资源局"},
	{"water", "水务局"},
	{"civil", "民政局"},
	{"emergency", "应急管理局"},
}

// districtDepartments are created once in every district.
var districtDepartments = []struct{ code, name string }{
	{"urban", "城市管理综合执法局"},
	{"housing", "住房和城乡建设局"},
}

// utilities serve the whole city.
var utilities = []struct{ code, name string }{
	{"water", "乌海市供水公司"},
	{"power", "乌海供电公司"},
	{"gas", "乌海市燃气公司"},
	{"heating", "乌海市热力公司"},
	{"telecom", "中国电信乌海分公司"},
}

// Unit codes the users refer to.
const (
	centreCode = "centre-12345"
	powerCode  = "util-power"
)

func cityDepartmentCode(suffix string) string { return "city-" + suffix }

func streetUnitCode(streetCode string) string { return "street-" + streetCode }

// buildUnits makes the 12345 centre, the city's departments, each district's departments, the public
// utilities and every street or town office, each with a contact.
func (p *planner) buildUnits(city area, districts []area, plans []streetPlan) []Unit {
	var units []Unit
	add := func(code, name string, kind org.UnitKind, place string) {
		units = append(units, Unit{Unit: org.Unit{Code: code, Name: name, Kind: kind, PlaceCode: place,
			ContactName: p.personName(), ContactPhone: p.phone()}})
	}
	add(centreCode, city.Name+"12345政务服务便民热线中心", org.UnitCentre, city.Code)
	for _, d := range cityDepartments {
		add(cityDepartmentCode(d.code), city.Name+d.name, org.UnitCityDepartment, city.Code)
	}
	for _, d := range districts {
		for _, dep := range districtDepartments {
			add(districtSlug(d.Code)+"-"+dep.code, d.Name+dep.name, org.UnitDistrictDepartment, d.Code)
		}
	}
	for _, u := range utilities {
		add("util-"+u.code, u.name, org.UnitUtility, city.Code)
	}
	for _, sp := range plans {
		name := sp.Name + "管理委员会"
		switch sp.kind {
		case kindStreet:
			name = sp.Name + "办事处"
		case kindTown:
			name = sp.Name + "人民政府"
		}
		add(streetUnitCode(sp.Code), name, org.UnitStreet, sp.Code)
	}
	return units
}

// buildUsers makes one or more users for every role: the centre's staff, city-wide leaders and
// admins, handlers and leads of a few units, and the staff of the first street, its first community
// and the four workers of that community's first grid.
func (p *planner) buildUsers(city area, districts []area, plans []streetPlan) []User {
	street := plans[0]
	community := street.communities[0]
	grid := community.Code + "001"
	firstDistrict := districts[0]
	var users []User
	// add returns the new user so that the caller can set more fields; the pointer is valid only
	// until the next add.
	add := func(username string, roles []access.Role, unitCode, place string, password Password) *User {
		users = append(users, User{User: access.User{Username: username, DisplayName: p.personName(), Phone: p.phone(),
			Roles: roles, PlaceCode: place}, UnitCode: unitCode, Password: password})
		return &users[len(users)-1]
	}
	one := func(r access.Role) []access.Role { return []access.Role{r} }

	add("admin", one(access.RoleAdmin), "", city.Code, PasswordAdmin).DisplayName = "系统管理员"
	add("admin-"+districtSlug(firstDistrict.Code), one(access.RoleAdmin), "", firstDistrict.Code, PasswordDemo).DisplayName =
		firstDistrict.Name + "管理员"
	add("agent1", one(access.RoleAgent), centreCode, city.Code, PasswordDemo)
	add("agent2", one(access.RoleAgent), centreCode, city.Code, PasswordDemo)
	add("dispatcher", one(access.RoleDispatcher), centreCode, city.Code, PasswordDemo)
	add("supervisor", one(access.RoleSupervisor), centreCode, city.Code, PasswordDemo)
	add("leader", one(access.RoleLeader), "", city.Code, PasswordDemo)
	add("mediator", one(access.RoleMediator), streetUnitCode(street.Code), street.Code, PasswordDemo)
	for _, u := range []struct{ slug, unit, place string }{
		{"housing", cityDepartmentCode("housing"), city.Code},
		{districtSlug(firstDistrict.Code) + "-urban", districtSlug(firstDistrict.Code) + "-urban", firstDistrict.Code},
		{"power", powerCode, city.Code},
	} {
		add("handler-"+u.slug, one(access.RoleHandler), u.unit, u.place, PasswordDemo)
		add("lead-"+u.slug, one(access.RoleUnitLead), u.unit, u.place, PasswordDemo)
	}
	add("street-staff", one(access.RoleStreetStaff), streetUnitCode(street.Code), street.Code, PasswordDemo)
	add("community-staff", one(access.RoleCommunityStaff), "", community.Code, PasswordDemo)
	for _, gr := range access.GridRoles {
		add("grid-"+strings.ReplaceAll(string(gr), "_", ""), one(access.RoleGridWorker), "", grid, PasswordDemo).GridRole = gr
	}
	machine := add("open311-client", one(access.RoleMachine), "", city.Code, PasswordNone)
	machine.DisplayName, machine.Phone, machine.Machine = "Open311接口客户端", "", true
	return users
}

// UnitHandlerPrefix starts the username of each unit's own handler account.
const UnitHandlerPrefix = "h-"

// unitHandlers gives every unit that has no handler among users one of its own (UnitHandlerPrefix and
// the unit's code), so that every order the demo dispatches can be signed for and answered by a real
// account.
func (p *planner) unitHandlers(units []Unit, users []User) []User {
	staffed := map[string]bool{centreCode: true}
	for _, u := range users {
		if u.Has(access.RoleHandler) {
			staffed[u.UnitCode] = true
		}
	}
	var out []User
	for _, u := range units {
		if staffed[u.Code] {
			continue
		}
		out = append(out, User{User: access.User{Username: UnitHandlerPrefix + u.Code, DisplayName: p.personName(), Phone: p.phone(),
			Roles: []access.Role{access.RoleHandler}, PlaceCode: u.PlaceCode}, UnitCode: u.Code, Password: PasswordDemo})
	}
	return out
}
