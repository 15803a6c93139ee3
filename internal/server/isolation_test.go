package server_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/journal"
	"github.com/localsquared/localsquared/internal/lsqapi"
)

var isoSeed = flag.Uint64("isoseed", 0, "seed of TestIsolation's random calls (0: a new one, printed)")

// isoKinds are the kinds of value one org's data holds that another org's
// calls may name: ids, emails, phones, custom field names, and names
// carrying the org's marker.
var isoKinds = []string{"lead", "act", "task", "note", "list", "user", "uemail", "email", "phone", "audit", "acttype", "field", "name"}

// isoOrg is one org of the isolation test.
type isoOrg struct {
	id           int64
	tag          string            // marker in every name the org's data holds; no other org's call ever sends it
	admin, sales map[string]string // key headers
	keys         [][2]string       // access and secret key pairs
	vals         map[string][]string
	code         string          // the org's custom activity event code
	adopted      map[string]bool // other orgs' values this org's own calls stored in its data
	// own are the values the org's own calls may use: no merged-away
	// lead, and only the emails its leads hold now (own["email"][i] is
	// own["lead"][i]'s), so that no call can create a lead with one.
	own map[string][]string
}

// isoTemplate is a request with {kind} or {kindN} slots. Slots of the
// kinds in isoKinds are filled with the caller's own values or another
// org's; {rand} is fresh per call and {code} the caller's activity code.
type isoTemplate struct {
	method, path, body string
	write              bool // may change the caller's data
	// mix: slots are independently own or foreign (at least one foreign).
	// Otherwise every slot is foreign: the operation would change or
	// delete own data in a way the twin call could not repeat.
	mix bool
	// setsEmail: the call gives lead {lead} the email {email}.
	setsEmail bool
}

const isoAllTime = `"FromDate":"2000-01-01 00:00:00","ToDate":"2100-01-01 00:00:00"`

