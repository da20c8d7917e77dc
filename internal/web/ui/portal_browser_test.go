package ui_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/cityline/cityline/internal/workorder"
)

// ptPhotoFile writes a photo-like PNG (a sky, a street, a lamp post) for the browser to upload.
func ptPhotoFile(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 480, 360))
	for y := range 360 {
		for x := range 480 {
			c := color.RGBA{R: uint8(40 + y/6), G: uint8(60 + y/5), B: uint8(120 + y/4), A: 255}
			if y > 250 {
				c = color.RGBA{R: 90, G: 90, B: uint8(95 + x%7), A: 255}
			}
			if x > 300 && x < 310 && y > 80 && y <= 250 || x > 280 && x < 330 && y > 70 && y < 85 {
				c = color.RGBA{R: 30, G: 30, B: 30, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "路灯.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ptPhone makes the tab a phone 390 px wide, standing at lat, lng with its location allowed.
func ptPhone(t *testing.T, ctx context.Context, origin string, lat, lng float64) {
	t.Helper()
	c := chromedp.FromContext(ctx)
	if _, err := cdp.Call(ctx, c.Browser, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: cdpbrowser.PermissionSettingGranted,
		Origin: origin, BrowserContextID: c.BrowserContextID}); err != nil {
		t.Fatalf("allow geolocation: %v", err)
	}
	accuracy := 25.0
	do(t, ctx, "emulate a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
				Latitude: &lat, Longitude: &lng, Accuracy: &accuracy})
			return err
		}))
}

// ptFitsThePhone fails the test when the page is wider than the phone's screen.
func ptFitsThePhone(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("%s is %d px wide on a 390 px phone", page, w)
	}
}

