package server_test

import (
	"strings"
	"testing"
)

// TestTaskOperations walks every task operation's success and error
// shapes, in order, against golden files.
func TestTaskOperations(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		vars := map[string]string{"admin": e.creds.UserID}
		vars["lead"] = e.createLead(`[{"Attribute":"FirstName","Value":"Tia"},{"Attribute":"LastName","Value":"Ko"}]`)
		many := func(n int) string {
			return `{"TaskList":[` + strings.TrimSuffix(strings.Repeat(`{"Name":"t","TaskType":{"Name":"Follow Up"}},`, n), ",") + `]}`
		}
		e.run(t, vars, []step{
			{name: "task_types", method: "GET", path: "Task.svc/RetrieveTaskType", status: 200},
			{name: "task_types_by_category", method: "GET", path: "Task.svc/RetrieveTaskType?ColumnName=Category&ColumnValue=1", status: 200},
			{name: "task_types_bad_column", method: "GET", path: "Task.svc/RetrieveTaskType?ColumnName=Color&ColumnValue=1", status: 500},
			{name: "task_create_appointment", method: "POST", path: "Task.svc/Create", status: 200, save: map[string]string{"appt": "Message.Id"},
				body: `{"Name":"Meeting: intro","Description":"d","RelatedEntity":1,"RelatedEntityId":"{lead}","DueDate":"2030-11-11 10:30:00","EndDate":"2030-11-11 10:45:00","Reminder":30,"NotifyBy":"1100","OwnerEmailAddress":"admin@sandbox.localsquared.dev","TaskType":{"Name":"Meeting"},"Location":"Room 1","CustomFields":{"mx_Custom_1":"x"}}`},
			{name: "task_create_todo", method: "POST", path: "Task.svc/Create", status: 200, save: map[string]string{"todo": "Message.Id"},
				body: `{"Name":"Call back","RelatedEntityId":"{lead}","DueDate":"2030-11-12 09:00:00","ReminderBeforeDays":1,"ReminderTime":"09:00","OwnerId":"{admin}","TaskType":{"Name":"follow up"}}`},
			{name: "task_create_no_type", method: "POST", path: "Task.svc/Create", status: 500, body: `{"Name":"x"}`},
			{name: "task_create_unknown_type", method: "POST", path: "Task.svc/Create", status: 500, body: `{"Name":"x","TaskType":{"Name":"Party"}}`},
			{name: "task_create_no_name", method: "POST", path: "Task.svc/Create", status: 500, body: `{"TaskType":{"Name":"Meeting"}}`},
			{name: "task_create_unknown_lead", method: "POST", path: "Task.svc/Create", status: 500, body: `{"Name":"x","TaskType":{"Name":"Meeting"},"RelatedEntity":1,"RelatedEntityId":"01a21183-0000-7000-8000-000000000000"}`},
			{name: "task_create_unknown_owner", method: "POST", path: "Task.svc/Create", status: 500, body: `{"Name":"x","TaskType":{"Name":"Meeting"},"OwnerEmailAddress":"no@example.com"}`},
			{name: "task_create_bad_date", method: "POST", path: "Task.svc/Create", status: 500, body: `{"Name":"x","TaskType":{"Name":"Meeting"},"DueDate":"2030-11-11T10:30:00"}`},
			{name: "task_create_end_before_due", method: "POST", path: "Task.svc/Create", status: 500, body: `{"Name":"x","TaskType":{"Name":"Meeting"},"DueDate":"2030-11-11 10:30:00","EndDate":"2030-11-11 10:00:00"}`},
			{name: "task_create_bad_custom", method: "POST", path: "Task.svc/Create", status: 500, body: `{"Name":"x","TaskType":{"Name":"Meeting"},"CustomFields":{"mx_Other":"1"}}`},
			{name: "task_create_opportunity", method: "POST", path: "Task.svc/Create", status: 500, body: `{"Name":"x","TaskType":{"Name":"Meeting"},"RelatedEntity":5,"RelatedEntityId":"01a21183-0000-7000-8000-000000000000"}`},
			{name: "task_create_array", method: "POST", path: "Task.svc/Create", status: 400, body: `[]`},
			{name: "task_bulk_create", method: "POST", path: "Task.svc/Bulk/Create", status: 200, body: many(3)},
			{name: "task_bulk_create_over_cap", method: "POST", path: "Task.svc/Bulk/Create", status: 500, body: many(51)},
			{name: "task_bulk_create_bad_row", method: "POST", path: "Task.svc/Bulk/Create", status: 500,
				body: `{"TaskList":[{"Name":"ok","TaskType":{"Name":"Follow Up"}},{"Name":"bad","TaskType":{"Name":"Nope"}}]}`},
			{name: "task_update", method: "POST", path: "Task.svc/Update", status: 200,
				body: `{"UserTaskId":"{appt}","Name":"Meeting: renamed","Reminder":15}`},
			{name: "task_update_unknown", method: "POST", path: "Task.svc/Update", status: 500, body: `{"UserTaskId":"01a21183-0000-7000-8000-000000000000","Name":"x"}`},
			{name: "task_update_no_id", method: "POST", path: "Task.svc/Update", status: 500, body: `{"Name":"x"}`},
			{name: "task_get_by_id", method: "GET", path: "Task.svc/Retrieve.GetById?id={appt}", status: 200},
			{name: "task_get_by_id_unknown", method: "GET", path: "Task.svc/Retrieve.GetById?id=01a21183-0000-7000-8000-000000000000", status: 200},
			{name: "task_mark_complete", method: "GET", path: "Task.svc/MarkComplete?id={todo}", status: 200},
			{name: "task_mark_complete_unknown", method: "GET", path: "Task.svc/MarkComplete?id=nope", status: 500},
			{name: "task_by_lead", method: "GET", path: "LeadManagement.svc/RetrieveTaskByLeadId?leadId={lead}", status: 200},
			{name: "task_reschedule", method: "POST", path: "Task.svc/BulkUpdateAppointmentTime", status: 200,
				body: `{"TaskList":[{"UserTaskId":"{appt}","FromDate":"2030-11-13 10:00:00","ToDate":"2030-11-13 11:00:00"}]}`},
			{name: "task_reschedule_todo", method: "POST", path: "Task.svc/BulkUpdateAppointmentTime", status: 500,
				body: `{"TaskList":[{"UserTaskId":"{todo}","FromDate":"2030-11-13 10:00:00","ToDate":"2030-11-13 11:00:00"}]}`},
			{name: "task_retrieve", method: "POST", path: "Task.svc/Retrieve", status: 200,
				body: `{"Parameter":{"LookupName":"OwnerEmailAddress","LookupValue":"admin@sandbox.localsquared.dev","FromDate":"2030-01-01 00:00:00","ToDate":"2030-12-31 00:00:00","StatusCode":0},"Sorting":{"ColumnName":"DueDate","Direction":"1"},"Paging":{"Offset":0,"RowCount":10}}`},
			{name: "task_retrieve_bad_lookup", method: "POST", path: "Task.svc/Retrieve", status: 500, body: `{"Parameter":{"LookupName":"Name","LookupValue":"x"}}`},
			{name: "task_retrieve_over_cap", method: "POST", path: "Task.svc/Retrieve", status: 500, body: `{"Parameter":{"LookupName":"OwnerId","LookupValue":"{admin}"},"Paging":{"Offset":0,"RowCount":1001}}`},
			{name: "task_appointments_by_email", method: "POST", path: "Task.svc/RetrieveAppointments/ByUserEmailAddress", status: 200,
				body: `{"FromDate":"2030-11-01","ToDate":"2030-11-30","Users":["admin@sandbox.localsquared.dev","nobody@example.com"],"Paging":{"PageIndex":1,"PageSize":100}}`},
			{name: "task_appointments_window_too_long", method: "POST", path: "Task.svc/RetrieveAppointments/ByUserEmailAddress", status: 500,
				body: `{"FromDate":"2030-01-01","ToDate":"2030-12-31","Users":["admin@sandbox.localsquared.dev"]}`},
			{name: "task_todos_by_user", method: "POST", path: "Task.svc/RetrieveToDos/ByUserId", status: 200,
				body: `{"FromDate":"2030-11-01","ToDate":"2030-11-30","Users":["{admin}"]}`},
			{name: "task_todos_no_users", method: "POST", path: "Task.svc/RetrieveToDos/ByUserId", status: 500, body: `{"FromDate":"2030-11-01","ToDate":"2030-11-30"}`},
			{name: "task_cancel", method: "POST", path: "Task.svc/CancelAppointments", status: 200, body: `{"TaskIds":["{appt}"]}`},
			{name: "task_cancel_todo", method: "POST", path: "Task.svc/CancelAppointments", status: 500, body: `{"TaskIds":["{todo}"]}`},
			{name: "task_by_lead_after", method: "GET", path: "LeadManagement.svc/RetrieveTaskByLeadId?leadId={lead}", status: 200},
			{name: "task_delete", method: "POST", path: "Task.svc/DeleteTasks", status: 200, body: `{"TaskIds":["{appt}","{todo}","01a21183-0000-7000-8000-000000000000"]}`},
			{name: "task_delete_empty", method: "POST", path: "Task.svc/DeleteTasks", status: 500, body: `{"TaskIds":[]}`},
			{name: "task_by_lead_after_delete", method: "GET", path: "LeadManagement.svc/RetrieveTaskByLeadId?leadId={lead}", status: 200},
		})
	})
}

