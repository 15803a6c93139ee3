package lsqapi

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
	"github.com/localsquared/localsquared/lsq"
)

// Caps of the task surface.
const (
	maxBulkTasks      = 50
	maxTaskDeletes    = 5000
	maxTaskPage       = 1000
	maxAppointmentWin = 100 * 24 * time.Hour
)

// systemTypesCreated is the CreatedOn the built-in task types show.
var systemTypesCreated = time.Date(2014, 12, 1, 17, 13, 16, 0, time.UTC)

// neverDate is how task reads print a date that is not set.
const neverDate = "0001-01-01 00:00:00.000"

type wireTask struct {
	UserTaskId         *string
	Name               *string
	Description        *string
	RelatedEntity      json.RawMessage
	RelatedEntityId    *string
	DueDate            *string
	EndDate            *string
	Reminder           json.RawMessage
	ReminderBeforeDays json.RawMessage
	ReminderTime       *string
	NotifyBy           json.RawMessage
	OwnerId            *string
	OwnerEmailAddress  *string
	TaskType           *struct{ Name string }
	Location           *string
	Priority           json.RawMessage
	CustomFields       map[string]json.RawMessage
}

func optInt(v json.RawMessage, name string) (*int, error) {
	n, ok, err := rawInt(v)
	if err != nil || n > 1<<31 || n < -(1<<31) {
		return nil, crm.Invalidf("%s (a whole number)", name)
	}
	if !ok {
		return nil, nil
	}
	i := int(n)
	return &i, nil
}

func optDate(v *string, name string) (*time.Time, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	t, err := parseWireDate(name, *v)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func taskInput(w *wireTask) (crm.TaskInput, error) {
	in := crm.TaskInput{Name: w.Name, Description: w.Description, RelatedID: w.RelatedEntityId, OwnerID: w.OwnerId,
		OwnerEmail: w.OwnerEmailAddress, ReminderTime: w.ReminderTime, Location: w.Location}
	if w.TaskType != nil {
		in.TypeName = &w.TaskType.Name
	}
	var err error
	if in.RelatedEntity, err = optInt(w.RelatedEntity, "RelatedEntity"); err != nil {
		return in, err
	}
	if in.Reminder, err = optInt(w.Reminder, "Reminder"); err != nil {
		return in, err
	}
	if in.ReminderBeforeDays, err = optInt(w.ReminderBeforeDays, "ReminderBeforeDays"); err != nil {
		return in, err
	}
	if in.Priority, err = optInt(w.Priority, "Priority"); err != nil {
		return in, err
	}
	if s, err := scalarText(w.NotifyBy); err != nil {
		return in, crm.Invalidf("NotifyBy")
	} else if s != nil {
		in.NotifyBy = s
	}
	if in.Due, err = optDate(w.DueDate, "DueDate"); err != nil {
		return in, err
	}
	if in.End, err = optDate(w.EndDate, "EndDate"); err != nil {
		return in, err
	}
	if len(w.CustomFields) > crm.MaxTaskCustomFields {
		return in, crm.Invalidf("CustomFields (at most %d)", crm.MaxTaskCustomFields)
	}
	if len(w.CustomFields) > 0 {
		in.Fields = make(map[string]string, len(w.CustomFields))
		for k, v := range w.CustomFields {
			s, err := scalarText(v)
			if err != nil {
				return in, crm.Errorf(crm.KindBadRequest, `CustomFields "%s" %v`, sanitize(k), err)
			}
			in.Fields[k] = ""
			if s != nil {
				in.Fields[k] = strings.TrimSpace(*s)
			}
		}
	}
	return in, nil
}

const taskShape = `a JSON object {"Name","TaskType":{"Name"},"DueDate","EndDate","OwnerId","RelatedEntity","RelatedEntityId",…}`

// POST Task.svc/Create
func (a *API) createTask(c *call) error {
	var w wireTask
	if err := decodeObject(c.body, taskShape, &w); err != nil {
		return err
	}
	in, err := taskInput(&w)
	if err != nil {
		return err
	}
	ts, err := a.store.CreateTasks(c.ctx, c.p, []crm.TaskInput{in})
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{ts[0].ID}))
	return nil
}

