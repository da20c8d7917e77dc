package open311_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
	"github.com/cityline/cityline/internal/ticketing"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// conformanceDir finds the official Open311 schemas beside the repository (../shared/conformance),
// walking up from the test's directory to the one that holds go.mod.
func conformanceDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("Open311 conformance schemas skipped: no go.mod above the test directory")
		}
		dir = parent
	}
	conf := filepath.Join(dir, "..", "shared", "conformance", "open311-georeport-v2")
	if _, err := os.Stat(filepath.Join(conf, "services.json")); err != nil {
		t.Skipf("Open311 conformance schemas skipped: %s is absent", conf)
	}
	return conf
}

// schemas compiles the official schemas, with formats (date-time, uri) asserted. The answers to
// POST requests and tokens have no schema file of their own; their definitions in the official
// Swagger file are used.
func schemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	dir := conformanceDir(t)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[string]*jsonschema.Schema{}
	for name, loc := range map[string]string{
		"services":   "services.json",
		"definition": "service-definition.json",
		"requests":   "requests.json",
		"created":    "swagger.json#/definitions/RequestResponse",
		"token":      "swagger.json#/definitions/TokenResponse",
	} {
		sch, err := c.Compile("file://" + filepath.ToSlash(filepath.Join(dir, loc)))
		if err != nil {
			t.Fatalf("compile %s: %v", loc, err)
		}
		out[name] = sch
	}
	return out
}

func validate(t *testing.T, sch *jsonschema.Schema, what, body string) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("%s does not match the official schema: %#v\n%s", what, err, body)
	}
}

// validateEach checks every item of a JSON list against an item schema.
func validateEach(t *testing.T, sch *jsonschema.Schema, what, body string) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	items, ok := doc.([]any)
	if !ok || len(items) == 0 {
		t.Fatalf("%s: want a non-empty list, got %s", what, body)
	}
	for _, it := range items {
		if err := sch.Validate(it); err != nil {
			t.Errorf("%s does not match the official schema: %#v\n%s", what, err, body)
		}
	}
}

func TestAnswersMatchTheOfficialSchemas(t *testing.T) {
	sch := schemas(t)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		ok := func(path string) string {
			t.Helper()
			status, body := f.get(t, path)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, status, body)
			}
			return body
		}
		validate(t, sch["services"], "services", ok("/open311/v2/services.json"))
		validate(t, sch["definition"], "service 020301", ok("/open311/v2/services/020301.json"))
		validate(t, sch["definition"], "service 020302", ok("/open311/v2/services/020302.json"))

		form := f.lampForm()
		form.Set("account_id", "acct-9")
		status, body := f.post(t, "/open311/v2/requests.json", form)
		if status != http.StatusOK {
			t.Fatalf("POST requests: %d %s", status, body)
		}
		validateEach(t, sch["created"], "POST requests", body)
		id := f.create(t, f.lampForm())
		f.act(t, "dispatcher", id, workorder.Command{Action: workorder.ActDispatch, LeadUnitID: f.unit.ID})

		// An order with a photo and a long description, taken in by an agent.
		agent := f.actors["agent"]
		photo, err := st.CreateAttachment(ctx, audit.Who{Actor: agent.Username}, store.Attachment{SHA256: strings.Repeat("cd", 32),
			Size: 10, ContentType: "image/jpeg", FileName: "lamp.jpg", UploadedBy: agent.UserID})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Create(ctx, agent, workorder.Intake{Channel: workorder.ChannelPhone, Type: workorder.TypeHelp,
			Category: "020302", Title: "灯杆倾斜", Description: strings.Repeat("灯杆倾斜，", 900), Address: "人民路 1 号",
			Attachments: []string{photo.ID}}, ticketing.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		validate(t, sch["requests"], "requests", ok("/open311/v2/requests.json"))
		validate(t, sch["requests"], "one request", ok("/open311/v2/requests/"+id+".json"))
		validateEach(t, sch["token"], "token", ok("/open311/v2/tokens/"+id+".json"))
	})
}