// TestTaskTenantIsolation: org B's keys cannot read, change, complete,
// cancel, delete or list org A's tasks.
func TestTaskTenantIsolation(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"T"}]`)
		r := e.v2("POST", "Task.svc/Create", `{"Name":"A's","TaskType":{"Name":"Meeting"},"RelatedEntityId":"`+lead+`","DueDate":"2030-01-02 10:00:00"}`)
		id := jsonPath(t, r.body, "Message.Id")
		before := string(e.v2("GET", "Task.svc/Retrieve.GetById?id="+id, "").body)
		b := e.newOrgKeys(t, "B")
		for _, c := range []struct{ method, path, body, want string }{
			{"GET", "Task.svc/Retrieve.GetById?id=" + id, "", `[]`},
			{"POST", "Task.svc/Update", `{"UserTaskId":"` + id + `","Name":"x"}`, "MXInvalidEntityException"},
			{"GET", "Task.svc/MarkComplete?id=" + id, "", "MXInvalidEntityException"},
			{"POST", "Task.svc/CancelAppointments", `{"TaskIds":["` + id + `"]}`, "MXInvalidEntityException"},
			{"POST", "Task.svc/BulkUpdateAppointmentTime", `{"TaskList":[{"UserTaskId":"` + id + `","FromDate":"2030-01-03 10:00:00","ToDate":"2030-01-03 11:00:00"}]}`, "MXInvalidEntityException"},
			{"POST", "Task.svc/DeleteTasks", `{"TaskIds":["` + id + `"]}`, `"DeletedTasksCount":0`},
			{"GET", "LeadManagement.svc/RetrieveTaskByLeadId?leadId=" + lead, "", `{"RecordCount":0,"TaskList":[]}`},
			{"POST", "Task.svc/Retrieve", `{"Parameter":{"LookupName":"OwnerId","LookupValue":"` + e.creds.UserID + `"}}`, `{"RecordCount":0,"List":[]}`},
			{"POST", "Task.svc/RetrieveToDos/ByUserId", `{"FromDate":"2030-01-01","ToDate":"2030-01-31","Users":["` + e.creds.UserID + `"]}`, `{"RecordCount":0,"List":[]}`},
			{"POST", "Task.svc/RetrieveAppointments/ByUserEmailAddress", `{"FromDate":"2030-01-01","ToDate":"2030-01-31","Users":["admin@sandbox.localsquared.dev"]}`, `{"RecordCount":0,"List":[]}`},
			{"POST", "Task.svc/Create", `{"Name":"x","TaskType":{"Name":"Meeting"},"RelatedEntityId":"` + lead + `"}`, "MXInvalidEntityException"},
			{"POST", "Task.svc/Create", `{"Name":"x","TaskType":{"Name":"Meeting"},"OwnerId":"` + e.creds.UserID + `"}`, "MXInvalidInputException"},
		} {
			r := e.do(c.method, "/v2/"+c.path, b, c.body)
			if !strings.Contains(string(r.body), c.want) {
				t.Errorf("org B %s: %d %s, want %s", c.path, r.status, r.body, c.want)
			}
		}
		if after := string(e.v2("GET", "Task.svc/Retrieve.GetById?id="+id, "").body); after != before {
			t.Errorf("org A's task changed:\n%s\n%s", before, after)
		}
	})
}