// requestMessage is the envelope of LeadSquared's queued task operations;
// LocalSquared finishes them before answering, so Id is the request id.
func requestMessage(c *call) success {
	return ok(struct {
		Id           string
		IsSuccessful bool
	}{crm.RequestID(c.ctx), true})
}

// POST Task.svc/Bulk/Create — up to 50 tasks, all or none.
func (a *API) bulkCreateTasks(c *call) error {
	var w struct {
		TaskList         []wireTask
		StatusWebhookURL *string
	}
	if err := decodeObject(c.body, `a JSON object {"TaskList":[task objects]}`, &w); err != nil {
		return err
	}
	if len(w.TaskList) == 0 {
		return crm.Errorf(crm.KindMandatory, "'TaskList' is mandatory")
	}
	if len(w.TaskList) > maxBulkTasks {
		return crm.Invalidf("TaskList (at most %d tasks per call; found %d)", maxBulkTasks, len(w.TaskList))
	}
	ins := make([]crm.TaskInput, len(w.TaskList))
	for i := range w.TaskList {
		in, err := taskInput(&w.TaskList[i])
		if err != nil {
			return &crm.Error{Kind: crm.KindOf(err), Msg: "TaskList[" + strconv.Itoa(i) + "]: " + crm.MessageOf(err)}
		}
		ins[i] = in
	}
	if _, err := a.store.CreateTasks(c.ctx, c.p, ins); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, requestMessage(c))
	return nil
}

// POST Task.svc/Update
func (a *API) updateTask(c *call) error {
	var w wireTask
	if err := decodeObject(c.body, taskShape, &w); err != nil {
		return err
	}
	if w.UserTaskId == nil || strings.TrimSpace(*w.UserTaskId) == "" {
		return crm.Errorf(crm.KindMandatory, "'UserTaskId' is mandatory")
	}
	in, err := taskInput(&w)
	if err != nil {
		return err
	}
	t, err := a.store.UpdateTask(c.ctx, c.p, *w.UserTaskId, in)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(struct {
		AffectedRows int
		AutoId       int64
	}{1, t.AutoID}))
	return nil
}

// GET Task.svc/MarkComplete?id=
func (a *API) markTaskComplete(c *call) error {
	id, _ := c.param("id")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'id' is mandatory")
	}
	if err := a.store.SetTaskStatus(c.ctx, c.p, []string{id}, crm.TaskCompleted); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(affectedMessage{1}))
	return nil
}

// POST Task.svc/BulkUpdateAppointmentTime
func (a *API) rescheduleAppointments(c *call) error {
	var w struct {
		TaskList []struct {
			UserTaskId       string
			FromDate, ToDate *string
		}
	}
	if err := decodeObject(c.body, `a JSON object {"TaskList":[{"UserTaskId","FromDate","ToDate"}]}`, &w); err != nil {
		return err
	}
	if len(w.TaskList) == 0 {
		return crm.Errorf(crm.KindMandatory, "'TaskList' is mandatory")
	}
	if len(w.TaskList) > maxBulkTasks {
		return crm.Invalidf("TaskList (at most %d tasks per call; found %d)", maxBulkTasks, len(w.TaskList))
	}
	rs := make([]store.Reschedule, len(w.TaskList))
	for i, r := range w.TaskList {
		if r.UserTaskId == "" {
			return crm.Errorf(crm.KindMandatory, "'UserTaskId' is mandatory")
		}
		from, err := optDate(r.FromDate, "FromDate")
		if err != nil {
			return err
		}
		to, err := optDate(r.ToDate, "ToDate")
		if err != nil {
			return err
		}
		if from == nil || to == nil {
			return crm.Errorf(crm.KindMandatory, "'FromDate' and 'ToDate' are mandatory")
		}
		rs[i] = store.Reschedule{ID: r.UserTaskId, From: *from, To: *to}
	}
	if err := a.store.RescheduleAppointments(c.ctx, c.p, rs); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, requestMessage(c))
	return nil
}