func isoTemplates() map[string][]isoTemplate {
	r := func(method, path, body string) isoTemplate {
		return isoTemplate{method: method, path: path, body: body, mix: true}
	}
	w := func(method, path, body string) isoTemplate {
		return isoTemplate{method: method, path: path, body: body, write: true}
	}
	wm := func(method, path, body string) isoTemplate {
		return isoTemplate{method: method, path: path, body: body, write: true, mix: true}
	}
	setsEmail := func(t isoTemplate) isoTemplate {
		t.setsEmail = true
		return t
	}
	lm, pa, ts, ls := "LeadManagement.svc/", "ProspectActivity.svc/", "Task.svc/", "LeadSegmentation.svc/"
	um := "UserManagement.svc/"
	t := map[string][]isoTemplate{
		"Authentication.svc/UserByAccessKey.Get": {r("GET", "Authentication.svc/UserByAccessKey.Get", "")},

		lm + "Lead.Create": {
			wm("POST", lm+"Lead.Create", `[{"Attribute":"FirstName","Value":"R{rand}"},{"Attribute":"EmailAddress","Value":"{email}"},{"Attribute":"Phone","Value":"{phone}"}]`),
			w("POST", lm+"Lead.Create", `[{"Attribute":"FirstName","Value":"R{rand}"},{"Attribute":"{field}","Value":"v"}]`),
			w("POST", lm+"Lead.Create", `[{"Attribute":"FirstName","Value":"R{rand}"},{"Attribute":"OwnerId","Value":"{user}"}]`),
		},
		lm + "Lead.Update": {
			w("POST", lm+"Lead.Update?leadId={lead}", `[{"Attribute":"Company","Value":"C{rand}"}]`),
			setsEmail(wm("POST", lm+"Lead.Update?leadId={lead}", `[{"Attribute":"EmailAddress","Value":"{email}"}]`)),
			wm("POST", lm+"Lead.Update?leadId={lead}", `[{"Attribute":"OwnerId","Value":"{user}"}]`),
			wm("POST", lm+"Lead.Update?leadId={lead}", `[{"Attribute":"{field}","Value":"v{rand}"}]`),
		},
		lm + "Leads.GetById": {r("GET", lm+"Leads.GetById?id={lead}", "")},
		lm + "Lead.CreateOrUpdate": {
			w("POST", lm+"Lead.CreateOrUpdate", `[{"Attribute":"EmailAddress","Value":"{email}"},{"Attribute":"JobTitle","Value":"J{rand}"}]`),
			w("POST", lm+"Lead.CreateOrUpdate", `[{"Attribute":"Phone","Value":"{phone}"},{"Attribute":"SearchBy","Value":"Phone"},{"Attribute":"JobTitle","Value":"J{rand}"}]`),
			w("POST", lm+"Lead.CreateOrUpdate", `[{"Attribute":"ProspectID","Value":"{lead}"},{"Attribute":"SearchBy","Value":"ProspectId"},{"Attribute":"JobTitle","Value":"J{rand}"}]`),
		},
		lm + "Lead.Capture": {
			w("POST", lm+"Lead.Capture", `[{"Attribute":"ProspectID","Value":"{lead}"},{"Attribute":"FirstName","Value":"C{rand}"}]`),
			w("POST", lm+"Lead.Capture", `[{"Attribute":"EmailAddress","Value":"{email}"},{"Attribute":"Source","Value":"Web"}]`),
			wm("POST", lm+"Lead.Capture", `[{"Attribute":"EmailAddress","Value":"{email}"},{"Attribute":"OwnerId","Value":"{user}"}]`),
			wm("POST", lm+"Lead.Capture", `[{"Attribute":"ProspectID","Value":"{lead}"},{"Attribute":"EmailAddress","Value":"{email}"}]`),
		},
		lm + "Lead.Convert":                 {w("POST", lm+"Lead.Convert?leadId={lead}", `[]`)},
		lm + "Lead/Delete/ById":             {w("GET", lm+"Lead/Delete/ById?leadId={lead}", "")},
		lm + "Lead.Merge":                   {wm("POST", lm+"Lead.Merge?masterId={lead}&childId={lead2}", "")},
		lm + "GetMergedChildLeadsByAuditId": {r("POST", lm+"GetMergedChildLeadsByAuditId", `{"Parameter":{"MergeAuditId":"{audit}"}}`)},
		lm + "Lead/Bulk/Create": {
			w("POST", lm+"Lead/Bulk/Create", `[[{"Attribute":"EmailAddress","Value":"{email}"}],[{"Attribute":"Phone","Value":"{phone}"},{"Attribute":"OwnerId","Value":"{user}"}]]`),
		},
		lm + "Lead/Bulk/CreateOrUpdate": {
			w("POST", lm+"Lead/Bulk/CreateOrUpdate", `[[{"Attribute":"EmailAddress","Value":"{email}"},{"Attribute":"FirstName","Value":"B{rand}"}],[{"Attribute":"ProspectID","Value":"{lead}"},{"Attribute":"JobTitle","Value":"x"}]]`),
		},
		lm + "Lead/Bulk/Update": {
			wm("POST", lm+"Lead/Bulk/Update", `{"LeadIds":["{lead}","{lead2}"],"LeadFields":{"Attribute":"Company","Value":"Z{rand}"}}`),
			wm("POST", lm+"Lead/Bulk/Update", `{"LeadIds":["{lead}"],"LeadFields":{"Attribute":"OwnerId","Value":"{user}"}}`),
		},
		lm + "Lead/Bulk/UpdateV2": {
			wm("POST", lm+"Lead/Bulk/UpdateV2", `{"SearchByKey":"ProspectId","LeadPropertiesList":[{"Fields":[{"Attribute":"ProspectId","Value":"{lead}"},{"Attribute":"JobTitle","Value":"V{rand}"}]},{"Fields":[{"Attribute":"ProspectId","Value":"{lead2}"},{"Attribute":"JobTitle","Value":"V{rand}"}]}]}`),
			wm("POST", lm+"Lead/Bulk/UpdateV2", `{"SearchByKey":"ProspectId","LeadPropertiesList":[{"Fields":[{"Attribute":"ProspectId","Value":"{lead}"},{"Attribute":"OwnerId","Value":"{user}"}]}]}`),
			wm("POST", lm+"Lead/Bulk/UpdateV2", `{"SearchByKey":"EmailAddress","Options":{"PushNonExistentLeadsToUnProcessedList":true},"LeadPropertiesList":[{"Fields":[{"Attribute":"EmailAddress","Value":"{email}"},{"Attribute":"JobTitle","Value":"V{rand}"}]}]}`),
		},
		lm + "Leads.GetByEmailaddress": {r("GET", lm+"Leads.GetByEmailaddress?emailaddress={email}", "")},
		lm + "RetrieveLeadByPhoneNumber": {
			r("GET", lm+"RetrieveLeadByPhoneNumber?phone={phone}", ""),
			r("POST", lm+"RetrieveLeadByPhoneNumber?phone={phone}", ""),
		},
		lm + "Leads.GetByQuickSearch": {
			r("GET", lm+"Leads.GetByQuickSearch?key={name}", ""),
			r("GET", lm+"Leads.GetByQuickSearch?key={email}", ""),
			r("GET", lm+"Leads.GetByQuickSearch?key={phone}", ""),
		},
		lm + "Leads.Get": {
			r("POST", lm+"Leads.Get", `{"Parameter":{"LookupName":"EmailAddress","LookupValue":"{email}","SqlOperator":"="}}`),
			r("POST", lm+"Leads.Get", `{"Parameter":{"LookupName":"FirstName","LookupValue":"{name}","SqlOperator":"LIKE"},"Columns":{"Include_CSV":"ProspectID,FirstName,{field}"}}`),
			r("POST", lm+"Leads.Get", `{"Parameter":{"LookupName":"ProspectID","LookupValue":"{lead}","SqlOperator":"="}}`),
			r("POST", lm+"Leads.Get", `{"Parameter":{"LookupName":"OwnerId","LookupValue":"{user}","SqlOperator":"="},"Columns":{"Include_CSV":"ProspectID,OwnerId"}}`),
			r("POST", lm+"Leads.Get", `{"Parameter":{"LookupName":"{field}","LookupValue":"x","SqlOperator":"="}}`),
			r("POST", lm+"Leads.Get", `{"Parameter":{"LookupName":"Phone","LookupValue":"{phone}","SqlOperator":"="}}`),
		},
		lm + "Leads.RecentlyModified": {
			r("POST", lm+"Leads.RecentlyModified", `{"Parameter":{`+isoAllTime+`},"Columns":{"Include_CSV":"ProspectID,FirstName,EmailAddress,{field}"},"Paging":{"PageIndex":1,"PageSize":1000}}`),
		},
		lm + "Leads/Retrieve/ByIds": {
			r("POST", lm+"Leads/Retrieve/ByIds", `{"SearchParameters":{"LeadIds":["{lead}","{lead2}"]},"Columns":{"Include_CSV":"ProspectID,FirstName,EmailAddress,Phone"}}`),
		},
		lm + "LeadsMetaData.Get": {r("GET", lm+"LeadsMetaData.Get?schemaName={field}", "")},
		lm + "CreateLeadField":   {w("POST", lm+"CreateLeadField", `{"DisplayName":"F{rand}","DataType":"Text"}`)},
		lm + "LeadField/Dropdown/Options/Push": {
			w("POST", lm+"LeadField/Dropdown/Options/Push", `{"SchemaName":"{field}","Options":["o{rand}"]}`),
		},

		pa + "Create": {
			w("POST", pa+"Create", `{"RelatedProspectId":"{lead}","ActivityEvent":{code},"ActivityNote":"n{rand}","Fields":[{"SchemaName":"mx_Custom_1","Value":"v"}]}`),
			w("POST", pa+"Create", `{"EmailAddress":"{email}","ActivityEvent":21}`),
			wm("POST", pa+"Create", `{"RelatedProspectId":"{lead}","ActivityEvent":21,"Fields":[{"SchemaName":"Owner","Value":"{user}"}]}`),
			wm("POST", pa+"Create", `{"RelatedProspectId":"{lead}","ActivityEvent":21,"ActivityOwnerEmail":"{uemail}"}`),
		},
		pa + "CreateCustom": {
			w("POST", pa+"CreateCustom", `{"LeadDetails":[{"Attribute":"EmailAddress","Value":"{email}"},{"Attribute":"SearchBy","Value":"EmailAddress"}],"Activity":{"ActivityEvent":21,"ActivityNote":"n{rand}"}}`),
			w("POST", pa+"CreateCustom", `{"LeadDetails":[{"Attribute":"ProspectID","Value":"{lead}"},{"Attribute":"FirstName","Value":"X{rand}"},{"Attribute":"SearchBy","Value":"ProspectId"}],"Activity":{"ActivityEvent":21}}`),
			wm("POST", pa+"CreateCustom", `{"LeadDetails":[{"Attribute":"EmailAddress","Value":"{email}"},{"Attribute":"OwnerId","Value":"{user}"}],"Activity":{"ActivityEvent":21}}`),
		},
		pa + "Bulk/CustomActivity/Add/ByLeadId": {
			wm("POST", pa+"Bulk/CustomActivity/Add/ByLeadId", `[{"RelatedProspectId":"{lead}","ActivityEvent":21},{"RelatedProspectId":"{lead2}","ActivityEvent":21,"ActivityOwnerEmail":"{uemail}"}]`),
		},
		pa + "Bulk/CustomActivity/Add/ByLeadField": {
			w("POST", pa+"Bulk/CustomActivity/Add/ByLeadField?searchBy=EmailAddress", `[{"SearchByValue":"{email}","ActivityEvent":21}]`),
			w("POST", pa+"Bulk/CustomActivity/Add/ByLeadField?searchBy=Phone", `[{"SearchByValue":"{phone}","ActivityEvent":21}]`),
		},
		// No opportunity exists, so nothing is written: any id, another
		// org's lead included, is an unknown opportunity.
		pa + "Bulk/CustomActivity/Add/ByOpportunityId": {
			r("POST", pa+"Bulk/CustomActivity/Add/ByOpportunityId?opportunityId={lead}", `[{"ActivityEvent":{code},"ActivityOwnerEmail":"{uemail}","ActivityNote":"n{rand}"},{"ActivityEvent":{code}}]`),
		},
		pa + "CustomActivity/Update": {
			w("POST", pa+"CustomActivity/Update", `{"ProspectActivityId":"{act}","ActivityNote":"u{rand}"}`),
			wm("POST", pa+"CustomActivity/Update", `{"ProspectActivityId":"{act}","Fields":[{"SchemaName":"Owner","Value":"{user}"}]}`),
		},
		pa + "CustomActivity/Lock": {w("GET", pa+"CustomActivity/Lock?activityId={act}", "")},
		pa + "Retrieve":            {r("POST", pa+"Retrieve?leadId={lead}", `{"Paging":{"Offset":0,"RowCount":100}}`)},
		pa + "GetActivityDetails": {
			r("GET", pa+"GetActivityDetails?activityId={act}", ""),
			r("GET", pa+"GetActivityDetails?activityId={audit}", ""),
		},
		pa + "CustomActivity/RetrieveByActivityEvent": {
			r("POST", pa+"CustomActivity/RetrieveByActivityEvent", `{"Parameter":{`+isoAllTime+`,"ActivityEvent":{code}},"Paging":{"PageIndex":1,"PageSize":1000}}`),
		},
		pa + "Activity/Retrieve/BySearchParameter": {
			r("POST", pa+"Activity/Retrieve/BySearchParameter", `{"ActivityEvent":{code},"AdvancedSearch":"{\"GrpConOp\":\"And\",\"Conditions\":[{\"Type\":\"Activity\",\"ConOp\":\"And\",\"RowCondition\":[{\"SubConOp\":\"And\",\"LSO\":\"RelatedProspectId\",\"LSO_Type\":\"String\",\"Operator\":\"eq\",\"RSO\":\"{lead}\"}]}]}"}`),
			r("POST", pa+"Activity/Retrieve/BySearchParameter", `{"ActivityEvent":{code},"AdvancedSearch":"{\"Conditions\":[{\"Type\":\"Activity\",\"RowCondition\":[{\"LSO\":\"ProspectActivityId\",\"Operator\":\"eq\",\"RSO\":\"{act}\"}]}]}"}`),
		},
		pa + "GetLeadReferences": {r("POST", pa+"GetLeadReferences?leadId={lead}", `{}`)},
		pa + "RetrieveRecentlyModified": {
			r("POST", pa+"RetrieveRecentlyModified", `{"Parameter":{`+isoAllTime+`},"Paging":{"PageIndex":1,"PageSize":1000}}`),
		},
		pa + "RetrieveActivityChange": {
			r("POST", pa+"RetrieveActivityChange", `{"Parameter":{`+isoAllTime+`,"ActivityID":"{act}"}}`),
		},
		pa + "DeleteActivities": {
			w("POST", pa+"DeleteActivities", `{"ProspectId":"{lead}","ActivityEventList":["{code}"],`+isoAllTime+`}`),
		},
		pa + "ActivityTypes.Get":                 {r("GET", pa+"ActivityTypes.Get", "")},
		pa + "CustomActivity/GetActivitySetting": {r("GET", pa+"CustomActivity/GetActivitySetting?code={code}", "")},
		pa + "CreateType":                        {w("POST", pa+"CreateType", `{"ActivityEventName":"T{rand}","Score":1}`)},
		pa + "CustomActivityType/Update":         {w("POST", pa+"CustomActivityType/Update", `{"ID":"{acttype}","Score":3}`)},

		ts + "RetrieveTaskType": {r("GET", ts+"RetrieveTaskType", "")},
		ts + "Create": {
			wm("POST", ts+"Create", `{"Name":"N{rand}","TaskType":{"Name":"Meeting"},"RelatedEntityId":"{lead}","OwnerId":"{user}","DueDate":"2030-06-01 10:00:00","EndDate":"2030-06-01 10:30:00"}`),
			w("POST", ts+"Create", `{"Name":"N{rand}","TaskType":{"Name":"Follow Up"},"OwnerEmailAddress":"{uemail}","DueDate":"2030-06-02 09:00:00"}`),
		},
		ts + "Bulk/Create": {
			wm("POST", ts+"Bulk/Create", `{"TaskList":[{"Name":"N{rand}","TaskType":{"Name":"Follow Up"},"RelatedEntityId":"{lead}"},{"Name":"M{rand}","TaskType":{"Name":"Follow Up"},"OwnerId":"{user}"}]}`),
		},
		ts + "Update": {
			w("POST", ts+"Update", `{"UserTaskId":"{task}","Name":"N{rand}"}`),
			wm("POST", ts+"Update", `{"UserTaskId":"{task}","RelatedEntityId":"{lead}"}`),
			wm("POST", ts+"Update", `{"UserTaskId":"{task}","OwnerId":"{user}"}`),
			wm("POST", ts+"Update", `{"UserTaskId":"{task}","OwnerEmailAddress":"{uemail}"}`),
		},
		ts + "MarkComplete": {w("GET", ts+"MarkComplete?id={task}", "")},
		ts + "BulkUpdateAppointmentTime": {
			w("POST", ts+"BulkUpdateAppointmentTime", `{"TaskList":[{"UserTaskId":"{task}","FromDate":"2030-07-01 10:00:00","ToDate":"2030-07-01 11:00:00"}]}`),
		},
		ts + "CancelAppointments": {w("POST", ts+"CancelAppointments", `{"TaskIds":["{task}"]}`)},
		ts + "DeleteTasks":        {w("POST", ts+"DeleteTasks", `{"TaskIds":["{task}","{task2}"]}`)},
		ts + "Retrieve": {
			r("POST", ts+"Retrieve", `{"Parameter":{"LookupName":"OwnerId","LookupValue":"{user}"}}`),
			r("POST", ts+"Retrieve", `{"Parameter":{"LookupName":"OwnerEmailAddress","LookupValue":"{uemail}"}}`),
		},
		ts + "Retrieve.GetById":     {r("GET", ts+"Retrieve.GetById?id={task}", "")},
		lm + "RetrieveTaskByLeadId": {r("GET", lm+"RetrieveTaskByLeadId?leadId={lead}", "")},
		ts + "RetrieveAppointments/ByUserEmailAddress": {
			r("POST", ts+"RetrieveAppointments/ByUserEmailAddress", `{"FromDate":"2030-01-01","ToDate":"2030-01-31","Users":["{uemail}"]}`),
		},
		ts + "RetrieveToDos/ByUserId": {
			r("POST", ts+"RetrieveToDos/ByUserId", `{"FromDate":"2030-01-01","ToDate":"2030-01-31","Users":["{user}"]}`),
		},

		lm + "CreateNote": {w("POST", lm+"CreateNote", `{"RelatedProspectId":"{lead}","Note":"n{rand}"}`)},
		lm + "RetrieveNote": {
			r("POST", lm+"RetrieveNote", `{"Parameter":{"RelatedId":"{lead}"}}`),
			r("POST", lm+"RetrieveNote", `{"Parameter":{"RelatedId":"{lead}","Id":"{note}"}}`),
		},
		lm + "UpdateNote":           {wm("POST", lm+"UpdateNote", `{"RelatedProspectId":"{lead}","ProspectNoteId":"{note}","Note":"u{rand}"}`)},
		lm + "DeleteNote":           {wm("GET", lm+"DeleteNote?prospectId={lead}&noteId={note}", "")},
		lm + "Lists.Get":            {r("GET", lm+"Lists.Get?SearchText={name}", "")},
		ls + "CreateEmptyList":      {w("POST", ls+"CreateEmptyList", `{"Name":"L{rand}"}`)},
		ls + "AddLeadsToStaticList": {wm("POST", ls+"AddLeadsToStaticList", `{"listId":"{list}","leadIds":["{lead}","{lead2}"]}`)},
		lm + "AddLeadToStaticList":  {wm("POST", lm+"AddLeadToStaticList?listId={list}&leadId={lead}", "")},
		ls + "RemoveLeadFromStaticList": {
			wm("GET", ls+"RemoveLeadFromStaticList?ListId={list}&LeadID={lead}", ""),
		},
		ls + "List/Retrieve/MemberCount": {r("GET", ls+"List/Retrieve/MemberCount?listId={list}", "")},
		lm + "List/Retrieve/MemberCount": {r("GET", lm+"List/Retrieve/MemberCount?listId={list}", "")},
		lm + "List.CheckLead":            {r("GET", lm+"List.CheckLead?listId={list}&leadId={lead}", "")},
		lm + "Leads/Retrieve/BySearchParameter": {
			r("POST", lm+"Leads/Retrieve/BySearchParameter", `{"SearchParameters":{"ListId":"{list}"},"Columns":{"Include_CSV":"ProspectID,FirstName,EmailAddress"}}`),
		},

		um + "Users.Get":                    {r("GET", um+"Users.Get", "")},
		um + "User/Retrieve/ByUserId":       {r("GET", um+"User/Retrieve/ByUserId?userId={user}", "")},
		um + "User/Retrieve/ByEmailAddress": {r("GET", um+"User/Retrieve/ByEmailAddress?emailAddress={uemail}", "")},
		um + "User/AdvancedSearch":          {r("POST", um+"User/AdvancedSearch", `{"Parameter":{"SearchText":"{name}"}}`)},
		um + "User/Create": {
			w("POST", um+"User/Create", `{"FirstName":"U{rand}","EmailAddress":"{uemail}","Role":"Sales_User"}`),
			w("POST", um+"User/Create", `{"FirstName":"U{rand}","EmailAddress":"m{rand}@example.com","Role":"Sales_User","ManagerUserId":"{user}"}`),
		},
		um + "User/Update": {
			w("POST", um+"User/Update?UserId={user}", `{"user":{"LastName":"X{rand}"}}`),
			wm("POST", um+"User/Update?UserId={user}", `{"user":{"ManagerUserId":"{user2}"}}`),
		},
		um + "User/MarkObsolete": {w("GET", um+"User/MarkObsolete?userid={user}", "")},
	}
	return t
}

