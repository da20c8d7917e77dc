package open311

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// Limits on what an Open311 form may carry beyond what the work order itself checks.
const (
	maxStringAttr = 200
	maxTextAttr   = 2000
	maxMediaURL   = 1000
	titleWords    = 24 // characters of the description that follow the service name in the title
)

// fieldErr names the Open311 field at fault; the handler answers it with 400.
func fieldErr(field, format string, args ...any) error {
	return &workorder.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// requestTypes maps the optional request_type field, in our names or in Chinese, onto a request
// type. Open311 has no such notion; a client that sends nothing files a complaint (投诉), which is
// what a report of a broken street light or a noisy site is.
var requestTypes = map[string]workorder.RequestType{
	"咨询": workorder.TypeEnquiry, "求助": workorder.TypeHelp, "投诉": workorder.TypeComplaint,
	"举报": workorder.TypeReport, "建议": workorder.TypeSuggestion, "表扬": workorder.TypePraise,
}

func requestType(v string) (workorder.RequestType, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return workorder.TypeComplaint, nil
	}
	if t, ok := requestTypes[v]; ok {
		return t, nil
	}
	if t := workorder.RequestType(strings.ToLower(v)); workorder.ValidType(t) {
		return t, nil
	}
	return "", fieldErr("request_type", "%q: want enquiry, help, complaint, report, suggestion or praise", v)
}

// intake turns an Open311 form into a work-order intake for the service. The answers to the
// service's attributes and the media link are written under the description in a readable block,
// so that agents and units read them where they read the matter itself.
func (api *API) intake(ctx context.Context, form url.Values, svc category.Category) (workorder.Intake, error) {
	in := workorder.Intake{Channel: workorder.ChannelOpen311, Category: svc.Code}
	var err error
	if in.Type, err = requestType(form.Get("request_type")); err != nil {
		return in, err
	}
	if err := api.location(ctx, form, &in); err != nil {
		return in, err
	}
	extra, err := attributeLines(form, svc)
	if err != nil {
		return in, err
	}
	if media := strings.TrimSpace(form.Get("media_url")); media != "" {
		u, err := url.Parse(media)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(media) > maxMediaURL {
			return in, fieldErr("media_url", "want an http or https URL of at most %d characters", maxMediaURL)
		}
		extra = append(extra, "媒体链接："+media)
	}
	desc := strings.TrimSpace(form.Get("description"))
	in.Title = svc.Name
	if desc != "" {
		in.Title += "：" + firstWords(desc, titleWords)
	} else {
		desc = svc.Name
	}
	if len(extra) > 0 {
		desc += "\n\n【Open311 附加信息】\n" + strings.Join(extra, "\n")
	}
	in.Description = desc
	in.Caller = workorder.Caller{Name: fullName(form.Get("first_name"), form.Get("last_name")), Phone: normalPhone(form.Get("phone"))}
	return in, nil
}

// location reads lat+long, address_string or address_id; at least one must be given. address_id is
// a place code of the city's tree (a district, street, community or grid).
func (api *API) location(ctx context.Context, form url.Values, in *workorder.Intake) error {
	lat, long := strings.TrimSpace(form.Get("lat")), strings.TrimSpace(form.Get("long"))
	switch {
	case lat != "" && long == "":
		return fieldErr("long", "required with lat")
	case long != "" && lat == "":
		return fieldErr("lat", "required with long")
	case lat != "":
		var err error
		if in.Lat, err = strconv.ParseFloat(lat, 64); err != nil || math.IsNaN(in.Lat) || math.IsInf(in.Lat, 0) {
			return fieldErr("lat", "%q is not a number", lat)
		}
		if in.Lng, err = strconv.ParseFloat(long, 64); err != nil || math.IsNaN(in.Lng) || math.IsInf(in.Lng, 0) {
			return fieldErr("long", "%q is not a number", long)
		}
	}
	in.Address = strings.TrimSpace(form.Get("address_string"))
	if id := strings.TrimSpace(form.Get("address_id")); id != "" && in.Address == "" {
		chain, err := api.st.PlaceChain(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return fieldErr("address_id", "%q is no place code of this city", id)
		}
		if err != nil {
			return err
		}
		var b strings.Builder
		for i := len(chain) - 1; i >= 0; i-- {
			b.WriteString(chain[i].Name)
		}
		in.Address = b.String()
	}
	if in.Address == "" && lat == "" {
		return fieldErr("location", "give lat and long, address_string or address_id")
	}
	return nil
}

