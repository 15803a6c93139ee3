package lsqapi

import (
	"net/http"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
)

// route is one LeadSquared operation.
type route struct {
	verbs   []string
	name    string // canonical "Service.svc/Operation"
	bulk    bool   // counts against the bulk rate-limit bucket
	admin   bool   // Administrator keys only
	handler func(*API, *call) error
}

const (
	std  = false
	bulk = true
)

var (
	get       = []string{http.MethodGet}
	post      = []string{http.MethodPost}
	getPost   = []string{http.MethodGet, http.MethodPost}
	adminOnly = true
	anyRole   = false
)

// routes is every operation LocalSquared serves.
var routes = []route{
	{get, "Authentication.svc/UserByAccessKey.Get", std, anyRole, (*API).userByAccessKey},

	{post, "LeadManagement.svc/Lead.Create", std, anyRole, (*API).createLead},
	{post, "LeadManagement.svc/Lead.Update", std, anyRole, (*API).updateLead},
	{get, "LeadManagement.svc/Leads.GetById", std, anyRole, (*API).getLeadByID},
	{post, "LeadManagement.svc/Lead.CreateOrUpdate", std, anyRole, (*API).createOrUpdateLead},
	{post, "LeadManagement.svc/Lead.Capture", std, anyRole, (*API).captureLead},
	{post, "LeadManagement.svc/Lead.Convert", std, anyRole, (*API).convertLead},
	{get, "LeadManagement.svc/Lead/Delete/ById", std, anyRole, (*API).deleteLead},
	{post, "LeadManagement.svc/Lead.Merge", std, anyRole, (*API).mergeLeads},
	{post, "LeadManagement.svc/GetMergedChildLeadsByAuditId", std, anyRole, (*API).mergedChildLeads},
	{post, "LeadManagement.svc/Lead/Bulk/Create", bulk, anyRole, (*API).bulkCreateLeads},
	{post, "LeadManagement.svc/Lead/Bulk/CreateOrUpdate", bulk, anyRole, (*API).bulkUpsertLeads},
	{post, "LeadManagement.svc/Lead/Bulk/Update", bulk, anyRole, (*API).bulkUpdateLeads},
	{post, "LeadManagement.svc/Lead/Bulk/UpdateV2", bulk, anyRole, (*API).bulkUpdateLeadsV2},
	{get, "LeadManagement.svc/Leads.GetByEmailaddress", std, anyRole, (*API).leadsByEmail},
	{getPost, "LeadManagement.svc/RetrieveLeadByPhoneNumber", std, anyRole, (*API).leadsByPhone},
	{get, "LeadManagement.svc/Leads.GetByQuickSearch", std, anyRole, (*API).quickSearchLeads},
	{post, "LeadManagement.svc/Leads.Get", std, anyRole, (*API).searchLeads},
	{post, "LeadManagement.svc/Leads.RecentlyModified", std, anyRole, (*API).recentlyModifiedLeads},
	{post, "LeadManagement.svc/Leads/Retrieve/ByIds", std, anyRole, (*API).leadsByIDs},

	{get, "LeadManagement.svc/LeadsMetaData.Get", std, anyRole, (*API).leadsMetaData},
	{post, "LeadManagement.svc/CreateLeadField", std, adminOnly, (*API).createLeadField},
	{post, "LeadManagement.svc/LeadField/Dropdown/Options/Push", std, adminOnly, (*API).pushFieldOptions},

	{post, "ProspectActivity.svc/Create", std, anyRole, (*API).createActivity},
	{post, "ProspectActivity.svc/CreateCustom", std, anyRole, (*API).createCustomActivity},
	{post, "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId", bulk, anyRole, (*API).bulkActivitiesByLeadID},
	{post, "ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadField", bulk, anyRole, (*API).bulkActivitiesByLeadField},
	{post, "ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId", bulk, anyRole, (*API).bulkActivitiesByOpportunityID},
	{post, "ProspectActivity.svc/CustomActivity/Update", std, anyRole, (*API).updateActivity},
	{get, "ProspectActivity.svc/CustomActivity/Lock", std, anyRole, (*API).lockActivity},
	{post, "ProspectActivity.svc/Retrieve", std, anyRole, (*API).leadActivities},
	{get, "ProspectActivity.svc/GetActivityDetails", std, anyRole, (*API).activityDetails},
	{post, "ProspectActivity.svc/CustomActivity/RetrieveByActivityEvent", std, anyRole, (*API).activitiesByEvent},
	{post, "ProspectActivity.svc/RetrieveRecentlyModified", std, anyRole, (*API).recentActivities},
	{post, "ProspectActivity.svc/RetrieveActivityChange", std, anyRole, (*API).activityChanges},
	{post, "ProspectActivity.svc/DeleteActivities", std, adminOnly, (*API).deleteActivities},
	{get, "ProspectActivity.svc/ActivityTypes.Get", std, anyRole, (*API).activityTypes},
	{get, "ProspectActivity.svc/CustomActivity/GetActivitySetting", std, anyRole, (*API).activitySetting},
	{post, "ProspectActivity.svc/CreateType", std, adminOnly, (*API).createActivityType},
	{post, "ProspectActivity.svc/CustomActivityType/Update", std, adminOnly, (*API).updateActivityType},

	{post, "ProspectActivity.svc/Activity/Retrieve/BySearchParameter", std, adminOnly, (*API).searchActivities},
	{post, "ProspectActivity.svc/GetLeadReferences", std, anyRole, (*API).leadReferences},

	{get, "Task.svc/RetrieveTaskType", std, anyRole, (*API).taskTypes},
	{post, "Task.svc/Create", std, anyRole, (*API).createTask},
	{post, "Task.svc/Bulk/Create", bulk, anyRole, (*API).bulkCreateTasks},
	{post, "Task.svc/Update", std, anyRole, (*API).updateTask},
	{get, "Task.svc/MarkComplete", std, anyRole, (*API).markTaskComplete},
	{post, "Task.svc/BulkUpdateAppointmentTime", bulk, anyRole, (*API).rescheduleAppointments},
	{post, "Task.svc/CancelAppointments", bulk, anyRole, (*API).cancelAppointments},
	{post, "Task.svc/DeleteTasks", bulk, anyRole, (*API).deleteTasks},
	{post, "Task.svc/Retrieve", std, anyRole, (*API).retrieveTasks},
	{get, "Task.svc/Retrieve.GetById", std, anyRole, (*API).taskByID},
	{get, "LeadManagement.svc/RetrieveTaskByLeadId", std, anyRole, (*API).tasksOfLead},
	{post, "Task.svc/RetrieveAppointments/ByUserEmailAddress", std, anyRole, (*API).appointmentsByEmail},
	{post, "Task.svc/RetrieveToDos/ByUserId", std, anyRole, (*API).todosByUserID},

	{post, "LeadManagement.svc/CreateNote", std, anyRole, (*API).createNote},
	{post, "LeadManagement.svc/RetrieveNote", std, anyRole, (*API).retrieveNotes},
	{post, "LeadManagement.svc/UpdateNote", std, anyRole, (*API).updateNote},
	{get, "LeadManagement.svc/DeleteNote", std, anyRole, (*API).deleteNote},
	{get, "LeadManagement.svc/Lists.Get", std, anyRole, (*API).getLists},
	{post, "LeadSegmentation.svc/CreateEmptyList", std, anyRole, (*API).createEmptyList},
	{post, "LeadSegmentation.svc/AddLeadsToStaticList", std, anyRole, (*API).addLeadsToList},
	{post, "LeadManagement.svc/AddLeadToStaticList", std, anyRole, (*API).addLeadToList},
	{get, "LeadSegmentation.svc/RemoveLeadFromStaticList", std, anyRole, (*API).removeLeadFromList},
	{get, "LeadSegmentation.svc/List/Retrieve/MemberCount", std, anyRole, (*API).listMemberCount},
	{get, "LeadManagement.svc/List/Retrieve/MemberCount", std, anyRole, (*API).listMemberCount},
	{get, "LeadManagement.svc/List.CheckLead", std, anyRole, (*API).listCheckLead},
	{post, "LeadManagement.svc/Leads/Retrieve/BySearchParameter", std, anyRole, (*API).leadsInList},

	{get, "UserManagement.svc/Users.Get", std, anyRole, (*API).listUsers},
	{get, "UserManagement.svc/User/Retrieve/ByUserId", std, anyRole, (*API).userByID},
	{get, "UserManagement.svc/User/Retrieve/ByEmailAddress", std, anyRole, (*API).userByEmail},
	{post, "UserManagement.svc/User/AdvancedSearch", std, anyRole, (*API).searchUsers},
	{post, "UserManagement.svc/User/Create", std, adminOnly, (*API).createUser},
	{post, "UserManagement.svc/User/Update", std, adminOnly, (*API).updateUser},
	{get, "UserManagement.svc/User/MarkObsolete", std, adminOnly, (*API).markUserObsolete},
}