var slotRE = regexp.MustCompile(`\{([a-z]+)(\d?)\}`)

// isoRun is the state of one backend's run.
type isoRun struct {
	t    *testing.T
	e    *env
	rng  *rand.Rand
	orgs []*isoOrg
	// secrets no response, log line or journal entry may hold.
	secrets []string
	calls   int
}

func (x *isoRun) word(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[x.rng.IntN(len(letters))]
	}
	return string(b)
}

func (x *isoRun) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + x.rng.IntN(10))
	}
	return string(b)
}

func (x *isoRun) uuid() string {
	h := func(n int) string {
		const hex = "0123456789abcdef"
		b := make([]byte, n)
		for i := range b {
			b[i] = hex[x.rng.IntN(16)]
		}
		return string(b)
	}
	return h(8) + "-" + h(4) + "-7" + h(3) + "-" + string("89ab"[x.rng.IntN(4)]) + h(3) + "-" + h(12)
}

// unknown is a value of kind that exists in no org.
func (x *isoRun) unknown(kind string) string {
	switch kind {
	case "email", "uemail":
		return "n" + x.word(8) + "@" + x.word(6) + ".example.com"
	case "phone":
		return "+91-9" + x.digits(9)
	case "field":
		return "mx_Fld_Mk" + x.word(10)
	case "name":
		return "Mk" + x.word(10) + "L1"
	}
	return x.uuid()
}