// sortedAttributes lists a service's attributes in the order they are asked.
func sortedAttributes(svc category.Category) []category.Attribute {
	attrs := slices.Clone(svc.Attributes)
	slices.SortStableFunc(attrs, func(a, b category.Attribute) int { return a.Order - b.Order })
	return attrs
}

// attributeLines checks the answers to the service's attributes (attribute[code], repeated or as
// attribute[code][] for several values) and renders each as "question：answer". Answers to
// attributes the service does not ask are ignored, as clients of other cities may send them.
func attributeLines(form url.Values, svc category.Category) ([]string, error) {
	given := map[string][]string{}
	for k, vs := range form {
		code, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		code, _ = strings.CutSuffix(code, "[]")
		if code, ok = strings.CutSuffix(code, "]"); !ok {
			continue
		}
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				given[code] = append(given[code], v)
			}
		}
	}
	var lines []string
	for _, a := range sortedAttributes(svc) {
		field := "attribute[" + a.Code + "]"
		vals := given[a.Code]
		if len(vals) == 0 {
			if a.Required {
				return nil, fieldErr(field, "required (%s)", a.Description)
			}
			continue
		}
		answer, err := answerOf(a, vals)
		if err != nil {
			return nil, fieldErr(field, "%s", err.Error())
		}
		lines = append(lines, a.Description+"："+answer)
	}
	return lines, nil
}

// answerOf checks the values given for one attribute against its datatype and renders them.
func answerOf(a category.Attribute, vals []string) (string, error) {
	switch a.Datatype {
	case category.SingleValueList, category.MultiValueList:
		var keys []string
		for _, v := range vals {
			keys = append(keys, strings.Split(v, ",")...)
		}
		if a.Datatype == category.SingleValueList && len(keys) > 1 {
			return "", errors.New("choose one value")
		}
		names := make([]string, 0, len(keys))
		for _, k := range keys {
			i := slices.IndexFunc(a.Values, func(v category.Value) bool { return v.Key == strings.TrimSpace(k) })
			if i < 0 {
				return "", fmt.Errorf("%q is not one of the keys the service definition lists", k)
			}
			names = append(names, a.Values[i].Name)
		}
		return strings.Join(names, "、"), nil
	case category.Number:
		n, err := strconv.ParseFloat(vals[0], 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || len(vals) > 1 {
			return "", errors.New("want one number")
		}
		return vals[0], nil
	case category.Datetime:
		t, ok := parseW3C(vals[0])
		if !ok || len(vals) > 1 {
			return "", errors.New("want one W3C datetime, e.g. 2026-11-28T08:30:00+08:00")
		}
		return t.In(workorder.Shanghai).Format("2006-01-02 15:04"), nil
	}
	limit := maxStringAttr
	if a.Datatype == category.Text {
		limit = maxTextAttr
	}
	v := strings.Join(vals, "；")
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > limit {
		return "", fmt.Errorf("want valid text of at most %d characters", limit)
	}
	return v, nil
}

// firstWords is the start of the description's first line, at most n characters, for the title.
func firstWords(s string, n int) string {
	line, _, _ := strings.Cut(s, "\n")
	line = strings.TrimSpace(line)
	if r := []rune(line); len(r) > n {
		return strings.TrimSpace(string(r[:n])) + "…"
	}
	return line
}

// fullName puts the family name first when the name is written in Chinese characters, as Chinese
// names are, and last otherwise.
func fullName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" || last == "" {
		return last + first
	}
	if utf8.RuneLen([]rune(last)[0]) > 1 {
		return last + first
	}
	return first + " " + last
}

// normalPhone drops the spaces and the +86 prefix that international clients add to a mainland number.
func normalPhone(p string) string {
	p = strings.ReplaceAll(strings.TrimSpace(p), " ", "")
	if rest, ok := strings.CutPrefix(p, "+86"); ok {
		p = strings.TrimPrefix(rest, "-")
	}
	return p
}