func taskIDs(c *call, limit int) ([]string, error) {
	var w struct{ TaskIds []string }
	if err := decodeObject(c.body, `a JSON object {"TaskIds":["…"]}`, &w); err != nil {
		return nil, err
	}
	if len(w.TaskIds) == 0 {
		return nil, crm.Errorf(crm.KindMandatory, "'TaskIds' is mandatory")
	}
	if len(w.TaskIds) > limit {
		return nil, crm.Invalidf("TaskIds (at most %d per call; found %d)", limit, len(w.TaskIds))
	}
	return w.TaskIds, nil
}

// POST Task.svc/CancelAppointments
func (a *API) cancelAppointments(c *call) error {
	ids, err := taskIDs(c, maxBulkTasks)
	if err != nil {
		return err
	}
	if err := a.store.SetTaskStatus(c.ctx, c.p, ids, crm.TaskCancelled); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, requestMessage(c))
	return nil
}

// POST Task.svc/DeleteTasks — this envelope has no Message.
func (a *API) deleteTasks(c *call) error {
	ids, err := taskIDs(c, maxTaskDeletes)
	if err != nil {
		return err
	}
	n, err := a.store.DeleteTasks(c.ctx, c.p, ids)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, struct {
		Status            string
		Operation         string
		TasksCount        int
		DeletedTasksCount int
		FailureReason     *string
	}{"Success", "Bulk Delete Tasks", len(ids), n, nil})
	return nil
}

type taskTypeRef struct {
	Id       string
	Name     string
	Category int
}

// taskRecord is a task as Task.svc reads print it.
type taskRecord struct {
	UserTaskId          string
	AutoId              int64
	Name                string
	Category            int
	Description         string
	RelatedEntity       int
	RelatedEntityId     string
	RelatedEntityIdName string
	DueDate             string
	EndDate             string
	Reminder            int
	ReminderBeforeDays  int
	ReminderTime        string
	NotifyBy            string
	StatusCode          int
	OwnerId             string
	OwnerName           string
	OwnerEmailAddress   string
	CreatedBy           string
	CreatedByName       string
	CreatedOn           string
	ModifiedBy          string
	ModifiedByName      string
	ModifiedOn          string
	CompletedOn         string
	TaskType            taskTypeRef
	PercentCompleted    int
	EffortEstimateUnit  string
	Priority            int
	Location            string
	CustomFields        map[string]string
}

// people looks up user names and emails once per response.
type people struct {
	a     *API
	c     *call
	users map[string]*crm.User
	leads map[string]string
}

func newPeople(a *API, c *call) *people {
	return &people{a: a, c: c, users: map[string]*crm.User{}, leads: map[string]string{}}
}

func (p *people) user(id string) *crm.User {
	if u, ok := p.users[id]; ok {
		return u
	}
	u, err := p.a.store.User(p.c.ctx, p.c.p.Org.ID, id)
	if err != nil {
		u = &crm.User{}
	}
	p.users[id] = u
	return u
}

func (p *people) leadName(id string) string {
	if id == "" {
		return ""
	}
	if n, ok := p.leads[id]; ok {
		return n
	}
	n := ""
	if l, err := p.a.store.Lead(p.c.ctx, p.c.p.Org.ID, id); err == nil {
		n = strings.TrimSpace(l.Values["FirstName"] + " " + l.Values["LastName"])
		if n == "" {
			n = l.Values["EmailAddress"]
		}
	}
	p.leads[id] = n
	return n
}

