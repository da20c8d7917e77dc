package ui

import (
	"net/http"
	"time"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
)

// homeData is the landing page: a greeting, the size of the city's tree, and the screens the user's
// roles open.
type homeData struct {
	Now    time.Time
	Counts []levelCount
	Links  []navLink
}

type levelCount struct {
	Level org.Level
	Count int
}

// TitleKey names the page.
func (homeData) TitleKey() string { return "home.title" }

func (u *UI) home(w http.ResponseWriter, r *http.Request, a access.Actor) {
	counts, err := u.st.CountPlaces(r.Context())
	if err != nil {
		u.failed(w, r, err)
		return
	}
	d := homeData{Now: time.Now()}
	for _, l := range org.Levels {
		d.Counts = append(d.Counts, levelCount{Level: l, Count: counts[l]})
	}
	for _, l := range navFor(a, "") {
		if l.Path != "/" {
			d.Links = append(d.Links, l)
		}
	}
	u.render(w, r, http.StatusOK, "home.html", d)
}