// routeIndex maps lower-cased "service.svc/operation" to its route.
var routeIndex = func() map[string]*route {
	m := make(map[string]*route, len(routes))
	for i := range routes {
		m[strings.ToLower(routes[i].name)] = &routes[i]
	}
	return m
}()

func (rt *route) allows(method string) bool {
	for _, v := range rt.verbs {
		if v == method {
			return true
		}
	}
	return method == http.MethodHead && rt.allows(http.MethodGet)
}

func (rt *route) allow() string { return strings.Join(rt.verbs, ", ") }

// lookup finds the route for a request path of the form
// /v2/{Service}.svc/{Operation}, matching case-insensitively. An unknown
// path is a KindNoRoute error naming the nearest operation.
func lookup(path string) (*route, error) {
	rest, ok := cutPrefixFold(path, "/v2/")
	if ok {
		rest = strings.TrimSuffix(rest, "/")
		if rt := routeIndex[strings.ToLower(rest)]; rt != nil {
			return rt, nil
		}
	}
	msg := "API not found: " + sanitize(path)
	if near := suggest(strings.ToLower(rest)); near != "" {
		msg += "; did you mean " + near + "?"
	}
	return nil, crm.Errorf(crm.KindNoRoute, "%s", msg)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// suggest returns the canonical name of the route nearest to key, or ""
// when none is near enough to be a likely typo.
func suggest(key string) string {
	if key == "" || len(key) > 200 {
		return ""
	}
	best, bestD := "", 1<<30
	for k, rt := range routeIndex {
		d := distance(key, k)
		// Also compare the operation alone, for a right op on a wrong service.
		if _, op, ok := strings.Cut(k, ".svc/"); ok {
			if _, kop, ok2 := strings.Cut(key, ".svc/"); ok2 {
				d = min(d, distance(kop, op)+2)
			}
		}
		if d < bestD || d == bestD && rt.name < best {
			best, bestD = rt.name, d
		}
	}
	if bestD <= max(3, len(key)/4) {
		return best
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Operation describes one served operation: its canonical
// "Service.svc/Operation" name and HTTP verbs.
type Operation struct {
	Name  string
	Verbs []string
	Bulk  bool
	Admin bool
}

// Operations lists every operation LocalSquared serves, in route-table
// order (for the SDK's coverage test, the bad-input catalogue and docs).
func Operations() []Operation {
	out := make([]Operation, len(routes))
	for i, r := range routes {
		out[i] = Operation{Name: r.name, Verbs: append([]string(nil), r.verbs...), Bulk: r.bulk, Admin: r.admin}
	}
	return out
}
