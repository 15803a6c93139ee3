package crm

import (
	"crypto/sha1"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxCustomFields is how many custom lead fields an org may have.
const MaxCustomFields = 500

// MaxFieldOptions bounds the options of one Select field.
const MaxFieldOptions = 5000

// FieldOption is one option of a CreateLeadField body; Order places it.
type FieldOption struct {
	Value string
	Order int
}

// FieldSpec is a custom field as CreateLeadField describes it. Zero
// MaxLength means the type's default.
type FieldSpec struct {
	DisplayName       string
	DataType          string
	RenderType        string // RenderTypeTextValue
	Mandatory         bool
	MaxLength         int
	Options           []FieldOption
	ShowInQuickSearch bool
	Settings          FieldSettings
}

// FieldSettings are the properties of a custom field that CreateLeadField
// takes and LeadsMetaData.Get reports but that lead writes do not consult.
type FieldSettings struct {
	ShowInImport    bool
	ShowInMailMerge bool
	LockAfterCreate int // 0, 1 or 2, as LeadSquared numbers them
	UseInLeadClone  bool
	CreatedBy       string // user id; "" when not created through the API
	ModifiedBy      string
}

// renderTypes lists, per CreateLeadField DataType, the RenderTypeTextValue
// spellings it accepts (reference §2.3) and their metadata numbers.
var renderTypes = map[string][]struct {
	text string
	num  int
}{
	TypeText:     {{"Textbox", renderTextbox}, {"TextArea", renderTextArea}},
	TypeNumber:   {{"Textbox", renderNumber}},
	TypeEmail:    {{"Email", renderEmail}},
	TypePhone:    {{"Phone", renderPhone}, {"Textbox", renderTextbox}},
	TypeWebsite:  {{"URL", renderURL}},
	TypeDate:     {{"Date", renderDate}, {"DateTime", renderDateTime}},
	TypeDateTime: {{"DateTime", renderDateTime}},
	TypeTime:     {{"Time", renderTime}},
	TypeSelect:   {{"Dropdown", renderDropdown}, {"RadioButton", renderRadio}, {"SearchableDropdown", renderSearchDD}, {"DropdownWithOthers", renderDDOthers}},
	TypeBoolean:  {{"CheckBox", renderCheckBox}},
}

// dataTypeOrder is the order data types are listed in messages.
var dataTypeOrder = []string{TypeText, TypeNumber, TypeEmail, TypePhone, TypeWebsite, TypeDate, TypeDateTime, TypeTime, TypeSelect, TypeBoolean}

// defaultMaxLength is a custom field's MaxLength when CreateLeadField
// gives none.
var defaultMaxLength = map[string]int{TypeText: 200, TypeEmail: 100, TypePhone: 50, TypeWebsite: 200}

// maxMaxLength bounds an explicit MaxLength.
const maxMaxLength = 8000

// NewCustomField checks spec and returns the field it defines, created at
// now. An empty RenderType means the data type's first (Textbox, Email,
// Phone, URL, Date, DateTime, Time, Dropdown or CheckBox). Errors: KindInvalid for a bad display name, data type, render type
// (each case-sensitive), MaxLength, option value or options on a type
// without options; KindMandatory, with LeadSquared's message, when the
// options' Order values are not 1..n.
func NewCustomField(spec FieldSpec, now time.Time) (*Field, error) {
	name := strings.TrimSpace(spec.DisplayName)
	if err := checkDisplayName(name); err != nil {
		return nil, err
	}
	rts, ok := renderTypes[spec.DataType]
	if !ok {
		return nil, Invalidf("DataType ('%s' is not one of %s)", clip(spec.DataType), strings.Join(dataTypeOrder, ", "))
	}
	f := &Field{SchemaName: CustomSchemaName(name), DisplayName: name, DataType: spec.DataType,
		Mandatory: spec.Mandatory, ShowInQuickSearch: spec.ShowInQuickSearch, CreatedOn: now, ModifiedOn: now}
	if spec.RenderType == "" {
		spec.RenderType = rts[0].text
	}
	var allowed []string
	for _, rt := range rts {
		allowed = append(allowed, rt.text)
		if rt.text == spec.RenderType {
			f.RenderType, f.RenderTypeText = rt.num, rt.text
		}
	}
	if f.RenderTypeText == "" {
		return nil, Invalidf("RenderTypeTextValue ('%s' does not fit DataType %s; use %s)", clip(spec.RenderType), spec.DataType, strings.Join(allowed, ", "))
	}
	switch {
	case spec.MaxLength < 0 || spec.MaxLength > maxMaxLength:
		return nil, Invalidf("MaxLength (must be 1 to %d)", maxMaxLength)
	case spec.MaxLength > 0:
		f.MaxLength = spec.MaxLength
	default:
		f.MaxLength = defaultMaxLength[spec.DataType]
		if spec.RenderType == "TextArea" {
			f.MaxLength = 2000
		}
	}
	if spec.DataType != TypeSelect {
		if len(spec.Options) > 0 {
			return nil, Invalidf("OptionsJson (only Select fields have options)")
		}
		return f, nil
	}
	opts, err := orderedOptions(spec.Options)
	if err != nil {
		return nil, err
	}
	f.Options = opts
	return f, nil
}

// orderedOptions returns the option values sorted by Order, which must be
// exactly 1..n.
func orderedOptions(in []FieldOption) ([]string, error) {
	if len(in) > MaxFieldOptions {
		return nil, Invalidf("OptionsJson (at most %d options)", MaxFieldOptions)
	}
	sorted := append([]FieldOption(nil), in...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Order < sorted[j].Order })
	out := make([]string, 0, len(sorted))
	seen := make(map[string]bool, len(sorted))
	for i, o := range sorted {
		if o.Order != i+1 {
			return nil, Errorf(KindMandatory, "You have skipped number in Order. Options must be numbered 1 to %d without gaps or repeats", len(sorted))
		}
		v, err := checkOption(o.Value, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// checkOption trims an option value and refuses an empty, over-long or
// (case-insensitively) repeated one; seen collects lower-cased values.
func checkOption(v string, seen map[string]bool) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", Invalidf("Options (an option value is empty)")
	case len([]rune(v)) > 200 || strings.IndexByte(v, 0) >= 0:
		return "", Invalidf("Options ('%s' is longer than 200 characters or contains NUL)", clip(v))
	case seen[strings.ToLower(v)]:
		return "", Invalidf("Options ('%s' is repeated)", clip(v))
	}
	seen[strings.ToLower(v)] = true
	return v, nil
}

// AddOptions returns f's options followed by those of add that f lacks,
// compared case-insensitively (repeats within add are skipped too), and
// how many were added. Errors: KindInvalid when f is not a custom Select
// field, an added value is empty or too long, or the total passes
// MaxFieldOptions.
func AddOptions(f *Field, add []string) ([]string, int, error) {
	if f.System || f.DataType != TypeSelect {
		return nil, 0, Invalidf("SchemaName ('%s' is not a custom Select field)", f.SchemaName)
	}
	seen := make(map[string]bool, len(f.Options)+len(add))
	for _, o := range f.Options {
		seen[strings.ToLower(o)] = true
	}
	out := append([]string(nil), f.Options...)
	n := 0
	for _, v := range add {
		if seen[strings.ToLower(strings.TrimSpace(v))] {
			continue
		}
		v, err := checkOption(v, seen)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
		n++
	}
	if len(out) > MaxFieldOptions {
		return nil, 0, Invalidf("Options (a field has at most %d options)", MaxFieldOptions)
	}
	return out, n, nil
}

// checkDisplayName allows 1 to 50 ASCII letters, digits and spaces, so
// that the schema name made from it is a plain identifier.
func checkDisplayName(name string) error {
	if name == "" {
		return Invalidf("DisplayName (is empty)")
	}
	if len(name) > 50 {
		return Invalidf("DisplayName (longer than 50 characters)")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ' ') {
			return Invalidf("DisplayName ('%s' may hold only letters, digits and spaces)", clip(name))
		}
	}
	return nil
}

func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// fieldIDSpace is the namespace of FieldID's name-based UUIDs.
var fieldIDSpace = [16]byte{0x6c, 0x53, 0x71, 0x2e, 0x66, 0x69, 0x65, 0x6c, 0x64, 0x2e, 0x69, 0x64, 0x2e, 0x76, 0x31, 0x00}

// FieldID returns the field's EntityAttributeId: a version 5 (SHA-1,
// name-based) UUID of "<org>/<schema name>", so it is the same on every
// call and every instance, differs between orgs, and needs no storage.
func FieldID(org OrgID, schemaName string) string {
	h := sha1.New()
	h.Write(fieldIDSpace[:])
	h.Write([]byte(strconv.FormatInt(int64(org), 10) + "/" + schemaName))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(&u)
}