func (p *people) record(t *crm.Task) taskRecord {
	owner, created, modified := p.user(t.OwnerID), p.user(t.CreatedBy), p.user(t.ModifiedBy)
	r := taskRecord{UserTaskId: t.ID, AutoId: t.AutoID, Name: t.Name, Category: t.Type.Category, Description: t.Description,
		RelatedEntity: t.RelatedEntity, RelatedEntityId: t.RelatedID, RelatedEntityIdName: p.leadName(t.RelatedID),
		DueDate: lsq.FormatDateTime(t.Due), EndDate: lsq.FormatDateTime(t.End), Reminder: t.Reminder,
		ReminderBeforeDays: t.ReminderBeforeDays, ReminderTime: t.ReminderTime, NotifyBy: t.NotifyBy, StatusCode: t.Status,
		OwnerId: t.OwnerID, OwnerName: owner.Name(), OwnerEmailAddress: owner.Email,
		CreatedBy: t.CreatedBy, CreatedByName: created.Name(), CreatedOn: lsq.FormatDateTime(t.CreatedOn),
		ModifiedBy: t.ModifiedBy, ModifiedByName: modified.Name(), ModifiedOn: lsq.FormatDateTime(t.ModifiedOn),
		CompletedOn: neverDate, TaskType: taskTypeRef{t.Type.ID, t.Type.Name, t.Type.Category},
		EffortEstimateUnit: "Minutes", Priority: t.Priority, Location: t.Location, CustomFields: t.Fields}
	if t.Status == crm.TaskCompleted {
		r.CompletedOn, r.PercentCompleted = lsq.FormatDateTime(t.CompletedOn), 100
	}
	if r.CustomFields == nil {
		r.CustomFields = map[string]string{}
	}
	return r
}

func (a *API) writeTaskList(c *call, total int64, list []crm.Task) {
	pp := newPeople(a, c)
	out := make([]taskRecord, len(list))
	for i := range list {
		out[i] = pp.record(&list[i])
	}
	writeJSON(c.w, http.StatusOK, struct {
		RecordCount int64
		List        []taskRecord
	}{total, out})
}

// GET Task.svc/Retrieve.GetById?id= — a one-element array, [] when the id
// matches no task of the org.
func (a *API) taskByID(c *call) error {
	id, _ := c.param("id")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'id' is mandatory")
	}
	t, err := a.store.Task(c.ctx, c.p.Org.ID, id)
	if crm.KindOf(err) == crm.KindNotFound {
		writeRaw(c.w, http.StatusOK, []byte("[]"))
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, []taskRecord{newPeople(a, c).record(t)})
	return nil
}

// POST Task.svc/Retrieve — by owner (LookupName OwnerId or
// OwnerEmailAddress), due date window, status and type.
func (a *API) retrieveTasks(c *call) error {
	var w struct {
		Parameter *struct {
			LookupName, LookupValue string
			FromDate, ToDate        *string
			StatusCode              json.RawMessage
			TypeName                string
		}
		Sorting *struct{ ColumnName, Direction json.RawMessage }
		Paging  json.RawMessage
	}
	if err := decodeObject(c.body, `a JSON object {"Parameter":{"LookupName","LookupValue","FromDate","ToDate","StatusCode","TypeName"},"Paging":{"Offset","RowCount"}}`, &w); err != nil {
		return err
	}
	if w.Parameter == nil {
		return crm.Errorf(crm.KindInvalid, "Invalid Input! Parameter Name: You have not passed Parameter.")
	}
	p := w.Parameter
	var f store.TaskFilter
	switch strings.ToLower(p.LookupName) {
	case "ownerid":
		f.OwnerIDs = []string{p.LookupValue}
	case "owneremailaddress":
		u, err := a.store.UserByEmail(c.ctx, c.p.Org.ID, p.LookupValue)
		if err != nil {
			if crm.KindOf(err) != crm.KindNotFound {
				return err
			}
			a.writeTaskList(c, 0, nil)
			return nil
		}
		f.OwnerIDs = []string{u.ID}
	default:
		return crm.Invalidf("LookupName (OwnerId or OwnerEmailAddress)")
	}
	if p.LookupValue == "" {
		return crm.Errorf(crm.KindMandatory, "'LookupValue' is mandatory")
	}
	var err error
	if from, err := optDate(p.FromDate, "FromDate"); err != nil {
		return err
	} else if from != nil {
		f.From = *from
	}
	if to, err := optDate(p.ToDate, "ToDate"); err != nil {
		return err
	} else if to != nil {
		f.To = to.Add(999 * time.Millisecond)
	}
	if f.Status, err = optInt(p.StatusCode, "StatusCode"); err != nil {
		return err
	}
	if f.Status != nil && (*f.Status < 0 || *f.Status > 2) {
		return crm.Invalidf("StatusCode (0 incomplete or 1 complete)")
	}
	if p.TypeName != "" {
		tt := crm.TaskTypeByID(p.TypeName)
		if tt == nil {
			tt = crm.TaskTypeByName(p.TypeName)
		}
		if tt == nil {
			return crm.Invalidf("TypeName (no such task type)")
		}
		f.TypeID = tt.ID
	}
	if w.Sorting != nil {
		if n, ok, err := rawInt(w.Sorting.Direction); err != nil || ok && n != 0 && n != 1 {
			return crm.Invalidf("Sorting.Direction (0 ascending or 1 descending)")
		} else {
			f.Desc = ok && n == 1
		}
	}
	if f.Offset, f.Limit, err = activityPaging(w.Paging); err != nil {
		return err
	}
	total, list, err := a.store.Tasks(c.ctx, c.p.Org.ID, f)
	if err != nil {
		return err
	}
	a.writeTaskList(c, total, list)
	return nil
}

