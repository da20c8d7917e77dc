package open311

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
)

// Discovery facts. The changeset is the last change of this document's content; bump it when the
// endpoint, its formats or the contact change.
const (
	specification = "http://wiki.open311.org/GeoReport_v2"
	changeset     = "2026-11-28T00:00:00+08:00"
	contact       = "12345 政务服务便民热线：拨打 12345，或访问本站 /portal"
	keyService    = "API 密钥由 12345 中心的系统管理员为机器用户签发，请联系 12345 中心申请"
)

type endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type discoveryDoc struct {
	Changeset  string     `json:"changeset" xml:"changeset"`
	Contact    string     `json:"contact" xml:"contact"`
	KeyService string     `json:"key_service" xml:"key_service"`
	Endpoints  []endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

func (api *API) discovery(w http.ResponseWriter, r *http.Request, f format) {
	writeOne(w, f, http.StatusOK, discoveryDoc{Changeset: changeset, Contact: contact, KeyService: keyService,
		Endpoints: []endpoint{{Specification: specification, URL: baseURL(r), Changeset: changeset, Type: "production",
			Formats: []string{"text/xml", "application/json"}}}}, "discovery")
}

// catalogue is the part of the category catalogue that Open311 offers: every usable leaf (active,
// under active parents, with no usable category below it) is a service.
type catalogue struct {
	services []category.Category // in display order
	byCode   map[string]category.Category
	groups   map[string]string // service code → its level-1 category's name
}

func (api *API) catalogue(ctx context.Context) (catalogue, error) {
	cats, err := api.st.Categories(ctx, store.CategoryFilter{ActiveOnly: true})
	if err != nil {
		return catalogue{}, err
	}
	tree := category.NewTree(cats)
	c := catalogue{byCode: map[string]category.Category{}, groups: map[string]string{}}
	for _, cat := range tree.Flatten() {
		if len(tree.Children(cat.Code)) > 0 {
			continue
		}
		c.services = append(c.services, cat)
		c.byCode[cat.Code] = cat
		c.groups[cat.Code] = tree.Path(cat.Code)[0].Name
	}
	return c, nil
}

// group is the service's Open311 group: the one its category names, else its level-1 name.
func (c catalogue) group(cat category.Category) string {
	if cat.Group != "" {
		return cat.Group
	}
	return c.groups[cat.Code]
}

type service struct {
	Code        string `json:"service_code" xml:"service_code"`
	Name        string `json:"service_name" xml:"service_name"`
	Description text   `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    text   `json:"keywords" xml:"keywords"`
	Group       text   `json:"group" xml:"group"`
}

func (api *API) services(w http.ResponseWriter, r *http.Request, f format) {
	c, err := api.catalogue(r.Context())
	if err != nil {
		api.internalError(w, r, f, err)
		return
	}
	out := make([]service, 0, len(c.services))
	for _, cat := range c.services {
		out = append(out, service{Code: cat.Code, Name: cat.Name, Description: text(cat.Description),
			Metadata: len(cat.Attributes) > 0, Type: "realtime", Keywords: text(strings.Join(cat.Keywords, ",")),
			Group: text(c.group(cat))})
	}
	writeList(w, f, http.StatusOK, out, "services", "service")
}

type attrValue struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

type attribute struct {
	Variable            bool      `json:"variable" xml:"variable"`
	Code                string    `json:"code" xml:"code"`
	Datatype            string    `json:"datatype" xml:"datatype"`
	Required            bool      `json:"required" xml:"required"`
	DatatypeDescription text      `json:"datatype_description" xml:"datatype_description"`
	Order               int       `json:"order" xml:"order"`
	Description         text      `json:"description" xml:"description"`
	Values              valueList `json:"values,omitempty" xml:"values,omitempty"`
}

// valueList is written as <values><value>…</value></values>, and left out entirely when empty
// (encoding/xml would keep an empty <values> for a "values>value" path).
type valueList []attrValue

func (l valueList) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, v := range l {
		if err := e.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "value"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

type serviceDefinition struct {
	Code       string      `json:"service_code" xml:"service_code"`
	Attributes []attribute `json:"attributes" xml:"attributes>attribute"`
}

// datatypeHelp tells a client's user how to fill in each datatype.
var datatypeHelp = map[category.Datatype]string{
	category.Number:          "填写数字",
	category.Datetime:        "日期时间，如 2026-11-28T08:30:00+08:00",
	category.SingleValueList: "从选项中选择一项",
	category.MultiValueList:  "从选项中选择一项或多项",
}

func (api *API) serviceDefinition(w http.ResponseWriter, r *http.Request) {
	code, f, ok := splitFile(r.PathValue("file"))
	if !ok {
		writeError(w, f, http.StatusNotFound, "unknown format: use .json or .xml")
		return
	}
	c, err := api.catalogue(r.Context())
	if err != nil {
		api.internalError(w, r, f, err)
		return
	}
	cat, ok := c.byCode[code]
	if !ok {
		writeError(w, f, http.StatusNotFound, "service_code: no service "+code)
		return
	}
	def := serviceDefinition{Code: cat.Code, Attributes: make([]attribute, 0, len(cat.Attributes))}
	for _, a := range sortedAttributes(cat) {
		out := attribute{Variable: true, Code: a.Code, Datatype: string(a.Datatype), Required: a.Required,
			DatatypeDescription: text(datatypeHelp[a.Datatype]), Order: a.Order, Description: text(a.Description)}
		for _, v := range a.Values {
			out.Values = append(out.Values, attrValue{Key: v.Key, Name: v.Name})
		}
		def.Attributes = append(def.Attributes, out)
	}
	writeOne(w, f, http.StatusOK, def, "service_definition")
}