// call sends one request with the given key headers, by header or (when
// query) by the accessKey/secretKey query parameters.
func (x *isoRun) call(keys map[string]string, query bool, method, path, body string) resp {
	x.t.Helper()
	x.calls++
	if query {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "accessKey=" + url.QueryEscape(keys["X-LSQ-AccessKey"]) + "&secretKey=" + url.QueryEscape(keys["X-LSQ-SecretKey"])
		return x.e.do(method, "/v2/"+path, nil, body)
	}
	return x.e.do(method, "/v2/"+path, keys, body)
}

// must sends an own-org setup call and returns the value at jsonPath
// (or "" for none).
func (x *isoRun) must(o *isoOrg, method, path, body, save string) string {
	x.t.Helper()
	r := x.call(o.admin, false, method, path, body)
	if r.status != 200 || strings.Contains(string(r.body), `"Status":"Error"`) {
		x.t.Fatalf("setup %s: %d %s", path, r.status, truncate(r.body))
	}
	if save == "" {
		return ""
	}
	return jsonPath(x.t, r.body, save)
}

func (x *isoRun) addUser(o *isoOrg, email, first, role string) (string, map[string]string) {
	x.t.Helper()
	r := x.e.admin("POST", "/orgs/"+itoa(o.id)+"/users", `{"email":"`+email+`","firstName":"`+first+`","lastName":"`+o.tag+`Last","role":"`+role+`"}`)
	var u struct{ ID string }
	if r.status != 201 || json.Unmarshal(r.body, &u) != nil {
		x.t.Fatalf("create user: %d %s", r.status, r.body)
	}
	return u.ID, x.addKey(o, u.ID)
}