// GET LeadManagement.svc/RetrieveTaskByLeadId?leadId= — fixed columns
// with this endpoint's own spellings.
func (a *API) tasksOfLead(c *call) error {
	id, _ := c.param("leadid")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'leadId' is mandatory")
	}
	total, list, err := a.store.Tasks(c.ctx, c.p.Org.ID, store.TaskFilter{LeadID: id, Limit: maxTaskPage})
	if err != nil {
		return err
	}
	type entry struct {
		TaskID        string
		Name          string
		Description   string
		DueDate       string
		CreatedOn     string
		OwnerID       string
		OwnerName     string
		CreatedBy     string
		CreatedByName string
		Status        string
		Reminder      string
	}
	pp := newPeople(a, c)
	out := make([]entry, len(list))
	for i, t := range list {
		status := "Pending"
		switch t.Status {
		case crm.TaskCompleted:
			status = "Completed"
		case crm.TaskCancelled:
			status = "Cancelled"
		}
		out[i] = entry{TaskID: t.ID, Name: t.Name, Description: t.Description, DueDate: lsq.FormatDateTime(t.Due),
			CreatedOn: lsq.FormatDateTime(t.CreatedOn), OwnerID: t.OwnerID, OwnerName: pp.user(t.OwnerID).Name(),
			CreatedBy: t.CreatedBy, CreatedByName: pp.user(t.CreatedBy).Name(), Status: status, Reminder: strconv.Itoa(t.Reminder)}
	}
	writeJSON(c.w, http.StatusOK, struct {
		RecordCount int64
		TaskList    []entry
	}{total, out})
	return nil
}

// userTasks serves RetrieveAppointments/ByUserEmailAddress and
// RetrieveToDos/ByUserId: a date window of at most 100 days (dates or
// date-times; a bare ToDate covers its whole day), users, paging.
func (a *API) userTasks(c *call, category int, byEmail bool) error {
	var w struct {
		FromDate, ToDate string
		Users            []string
		Paging           *pagingBody
	}
	if err := decodeObject(c.body, `a JSON object {"FromDate","ToDate","Users":[…],"Paging":{"PageIndex","PageSize"}}`, &w); err != nil {
		return err
	}
	from, err := lsq.ParseDateOrDateTime(w.FromDate)
	if err != nil {
		return crm.Invalidf("FromDate (expected yyyy-MM-dd or yyyy-MM-dd HH:mm:ss)")
	}
	to, err := lsq.ParseDateOrDateTime(w.ToDate)
	if err != nil {
		return crm.Invalidf("ToDate (expected yyyy-MM-dd or yyyy-MM-dd HH:mm:ss)")
	}
	if len(w.ToDate) == 10 {
		to = to.Add(24*time.Hour - time.Millisecond)
	} else {
		to = to.Add(999 * time.Millisecond)
	}
	if to.Before(from) {
		return crm.Invalidf("ToDate (before FromDate)")
	}
	if to.Sub(from) > maxAppointmentWin {
		return crm.Invalidf("date range can not be more than 100 days")
	}
	if len(w.Users) == 0 {
		return crm.Errorf(crm.KindMandatory, "'Users' is mandatory")
	}
	if len(w.Users) > 100 {
		return crm.Invalidf("Users (at most 100)")
	}
	q := windowQuery{Paging: w.Paging}
	f := store.TaskFilter{From: from, To: to, Category: &category}
	if f.Offset, f.Limit, err = q.page(100); err != nil {
		return err
	}
	for _, u := range w.Users {
		if byEmail {
			usr, err := a.store.UserByEmail(c.ctx, c.p.Org.ID, u)
			if crm.KindOf(err) == crm.KindNotFound {
				continue
			}
			if err != nil {
				return err
			}
			u = usr.ID
		}
		f.OwnerIDs = append(f.OwnerIDs, u)
	}
	if len(f.OwnerIDs) == 0 {
		a.writeTaskList(c, 0, nil)
		return nil
	}
	total, list, err := a.store.Tasks(c.ctx, c.p.Org.ID, f)
	if err != nil {
		return err
	}
	a.writeTaskList(c, total, list)
	return nil
}