func TestBrowserPortalOnAPhone(t *testing.T) {
	base := ptServer(t)
	ctx := tab(t)
	ptPhone(t, ctx, base, 39.65, 106.82)
	photo := ptPhotoFile(t)

	do(t, ctx, "open the portal", chromedp.Navigate(base+"/portal"), chromedp.WaitVisible(chromedp.ID("pt-go-submit")))
	ptFitsThePhone(t, ctx, "the start page")
	if got := eval[string](t, ctx, `document.querySelector('.topbar .brand').getAttribute('href')`); got != "/portal" {
		t.Errorf("the brand leads citizens to %q, want the portal", got)
	}
	screenshot(t, ctx, "portal-home")
	do(t, ctx, "go to the form", chromedp.Click(chromedp.ID("pt-go-submit")), chromedp.WaitVisible(chromedp.ID("pt-submit-form")))
	ptFitsThePhone(t, ctx, "the form")
	screenshot(t, ctx, "portal-form")

	do(t, ctx, "send the empty form", chromedp.Click(chromedp.ID("pt-submit")), chromedp.WaitVisible(chromedp.ID("form-errors")),
		chromedp.WaitReady(chromedp.ID("pt-submit")))
	if got := attrs(t, ctx, "#pt-submit-form .field-error:not([hidden])", "data-field"); strings.Join(got, ",") != "type,category,title,description" {
		t.Errorf("errors of the empty form on %v, want every required field", got)
	}
	ptFitsThePhone(t, ctx, "the form with errors")
	screenshot(t, ctx, "portal-form-errors")
	do(t, ctx, "fill in the form",
		chromedp.Click(chromedp.CSS(`#f-type input[value="complaint"] + span`)),
		chromedp.SetValue(chromedp.ID("f-category"), ptLamp),
		chromedp.SendKeys(chromedp.ID("f-title"), "新华社区门口路灯不亮"),
		chromedp.SendKeys(chromedp.ID("f-description"), "新华社区北门的两盏路灯一周没亮了，晚上出入很不安全，请尽快修复。"),
		chromedp.SendKeys(chromedp.ID("f-address"), "海勃湾区新华社区北门"),
		chromedp.Click(chromedp.ID("pt-gps")),
		chromedp.WaitVisible(chromedp.CSS("#pt-gps-status.pt-ok")),
		chromedp.Click(chromedp.ID("f-anonymous")))
	if !eval[bool](t, ctx, `document.getElementById('f-phone').disabled`) {
		t.Error("the phone field stays open for an anonymous report")
	}
	do(t, ctx, "give a name and a number after all",
		chromedp.Click(chromedp.ID("f-anonymous")),
		chromedp.SendKeys(chromedp.ID("f-name"), "王女士"),
		chromedp.SendKeys(chromedp.ID("f-phone"), "13900002222"),
		chromedp.SetUploadFiles(chromedp.ID("f-photo"), []string{photo}),
		chromedp.WaitVisible(chromedp.ID("pt-photo-preview")))
	if lat, lng := eval[string](t, ctx, `document.getElementById('f-lat').value`), eval[string](t, ctx, `document.getElementById('f-lng').value`); lat != "39.650000" || lng != "106.820000" {
		t.Errorf("location from the phone = %s, %s", lat, lng)
	}
	ptFitsThePhone(t, ctx, "the filled form")
	screenshot(t, ctx, "portal-form-filled")

	do(t, ctx, "submit", chromedp.Click(chromedp.ID("pt-submit")), chromedp.WaitVisible(chromedp.ID("pt-number")))
	number, code := text(t, ctx, "#pt-number"), text(t, ctx, "#pt-code")
	if len(number) != 16 || len(code) != 8 {
		t.Fatalf("number %q, code %q", number, code)
	}
	ptFitsThePhone(t, ctx, "the codes")
	screenshot(t, ctx, "portal-done")
	tk, err := site.st.Ticket(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	if tk.QueryCode != code || tk.Location.PlaceCode != "150302001001001" || math.Abs(tk.Location.Lat-39.65) > 1e-6 || tk.Caller.Phone != "13900002222" {
		t.Errorf("stored order %+v", tk)
	}
	if files, err := site.st.AttachmentsOf(context.Background(), tk.ID); err != nil || len(files) != 1 || files[0].ContentType != "image/png" {
		t.Errorf("stored photo %+v (%v)", files, err)
	}

	do(t, ctx, "follow the order", chromedp.Click(chromedp.ID("pt-track-link")), chromedp.WaitVisible(chromedp.ID("pt-status")))
	if got := text(t, ctx, "#pt-stage"); got != "已受理" {
		t.Errorf("stage of a new order = %q", got)
	}
	screenshot(t, ctx, "portal-track-new")

	newPtStaff(t).handle(t, number, "经现场检查，两盏路灯的灯泡已更换，今晚起恢复照明。")
	do(t, ctx, "look again", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("pt-rate-form")))
	if got := text(t, ctx, "#pt-stage"); got != "已答复，请评价" {
		t.Errorf("stage after the reply = %q", got)
	}
	steps := text(t, ctx, "#pt-steps")
	for _, want := range []string{"诉求已受理", "已转交 海勃湾区住建局 办理", "海勃湾区住建局 已签收", "海勃湾区住建局 答复", "今晚起恢复照明"} {
		if !strings.Contains(steps, want) {
			t.Errorf("the progress %q lacks %q", steps, want)
		}
	}
	for _, secret := range []string{"吴承办", "hbw-housing", "agent1", "赵话务", "王女士", "13900002222"} {
		if strings.Contains(text(t, ctx, "#main"), secret) {
			t.Errorf("the progress page shows %q", secret)
		}
	}
	ptFitsThePhone(t, ctx, "the progress")
	screenshot(t, ctx, "portal-track-replied")

	do(t, ctx, "rate the reply",
		chromedp.Click(chromedp.CSS(`#pt-rate-form input[name="resolved"][value="yes"] + span`)),
		chromedp.Click(chromedp.CSS(`#pt-rate-form input[name="satisfaction"][value="satisfied"] + span`)),
		chromedp.SendKeys(chromedp.ID("f-comment"), "修得很快，谢谢！"),
		chromedp.Click(chromedp.ID("pt-rate-submit")),
		chromedp.WaitVisible(chromedp.ID("pt-notice")))
	if got := text(t, ctx, "#pt-stage"); got != "已办结" {
		t.Errorf("stage after the rating = %q", got)
	}
	if got := text(t, ctx, "#pt-verdict"); got != "已解决，满意" {
		t.Errorf("the rating shown = %q", got)
	}
	if eval[int](t, ctx, `document.querySelectorAll('#pt-rate-form').length`) != 0 {
		t.Error("a closed, rated order still offers the rating")
	}
	ptFitsThePhone(t, ctx, "the closed order")
	screenshot(t, ctx, "portal-track-closed")
	if tk, _ := site.st.Ticket(context.Background(), number); tk.Status != workorder.StatusClosed || tk.Satisfaction != workorder.Satisfied {
		t.Errorf("after the rating the order is %s/%s", tk.Status, tk.Satisfaction)
	}
}