func (x *isoRun) addKey(o *isoOrg, user string) map[string]string {
	x.t.Helper()
	r := x.e.admin("POST", "/orgs/"+itoa(o.id)+"/users/"+user+"/keys", "")
	var k struct{ AccessKey, SecretKey string }
	if r.status != 201 && r.status != 200 || json.Unmarshal(r.body, &k) != nil || k.SecretKey == "" {
		x.t.Fatalf("create key: %d %s", r.status, r.body)
	}
	o.keys = append(o.keys, [2]string{k.AccessKey, k.SecretKey})
	x.secrets = append(x.secrets, k.SecretKey)
	return map[string]string{"X-LSQ-AccessKey": k.AccessKey, "X-LSQ-SecretKey": k.SecretKey}
}

// newOrg makes an org (the sandbox for i == 0) with two users and keys,
// and seeds it through /v2 with leads, a custom field, an activity type,
// activities, tasks, notes, lists with members and a merge.
func (x *isoRun) newOrg(i int) *isoOrg {
	x.t.Helper()
	e := x.e
	o := &isoOrg{tag: "Mk" + x.word(10), vals: map[string][]string{}, own: map[string][]string{}, adopted: map[string]bool{}}
	add := func(kind string, v ...string) { o.vals[kind] = append(o.vals[kind], v...) }
	var adminID, adminEmail string
	if i == 0 {
		o.id = int64(e.creds.OrgID)
		adminID, adminEmail = e.creds.UserID, "admin@sandbox.localsquared.dev"
		o.admin = e.keys()
		o.keys = append(o.keys, [2]string{e.creds.AccessKey, e.creds.SecretKey})
		x.secrets = append(x.secrets, e.creds.SecretKey)
	} else {
		r := e.admin("POST", "/orgs", `{"name":"Iso `+o.tag+`"}`)
		var org struct{ ID int64 }
		if r.status != 201 || json.Unmarshal(r.body, &org) != nil {
			x.t.Fatalf("create org: %d %s", r.status, r.body)
		}
		o.id = org.ID
		adminEmail = "admin." + x.word(6) + "@" + x.word(6) + ".example.com"
		adminID, o.admin = x.addUser(o, adminEmail, o.tag+"Admin", "Administrator")
	}
	if r := e.admin("PATCH", "/orgs/"+itoa(o.id), `{"leadDeleteEnabled":true}`); r.status != 200 {
		x.t.Fatalf("enable deletes: %d %s", r.status, r.body)
	}
	salesEmail := "sales." + x.word(6) + "@" + x.word(6) + ".example.com"
	salesID, sales := x.addUser(o, salesEmail, o.tag+"Sales", "Sales_User")
	o.sales = sales
	add("user", adminID, salesID)
	add("uemail", adminEmail, salesEmail)
	add("name", o.tag+"Sales")

	field := x.must(o, "POST", "LeadManagement.svc/CreateLeadField", `{"DisplayName":"Fld `+o.tag+`","DataType":"Text"}`, "Message.Id")
	add("field", field)
	o.code = x.must(o, "POST", "ProspectActivity.svc/CreateType",
		`{"ActivityEventName":"Evt `+o.tag+`","Score":2,"Fields":[{"SchemaName":"mx_Custom_1","DisplayName":"Topic","DataType":"String"}]}`, "Message.Id")
	add("acttype", x.must(o, "GET", "ProspectActivity.svc/CustomActivity/GetActivitySetting?code="+o.code, "", "ID"))

	var leads []string
	for n := 1; n <= 4; n++ {
		email := "l" + x.word(8) + "@" + x.word(6) + ".example.com"
		phone, mobile := "+91-9"+x.digits(9), "+91-8"+x.digits(9)
		name := fmt.Sprintf("%sL%d", o.tag, n)
		owner := adminID
		if n == 2 {
			owner = salesID
		}
		id := x.must(o, "POST", "LeadManagement.svc/Lead.Create", fmt.Sprintf(`[{"Attribute":"FirstName","Value":%q},{"Attribute":"LastName","Value":"%sLast"},
			{"Attribute":"EmailAddress","Value":%q},{"Attribute":"Phone","Value":%q},{"Attribute":"Mobile","Value":%q},{"Attribute":"Company","Value":"%sCo"},
			{"Attribute":%q,"Value":"%sF%d"},{"Attribute":"OwnerId","Value":%q}]`, name, o.tag, email, phone, mobile, o.tag, field, o.tag, n, owner), "Message.Id")
		leads = append(leads, id)
		add("lead", id)
		add("email", email)
		add("phone", phone, mobile)
		add("name", name)
	}
	for _, l := range leads[:2] {
		add("act", x.must(o, "POST", "ProspectActivity.svc/Create",
			`{"RelatedProspectId":"`+l+`","ActivityEvent":`+o.code+`,"ActivityNote":"`+o.tag+`Act","Fields":[{"SchemaName":"mx_Custom_1","Value":"`+o.tag+`Topic"}]}`, "Message.Id"))
		add("act", x.must(o, "POST", "ProspectActivity.svc/Create", `{"RelatedProspectId":"`+l+`","ActivityEvent":22,"ActivityNote":"`+o.tag+`Call"}`, "Message.Id"))
		add("note", x.must(o, "POST", "LeadManagement.svc/CreateNote", `{"RelatedProspectId":"`+l+`","Note":"`+o.tag+`Note"}`, "Message.Id"))
	}
	add("task", x.must(o, "POST", "Task.svc/Create", `{"Name":"`+o.tag+`Meet","TaskType":{"Name":"Meeting"},"RelatedEntityId":"`+leads[0]+`",
		"OwnerId":"`+salesID+`","DueDate":"2030-01-15 10:00:00","EndDate":"2030-01-15 10:30:00","Description":"`+o.tag+`Desc"}`, "Message.Id"))
	add("task", x.must(o, "POST", "Task.svc/Create", `{"Name":"`+o.tag+`Todo","TaskType":{"Name":"Follow Up"},"RelatedEntityId":"`+leads[1]+`",
		"OwnerId":"`+adminID+`","DueDate":"2030-01-16 09:00:00"}`, "Message.Id"))
	for n, name := range []string{o.tag + "List", o.tag + "Empty"} {
		list := x.must(o, "POST", "LeadSegmentation.svc/CreateEmptyList", `{"Name":"`+name+`","Description":"`+o.tag+`Desc"}`, "Message.Id")
		add("list", list)
		add("name", name)
		if n == 0 {
			x.must(o, "POST", "LeadSegmentation.svc/AddLeadsToStaticList", `{"listId":"`+list+`","leadIds":["`+leads[0]+`","`+leads[1]+`","`+leads[3]+`"]}`, "")
		}
	}
	// Lead 4 merges into lead 3: its id stays the org's, but only as a
	// merged-away lead, and the merge's audit id is the org's too.
	x.must(o, "POST", "LeadManagement.svc/Lead.Merge?masterId="+leads[2]+"&childId="+leads[3], "", "")
	r := x.call(o.admin, false, "POST", "ProspectActivity.svc/Retrieve?leadId="+leads[2], `{"Parameter":{"ActivityEvent":3003}}`)
	add("audit", jsonPath(x.t, r.body, "ProspectActivities.0.Id"))
	for k, v := range o.vals {
		o.own[k] = slices.Clone(v)
	}
	o.own["lead"] = slices.Clone(leads[:3]) // lead 4 and its email and phones are gone
	o.own["email"] = o.own["email"][:3]
	// Own calls name Phone values only: a lead may take another lead's
	// Mobile as its Phone, which would make the twin calls differ.
	o.own["phone"] = []string{o.vals["phone"][0], o.vals["phone"][2], o.vals["phone"][4]}
	return o
}