// POST Task.svc/RetrieveAppointments/ByUserEmailAddress
func (a *API) appointmentsByEmail(c *call) error { return a.userTasks(c, crm.TaskAppointment, true) }

// POST Task.svc/RetrieveToDos/ByUserId
func (a *API) todosByUserID(c *call) error { return a.userTasks(c, crm.TaskToDo, false) }

// GET Task.svc/RetrieveTaskType[?ColumnName=&ColumnValue=]
func (a *API) taskTypes(c *call) error {
	col, _ := c.param("columnname")
	val, _ := c.param("columnvalue")
	type column struct {
		DataType                string
		DisplayName             string
		InternalSchemaName      string
		IsDefault               bool
		IsMandatoryConfigurable bool
		Mandatory               bool
		Options                 *string
		RenderType              int
		SchemaName              string
	}
	type entry struct {
		Id                  string
		Name                string
		Category            int
		Color               string
		ColumnConfiguration []column
		CreatedBy           string
		CreatedOn           string
		FormLayout          string
	}
	cols := []column{
		{DataType: "ActiveUsers", DisplayName: "Owner", InternalSchemaName: "OwnerId", IsDefault: true, Mandatory: true, RenderType: 21, SchemaName: "OwnerId"},
		{DataType: "Lead", DisplayName: "Associated Lead", InternalSchemaName: "RelatedEntityId", IsDefault: true, IsMandatoryConfigurable: true, RenderType: 22, SchemaName: "RelatedEntityId"},
		{DataType: "String", DisplayName: "Subject", InternalSchemaName: "Name", IsDefault: true, Mandatory: true, SchemaName: "Name"},
	}
	for i := 1; i <= crm.MaxTaskCustomFields; i++ {
		n := "mx_Custom_" + strconv.Itoa(i)
		cols = append(cols, column{DataType: "String", DisplayName: "Custom " + strconv.Itoa(i), InternalSchemaName: n, IsMandatoryConfigurable: true, SchemaName: n})
	}
	layout, _ := json.Marshal(struct{ Sections []struct{ Fields []string } }{[]struct{ Fields []string }{{[]string{"Name", "OwnerId", "RelatedEntityId"}}}})
	out := []entry{}
	for _, t := range crm.TaskTypes() {
		switch strings.ToLower(col) {
		case "":
		case "tasktypeid":
			if !strings.EqualFold(t.ID, val) {
				continue
			}
		case "tasktypename":
			if !strings.EqualFold(t.Name, val) {
				continue
			}
		case "category":
			if strconv.Itoa(t.Category) != strings.TrimSpace(val) {
				continue
			}
		default:
			return crm.Invalidf("ColumnName (TaskTypeId, TaskTypeName or Category)")
		}
		out = append(out, entry{Id: t.ID, Name: t.Name, Category: t.Category, Color: t.Color, ColumnConfiguration: cols,
			CreatedBy: "System", CreatedOn: lsq.FormatWCF(systemTypesCreated), FormLayout: string(layout)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Category < out[j].Category })
	writeJSON(c.w, http.StatusOK, out)
	return nil
}