// identifiers are the org's values and secrets another org's response
// must never hold, by what they are.
func (o *isoOrg) identifiers() map[string]string {
	m := map[string]string{o.tag: "marker"}
	for kind, vs := range o.vals {
		for _, v := range vs {
			m[v] = kind
		}
	}
	for _, k := range o.keys {
		m[k[0]], m[k[1]] = "access key", "secret key"
	}
	return m
}

// scan reports any identifier of an org other than caller in body, after
// the values the call sent (ph) are taken out, and any secret at all.
func (x *isoRun) scan(where string, caller *isoOrg, body string) {
	x.t.Helper()
	low := strings.ToLower(body)
	for _, o := range x.orgs {
		if o == caller {
			continue
		}
		for v, kind := range o.identifiers() {
			if caller != nil && caller.adopted[v] {
				continue
			}
			if strings.Contains(low, strings.ToLower(v)) {
				x.t.Errorf("%s holds org %d's %s %q: %s", where, o.id, kind, v, truncate([]byte(body)))
			}
		}
	}
	for _, s := range x.secrets {
		if strings.Contains(body, s) {
			x.t.Errorf("%s holds a secret: %s", where, truncate([]byte(body)))
		}
	}
}

// placeholders replaces each sent value (case-insensitively) with its slot name.
func placeholders(body string, sent map[string]string) string {
	// Longer values first, so that no value is cut by a shorter one.
	vals := make([]string, 0, len(sent))
	for v := range sent {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	for _, v := range vals {
		body = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(v)).ReplaceAllString(body, "<"+sent[v]+">")
	}
	return body
}

func exceptionType(b []byte) string {
	var env struct{ ExceptionType string }
	json.Unmarshal(b, &env)
	return env.ExceptionType
}

// fill replaces the slots of s: url-escaped in a path.
func fill(s string, vals map[string]string, path bool) string {
	return slotRE.ReplaceAllStringFunc(s, func(m string) string {
		v := vals[m[1:len(m)-1]]
		if path {
			return url.QueryEscape(v)
		}
		return v
	})
}

// randomCall picks an operation and a template, fills it for caller with
// other orgs' values (and own ones), sends it and a twin with unknown
// values in place of the foreign ones, and checks both answers are the
// same and that no answer holds another org's data.
func (x *isoRun) randomCall(caller *isoOrg, ops []lsqapi.Operation, tmpls map[string][]isoTemplate) {
	x.t.Helper()
	op := ops[x.rng.IntN(len(ops))]
	tm := tmpls[op.Name][x.rng.IntN(len(tmpls[op.Name]))]
	keys := caller.admin
	if x.rng.IntN(5) == 0 {
		keys = caller.sales
	}
	query := x.rng.IntN(5) == 0

	var slots []string
	for _, m := range slotRE.FindAllStringSubmatch(tm.path+tm.body, -1) {
		if !slices.Contains(slots, m[1]+m[2]) {
			slots = append(slots, m[1]+m[2])
		}
	}
	kindOf := func(slot string) string { return strings.TrimRight(slot, "0123456789") }
	var idSlots []string
	for _, s := range slots {
		if slices.Contains(isoKinds, kindOf(s)) {
			idSlots = append(idSlots, s)
		}
	}
	foreign := map[string]bool{}
	switch {
	case len(idSlots) == 0:
	case !tm.mix:
		for _, s := range idSlots {
			foreign[s] = true
		}
	case !tm.write && x.rng.IntN(5) == 0: // an own read now and then
	default:
		for _, s := range idSlots {
			foreign[s] = x.rng.IntN(2) == 0
		}
		foreign[idSlots[x.rng.IntN(len(idSlots))]] = true
	}
	fv, uv := map[string]string{}, map[string]string{} // foreign call's and twin's values
	fSent, uSent := map[string]string{}, map[string]string{}
	// Two slots of one kind get two different values.
	used := func(v string) bool { return slices.Contains(slices.Collect(maps.Values(fv)), v) }
	for _, s := range slots {
		kind := kindOf(s)
		switch {
		case kind == "rand":
			fv[s], uv[s] = x.word(10), x.word(10)
			fSent[fv[s]], uSent[uv[s]] = s, s
		case kind == "code":
			fv[s], uv[s] = caller.code, caller.code
		case foreign[s]:
			var pool []string
			var victim *isoOrg
			for victim == nil || victim == caller {
				victim = x.orgs[x.rng.IntN(len(x.orgs))]
			}
			for _, v := range victim.vals[kind] {
				if !caller.adopted[v] && !used(v) {
					pool = append(pool, v)
				}
			}
			if len(pool) == 0 {
				pool = []string{x.unknown(kind)}
			}
			fv[s], uv[s] = pool[x.rng.IntN(len(pool))], x.unknown(kind)
			fSent[fv[s]], uSent[uv[s]] = s, s
		default:
			var pool []string
			for _, v := range caller.own[kind] {
				if !used(v) {
					pool = append(pool, v)
				}
			}
			fv[s] = pool[x.rng.IntN(len(pool))]
			uv[s] = fv[s]
		}
	}
	own := !slices.Contains(slices.Collect(maps.Values(foreign)), true)
	// The twin goes first, so that what the foreign call stores (if
	// anything) is what the caller's data holds afterwards.
	var ur resp
	if !own {
		ur = x.call(keys, query, tm.method, fill(tm.path, uv, true), fill(tm.body, uv, false))
	}
	fr := x.call(keys, query, tm.method, fill(tm.path, fv, true), fill(tm.body, fv, false))
	name := fmt.Sprintf("org %d %s %s %s", caller.id, tm.method, fill(tm.path, fv, false), truncate([]byte(fill(tm.body, fv, false))))
	fb := placeholders(string(fr.body), fSent)
	x.scan("answer to "+name, caller, fb)
	if exceptionType(fr.body) == "MXInternalException" || exceptionType(ur.body) == "MXInternalException" {
		x.t.Errorf("%s: internal error %s %s", name, fr.body, ur.body)
	}
	if own {
		return // an own call: nothing to compare
	}
	ub := placeholders(string(ur.body), uSent)
	x.scan("answer to the twin of "+name, caller, ub)
	if fr.status != ur.status || exceptionType(fr.body) != exceptionType(ur.body) {
		x.t.Errorf("%s: %d %s; with unknown values instead: %d %s", name, fr.status, truncate(fr.body), ur.status, truncate(ur.body))
		return
	}
	nf, nu := string(normalize([]byte(fb))), string(normalize([]byte(ub)))
	if nf != nu {
		x.t.Errorf("%s answers differently with another org's values than with unknown ones:\n%s\n%s", name, truncate([]byte(nf)), truncate([]byte(nu)))
	}
	if tm.write && fr.status == 200 {
		for s, f := range foreign {
			switch kind := kindOf(s); {
			case !f:
			case kind == "email" || kind == "phone" || kind == "uemail":
				caller.adopted[fv[s]] = true
			}
		}
		// An own lead that took another email gave up its former one:
		// were that still an own value, a call creating a lead with it
		// would succeed as the twin (which goes first) and then collide
		// with the twin's lead as the foreign call.
		if tm.setsEmail && !foreign["lead"] {
			caller.own["email"][slices.Index(caller.own["lead"], fv["lead"])] = fv["email"]
		}
	}
}

// crossKeys sends caller's access key with another org's secret key, or
// the admin token as the secret or as a bearer token (in headers or the
// query): each is refused exactly like a wrong secret.
func (x *isoRun) crossKeys(caller *isoOrg) {
	x.t.Helper()
	var other *isoOrg
	for other == nil || other == caller {
		other = x.orgs[x.rng.IntN(len(x.orgs))]
	}
	own, theirs := caller.keys[x.rng.IntN(len(caller.keys))], other.keys[x.rng.IntN(len(other.keys))]
	query := x.rng.IntN(2) == 0
	path := "LeadManagement.svc/Leads.GetById?id=" + other.vals["lead"][0]
	var fr resp
	what := ""
	switch x.rng.IntN(3) {
	case 0:
		what = fmt.Sprintf("org %d's access key with org %d's secret", caller.id, other.id)
		fr = x.call(map[string]string{"X-LSQ-AccessKey": own[0], "X-LSQ-SecretKey": theirs[1]}, query, "GET", path, "")
	case 1:
		what = fmt.Sprintf("org %d's access key with the admin token as secret", caller.id)
		fr = x.call(map[string]string{"X-LSQ-AccessKey": own[0], "X-LSQ-SecretKey": x.e.creds.AdminToken}, query, "GET", path, "")
	default:
		what = fmt.Sprintf("org %d's access key with the admin token as bearer", caller.id)
		x.calls++
		fr = x.e.do("GET", "/v2/"+path, map[string]string{"X-LSQ-AccessKey": own[0], "Authorization": "Bearer " + x.e.creds.AdminToken}, "")
	}
	ur := x.call(map[string]string{"X-LSQ-AccessKey": own[0], "X-LSQ-SecretKey": x.word(32)}, query, "GET", path, "")
	if fr.status != 401 || string(fr.body) != string(ur.body) {
		x.t.Errorf("%s: %d %s; with a wrong secret: %s", what, fr.status, fr.body, ur.body)
	}
	x.scan("answer to "+what, nil, string(fr.body))
}

// snapshot is everything org o can read of its own data, plus its lead
// count from the store; it is scanned for other orgs' values.
func (x *isoRun) snapshot(o *isoOrg) string {
	x.t.Helper()
	var b strings.Builder
	get := func(method, path, body string) {
		r := x.e.do(method, "/v2/"+path, o.admin, body)
		fmt.Fprintf(&b, "%s %s → %d %s\n", method, path, r.status, r.body)
	}
	get("POST", "LeadManagement.svc/Leads.RecentlyModified", `{"Parameter":{`+isoAllTime+`},"Paging":{"PageIndex":1,"PageSize":1000}}`)
	get("GET", "LeadManagement.svc/Lists.Get?PageSize=1000", "")
	for _, l := range o.vals["list"] {
		get("POST", "LeadManagement.svc/Leads/Retrieve/BySearchParameter", `{"SearchParameters":{"ListId":"`+l+`"},"Paging":{"PageIndex":1,"PageSize":1000}}`)
	}
	for _, l := range o.vals["lead"] {
		get("POST", "LeadManagement.svc/RetrieveNote", `{"Parameter":{"RelatedId":"`+l+`"},"Paging":{"PageIndex":1,"PageSize":1000}}`)
		get("GET", "LeadManagement.svc/RetrieveTaskByLeadId?leadId="+l, "")
		get("POST", "ProspectActivity.svc/Retrieve?leadId="+l, `{"Paging":{"Offset":0,"RowCount":1000}}`)
	}
	for _, id := range o.vals["task"] {
		get("GET", "Task.svc/Retrieve.GetById?id="+id, "")
	}
	for _, u := range o.vals["user"] {
		get("POST", "Task.svc/Retrieve", `{"Parameter":{"LookupName":"OwnerId","LookupValue":"`+u+`"},"Paging":{"Offset":0,"RowCount":1000}}`)
	}
	for _, a := range o.vals["audit"] {
		get("POST", "LeadManagement.svc/GetMergedChildLeadsByAuditId", `{"Parameter":{"MergeAuditId":"`+a+`"}}`)
	}
	get("POST", "ProspectActivity.svc/RetrieveRecentlyModified", `{"Parameter":{`+isoAllTime+`},"Paging":{"PageIndex":1,"PageSize":1000}}`)
	get("GET", "ProspectActivity.svc/ActivityTypes.Get", "")
	get("GET", "LeadManagement.svc/LeadsMetaData.Get", "")
	get("GET", "UserManagement.svc/Users.Get", "")
	n, err := x.e.srv.Store.LeadCount(context.Background(), crm.OrgID(o.id))
	if err != nil {
		x.t.Fatal(err)
	}
	fmt.Fprintf(&b, "leads in the store: %d\n", n)
	// What the org holds must not name any other org's values, beyond
	// those its own calls stored.
	x.scan(fmt.Sprintf("org %d's own data", o.id), o, b.String())
	return b.String()
}

// TestIsolation: several orgs, each seeded through /v2; then batches of
// random calls of every operation by one org, naming other orgs' ids,
// emails, phones, users, fields and names. Each such call must answer as
// if those values did not exist (as its twin with unknown values does),
// no answer may hold another org's data or any secret, the other orgs'
// data must be exactly as before each batch, and no log line or journal
// entry may hold a secret.
func TestIsolation(t *testing.T) {
	seed := *isoSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -isoseed=%d)", seed, seed)
	tmpls := isoTemplates()
	ops := lsqapi.Operations()
	for _, op := range ops {
		if len(tmpls[op.Name]) == 0 {
			t.Fatalf("operation %s has no isolation template", op.Name)
		}
		for _, tm := range tmpls[op.Name] {
			if !slices.Contains(op.Verbs, tm.method) {
				t.Fatalf("template %s %s: the operation takes %v", tm.method, tm.path, op.Verbs)
			}
		}
	}
	if len(tmpls) != len(ops) {
		t.Fatalf("%d templated operations, %d served", len(tmpls), len(ops))
	}
	forEach(t, func(t *testing.T, e *env) {
		x := &isoRun{t: t, e: e, rng: rand.New(rand.NewPCG(seed, 0x150_1a7e))}
		x.secrets = append(x.secrets, e.creds.AdminToken)
		for i := range 3 {
			x.orgs = append(x.orgs, x.newOrg(i))
		}
		start := time.Now()
		const batches, perBatch = 10, 36
		for range batches {
			caller := x.orgs[x.rng.IntN(len(x.orgs))]
			before := map[*isoOrg]string{}
			for _, o := range x.orgs {
				if o != caller {
					before[o] = x.snapshot(o)
				}
			}
			for range perBatch {
				if x.rng.IntN(20) == 0 {
					x.crossKeys(caller)
				} else {
					x.randomCall(caller, ops, tmpls)
				}
			}
			x.snapshot(caller)
			for o, b := range before {
				if a := x.snapshot(o); a != b {
					t.Errorf("org %d's calls changed org %d's data:\n%s", caller.id, o.id, firstDiff(b, a))
				}
			}
			if t.Failed() {
				break
			}
		}
		t.Logf("%d calls (seeding, random calls and their twins) in %v", x.calls, time.Since(start).Round(time.Millisecond))

		// Logs and journal: no secret anywhere; an org's recorded answers
		// hold no other org's marker unless its own request sent it.
		logs := e.logs.String()
		for _, s := range x.secrets {
			if strings.Contains(logs, s) {
				t.Errorf("the server log holds a secret")
			}
		}
		if strings.Contains(logs, "level=ERROR") {
			t.Errorf("errors logged:\n%.3000s", logs)
		}
		entries := 0
		for _, org := range append([]*isoOrg{{}}, x.orgs...) {
			err := e.srv.Journal.Each(context.Background(), journal.Filter{Org: crm.OrgID(org.id)}, func(en *journal.Entry) error {
				entries++
				all := strings.Join([]string{en.UserID, en.AccessKey, en.Path, en.Query, en.RequestBody, en.ExceptionMessage, en.ResponseBody, en.UserAgent}, "\n")
				for _, s := range x.secrets {
					if strings.Contains(all, s) {
						t.Errorf("journal entry %d of org %d holds a secret", en.ID, org.id)
					}
				}
				sent := strings.ToLower(en.Query + en.RequestBody)
				answer := strings.ToLower(en.ResponseBody + en.ExceptionMessage)
				for _, o := range x.orgs {
					if o != org && org.id != 0 && strings.Contains(answer, strings.ToLower(o.tag)) && !strings.Contains(sent, strings.ToLower(o.tag)) {
						t.Errorf("journal entry %d of org %d holds org %d's data: %s", en.ID, org.id, o.id, truncate([]byte(en.ResponseBody)))
					}
					if o != org && en.AccessKey != "" && slices.ContainsFunc(o.keys, func(k [2]string) bool { return k[0] == en.AccessKey }) {
						t.Errorf("journal entry %d of org %d names org %d's access key", en.ID, org.id, o.id)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			r := e.admin("GET", "/orgs/"+itoa(org.id)+"/journal/export?format=csv", "")
			for _, s := range x.secrets {
				if strings.Contains(string(r.body), s) {
					t.Errorf("org %d's journal export holds a secret", org.id)
				}
			}
		}
		if entries < x.calls {
			t.Errorf("%d journal entries for %d calls", entries, x.calls)
		}
	})
}

// firstDiff shows the first differing line of two snapshots, from a
// little before the first differing byte.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			p := 0
			for p < min(len(al[i]), len(bl[i])) && al[i][p] == bl[i][p] {
				p++
			}
			from := max(0, p-150)
			head, _, _ := strings.Cut(al[i], " → ")
			return head + "\nbefore: …" + truncate([]byte(al[i][from:])) + "\nafter:  …" + truncate([]byte(bl[i][from:]))
		}
	}
	return fmt.Sprintf("%d lines before, %d after", len(al), len(bl))
}
